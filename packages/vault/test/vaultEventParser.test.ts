import { runEventParserContract } from "@afsync/testing/runEventParserContract";
import { vaultEventParser } from "../src/events/parseVaultEvent.ts";

runEventParserContract(vaultEventParser, {
  samples: "vault",
  expected: {
    "vault-kv-v2-data-write.json": [{ provider: "vault", secretId: "secret/foo", action: "upsert", version: "1" }],
    "vault-kv-v2-data-write-v1.13.json": [{ provider: "vault", secretId: "secret/foo", action: "upsert", version: "1" }],
    "vault-kv-v2-destroy.json": [{ provider: "vault", secretId: "secret-v2/my-secret", action: "delete" }],
    // KV API responses kept as the shapes the source reads (LIST, metadata, read), not events.
    "vault-kv-v2-list-response.json": { refused: /not a Vault event/ },
    "vault-kv-v2-metadata-response.json": { refused: /not a Vault event/ },
    "vault-kv-v2-read-response.json": { refused: /not a Vault event/ },
  },
});
