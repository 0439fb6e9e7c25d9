import { connectionKey } from "@afsync/core";
import { InMemoryDeploymentTarget } from "../src/InMemoryDeploymentTarget.ts";
import { InMemorySecretSource } from "../src/InMemorySecretSource.ts";
import { InMemoryStateStore } from "../src/InMemoryStateStore.ts";
import { runDeploymentTargetContract } from "../src/runDeploymentTargetContract.ts";
import { runSecretSourceContract } from "../src/runSecretSourceContract.ts";
import { runStateStoreContract } from "../src/runStateStoreContract.ts";

// The fakes every engine test relies on must honour the same contracts as the real adapters.
runSecretSourceContract("InMemorySecretSource", async (fixture) => {
  const source = new InMemorySecretSource("memory", { batchSize: 3 });
  for (const [id, connection] of Object.entries(fixture.connections)) source.setConnection(id, connection);
  for (const [id, value] of Object.entries(fixture.variables)) source.setVariable(id, value);
  // The fake does not parse raw text; it stores the verdict a parser would give.
  for (const id of Object.keys(fixture.invalidConnections)) source.setInvalid(connectionKey(id), "not a connection URI or JSON");
  return { source };
});

runDeploymentTargetContract("InMemoryDeploymentTarget (reads values)", async () => ({ target: new InMemoryDeploymentTarget() }));
runDeploymentTargetContract("InMemoryDeploymentTarget (presence only, holds state, batches of 2)", async () => ({
  target: new InMemoryDeploymentTarget({ readsValues: false, holdsState: true, maxBatch: 2 }),
}));

runStateStoreContract("InMemoryStateStore", async () => ({ store: new InMemoryStateStore() }));
