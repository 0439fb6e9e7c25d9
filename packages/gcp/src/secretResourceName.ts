/**
 * Secret Manager names a secret by resource name, `projects/{project}/secrets/{secret}` (regional
 * secrets add `/locations/{location}`), and a version by appending `/versions/{n}`. `{project}`
 * is the project id in what afsync builds but the project NUMBER in every Pub/Sub notification
 * (`secretId`, `versionId` attributes), so nothing may compare projects as plain strings.
 */
const RESOURCE = /^projects\/([^/]+)\/(?:locations\/([^/]+)\/)?secrets\/([^/]+)(?:\/versions\/([^/]+))?$/;

export interface SecretResourceName {
  readonly project: string;
  readonly location?: string;
  readonly secret: string;
  readonly version?: string;
}

/** The parts of a secret or version resource name, or null when the text is not one. */
export function parseSecretResourceName(name: string): SecretResourceName | null {
  const match = RESOURCE.exec(name);
  if (!match) return null;
  const [, project = "", location, secret = "", version] = match;
  return { project, secret, ...(location !== undefined ? { location } : {}), ...(version !== undefined ? { version } : {}) };
}

export function secretResourceName(project: string, secret: string): string {
  return `projects/${project}/secrets/${secret}`;
}

export function secretVersionName(project: string, secret: string, version: string): string {
  return `${secretResourceName(project, secret)}/versions/${version}`;
}

/** True when a project reference is a project number (what notifications carry), not an id. */
export function isProjectNumber(project: string): boolean {
  return /^\d+$/.test(project);
}
