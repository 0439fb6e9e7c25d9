/** The JSON report `afsync sync|reconcile|rollback --json` prints, as far as the end-to-end tests read it. */
export interface CliRunReport {
  readonly mode?: string;
  readonly deployments: readonly CliDeploymentReport[];
}

export interface CliDeploymentReport {
  readonly id: string;
  readonly status: string;
  readonly error?: string;
  readonly writes: number;
  readonly changes: readonly CliChange[];
}

export interface CliChange {
  readonly key: string;
  readonly action: string;
  readonly error?: string;
  readonly source?: string;
  readonly version?: string;
}
