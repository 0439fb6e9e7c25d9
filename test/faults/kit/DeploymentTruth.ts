import { type ConnectionFields, connectionFields } from "./connectionFields.ts";

/** What one source holds at the end, read back from its emulator: connection id → URI, variable → value. */
export interface SourceState {
  readonly connections: ReadonlyMap<string, string>;
  readonly variables: ReadonlyMap<string, string>;
}

/** What one Deployment must hold: connection id → fields, variable → value. */
export interface DeploymentTruth {
  readonly connections: ReadonlyMap<string, ConnectionFields>;
  readonly variables: ReadonlyMap<string, string>;
}

export const EMPTY_SOURCE: SourceState = { connections: new Map(), variables: new Map() };

/**
 * The precedence rule written out plainly: the source listed first wins, so the later ones are
 * laid down first and overwritten. `include` keeps one kind only (a Deployment's include filter).
 */
export function mergeSources(sources: readonly SourceState[], include: "connections" | "variables" | "both" = "both"): DeploymentTruth {
  const connections = new Map<string, ConnectionFields>();
  const variables = new Map<string, string>();
  for (const source of [...sources].reverse()) {
    if (include !== "variables") for (const [id, uri] of source.connections) connections.set(id, connectionFields(uri));
    if (include !== "connections") for (const [key, value] of source.variables) variables.set(key, value);
  }
  return { connections, variables };
}

/** Keys in a Deployment's truth, for the report (a storm that ends with empty targets proves nothing). */
export function truthSize(truth: DeploymentTruth): { connections: number; variables: number } {
  return { connections: truth.connections.size, variables: truth.variables.size };
}
