import type { DeploymentConfig } from "./AfsyncConfig.ts";

/** Deployments linked by the sources they read, directly or through one another. */
export interface SharingGroup {
  /**
   * The group's smallest Deployment id (code-unit order): stable while the group keeps that
   * Deployment, readable in the console, and a Deployment alone keeps its own id as before.
   */
  readonly id: string;
  /** Every Deployment of the group, sorted. */
  readonly members: readonly string[];
}

/**
 * The sharing groups of a config: the connected components of the graph whose nodes are the
 * Deployments and whose edges join two Deployments that read one source (a listed source, or the
 * secrets backend a Deployment observes: the engine reads that too). A Deployment that shares no
 * source is a group of its own. A → B through s1 and B → C through s2 put A, B and C in one group,
 * which is what one engine run needs to read s1 and s2 once each for all of them.
 *
 * The result depends on the set of Deployments and their sources only, not on their order, so
 * every function that bundles the same config computes the same groups (GCP's producers key the
 * doorbells by the group id and its worker folds the group: ADR 012).
 */
export function sharingGroups(
  deployments: readonly Pick<DeploymentConfig, "id" | "sources" | "observe">[],
): ReadonlyMap<string, SharingGroup> {
  const parent = new Map<string, string>();
  const root = (id: string): string => {
    let top = id;
    for (let up = parent.get(top); up !== undefined && up !== top; up = parent.get(top)) top = up;
    // Path compression: every Deployment on the way now points at the root.
    for (let at = id; at !== top; ) {
      const next = parent.get(at) ?? top;
      parent.set(at, top);
      at = next;
    }
    return top;
  };
  const readerOf = new Map<string, string>();
  for (const deployment of deployments) {
    parent.set(deployment.id, parent.get(deployment.id) ?? deployment.id);
    const read = [...deployment.sources, ...(deployment.observe?.secretsBackend === undefined ? [] : [deployment.observe.secretsBackend])];
    for (const source of read) {
      const first = readerOf.get(source);
      if (first === undefined) {
        readerOf.set(source, deployment.id);
        continue;
      }
      const [a, b] = [root(first), root(deployment.id)];
      // The smaller id becomes the root, so the root is the group's id whatever the order of union.
      if (a !== b) a < b ? parent.set(b, a) : parent.set(a, b);
    }
  }
  const members = new Map<string, string[]>();
  for (const id of parent.keys()) {
    const top = root(id);
    const list = members.get(top) ?? [];
    list.push(id);
    members.set(top, list);
  }
  const groups = new Map<string, SharingGroup>();
  for (const [id, list] of members) {
    const group: SharingGroup = { id, members: list.sort(byCodeUnits) };
    for (const member of list) groups.set(member, group);
  }
  return groups;
}

/** Code-unit order, as `<` compares: the same in every runtime, whatever its locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
