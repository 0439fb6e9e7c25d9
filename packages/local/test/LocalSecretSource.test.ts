import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type ChangeHint, connectionKey, keyString, variableKey } from "@afsync/core";
import { connectionToUri } from "@afsync/core/formats/connectionUri";
import { runSecretSourceContract, type SourceFixture } from "@afsync/testing";
import { stringify } from "yaml";
import { LocalSecretSource } from "../src/source/LocalSecretSource.ts";
import { localSourceFactory } from "../src/source/localSourceFactory.ts";
import { connectionToFileDict } from "../src/targets/LocalFilesystemTarget.ts";
import { makeTempDir } from "./tempDir.ts";

type FileType = "json" | "yaml" | "env";

function render(type: FileType, entries: Record<string, unknown>): string {
  if (type === "json") return JSON.stringify(entries, null, 2);
  if (type === "yaml") return stringify(entries);
  return Object.entries(entries)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join("\n");
}

async function sourceFor(type: FileType, fixture: SourceFixture) {
  const { dir, cleanup } = await makeTempDir();
  const connections: Record<string, unknown> = {};
  for (const [id, conn] of Object.entries(fixture.connections)) {
    connections[id] = type === "env" ? connectionToUri(conn) : connectionToFileDict(conn);
  }
  Object.assign(connections, fixture.invalidConnections);
  await writeFile(join(dir, `connections.${type}`), render(type, connections));
  await writeFile(join(dir, `variables.${type}`), render(type, fixture.variables));
  const source = localSourceFactory.create(
    { connections_file_path: `connections.${type}`, variables_file_path: `variables.${type}` },
    { id: `files-${type}`, configDir: dir },
  );
  return { source, cleanup };
}

for (const type of ["json", "yaml", "env"] as const) {
  runSecretSourceContract(`local (${type})`, (fixture) => sourceFor(type, fixture));
}

describe("LocalSecretSource", () => {
  it("fails the read of a file that is not UTF-8, naming it and the byte offset, and never pushes a U+FFFD", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const head = Buffer.from("db=postgres://u:s3cr3t@h/caf");
      await writeFile(join(dir, "c.env"), Buffer.concat([head, Buffer.from([0xe9, 0x0a])]));
      const source = new LocalSecretSource("files", { connections: { path: join(dir, "c.env"), label: "c.env" } });
      await assert.rejects(source.readAll(), (error: Error & { code?: string }) => {
        assert.equal(error.code, "INVALID_SOURCE_FILE");
        assert.match(error.message, new RegExp(`^c\\.env: not valid UTF-8: .*byte offset ${head.length} `));
        assert.ok(!error.message.includes("s3cr3t"));
        return true;
      });
    } finally {
      await cleanup();
    }
  });

  it("reads CRLF files and a YAML byte order mark as Airflow does, and reports a pasted secret as invalid", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      await writeFile(join(dir, "c.yaml"), "\ufeffdb: postgres://h/x\r\npasted: Pasted-pw-77\r\n");
      await writeFile(join(dir, "v.env"), "A=1\r\nB=two\r\n");
      const source = new LocalSecretSource("files", {
        connections: { path: join(dir, "c.yaml"), label: "c.yaml" },
        variables: { path: join(dir, "v.env"), label: "v.env" },
      });
      const reads = Object.fromEntries((await source.readAll()).map((r) => [keyString(r.key), r]));
      const db = reads["conn:db"];
      assert.equal(db?.status === "found" && db.value.kind === "connection" ? db.value.connection.schema : null, "x");
      const pasted = reads["conn:pasted"];
      assert.equal(pasted?.status, "invalid");
      assert.ok(pasted?.status === "invalid" && /line 2/.test(pasted.reason) && !pasted.reason.includes("asted-pw"));
      const b = reads["var:B"];
      assert.equal(b?.status === "found" && b.value.kind === "variable" ? b.value.value : null, "two", "no trailing \\r");
    } finally {
      await cleanup();
    }
  });

  it("fails the whole read when a file cannot be parsed, instead of reporting its keys missing", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      await writeFile(join(dir, "c.json"), '{"db": "postgres://u:s3cr3t@h/x",');
      const source = new LocalSecretSource("files", { connections: { path: join(dir, "c.json"), label: "c.json" } });
      await assert.rejects(source.readAll(), (error: Error & { code?: string }) => {
        assert.equal(error.code, "INVALID_SOURCE_FILE");
        assert.match(error.message, /^c\.json: line \d+:/);
        assert.ok(!error.message.includes("s3cr3t"));
        return true;
      });
      await assert.rejects(source.read([connectionKey("db")]));
    } finally {
      await cleanup();
    }
  });

  it("reports a value Airflow would reject as invalid, with file and line but not the value, and reads the rest", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      await writeFile(join(dir, "c.env"), "good=postgres://u:p@h:5432/db\nbad=postgres://u:s3ntinel-pw@h:99999/db\n");
      const source = new LocalSecretSource("files", { connections: { path: join(dir, "c.env"), label: "c.env" } });
      const reads = await source.readAll();
      const bad = reads.find((r) => r.key.id === "bad");
      assert.equal(bad?.status, "invalid");
      if (bad?.status === "invalid") {
        assert.match(bad.reason, /^c\.env \(line 2\): .*port/i);
        assert.ok(!JSON.stringify(bad).includes("s3ntinel-pw"));
      }
      assert.equal(reads.find((r) => r.key.id === "good")?.status, "found");
    } finally {
      await cleanup();
    }
  });

  it("fails on a missing file (as Airflow does) rather than treating it as empty", async () => {
    const source = new LocalSecretSource("files", { variables: { path: "/nonexistent/afsync/v.yaml", label: "v.yaml" } });
    await assert.rejects(source.readAll(), (error: Error & { code?: string }) => error.code === "SOURCE_FILE_UNREADABLE");
  });

  it("reports a key of a kind it has no file for as missing", async () => {
    const source = new LocalSecretSource("files", {});
    assert.deepEqual(await source.read([variableKey("x")]), [{ status: "missing", key: variableKey("x"), secretId: "var:x" }]);
    assert.equal(source.secretIdFor(variableKey("x")), null);
  });

  it("maps a file name back to every key it held at the last read", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      await writeFile(join(dir, "v.yaml"), "a: '1'\nb: '2'\n");
      const source = new LocalSecretSource("files", { variables: { path: join(dir, "v.yaml"), label: "v.yaml" } });
      await source.readAll();
      assert.deepEqual(source.keysFor("v.yaml").keys.map(keyString).sort(), ["var:a", "var:b"]);
      assert.deepEqual(source.keysFor("v.yaml#a").keys, [variableKey("a")]);
      assert.ok(source.keysFor("other.yaml#a").ignoredReason);
    } finally {
      await cleanup();
    }
  });

  it("watch: an edit yields hints for the keys added, changed or removed, and a save of the same bytes none", {
    timeout: 10_000,
  }, async () => {
    const { dir, cleanup } = await makeTempDir();
    const path = join(dir, "variables.yaml");
    await writeFile(path, "keep: '1'\ngone: '2'\nchange: '3'\n");
    const source = new LocalSecretSource("files", { variables: { path, label: "variables.yaml" } });
    await source.readAll();
    const batches: ChangeHint[][] = [];
    let notify: () => void = () => {};
    const watch = source.watch(
      (hints) => {
        batches.push(hints);
        notify();
      },
      { debounceMs: 20 },
    );
    try {
      const changed = new Promise<void>((resolve) => {
        notify = resolve;
      });
      await writeFile(path, "keep: '1'\nchange: '4'\nnew: '3'\n");
      await changed;
      const keys = batches.flat().map((h) => keyString(h.keys?.[0] ?? variableKey("?")));
      assert.deepEqual(keys.sort(), ["var:change", "var:gone", "var:new"]);
      assert.ok(batches.flat().every((h) => h.sourceId === "files" && h.action === "upsert" && h.provider === "local"));
      // Same bytes again: the digest matches, so no further batch.
      await writeFile(path, "keep: '1'\nchange: '4'\nnew: '3'\n");
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.equal(batches.length, 1);
    } finally {
      watch.close();
      await cleanup();
    }
  });

  it("watch: a broken save names every key, and so does the fix, even when it restores the same content", { timeout: 10_000 }, async () => {
    const { dir, cleanup } = await makeTempDir();
    const path = join(dir, "variables.yaml");
    const good = "a: '1'\nb: '2'\n";
    await writeFile(path, good);
    const source = new LocalSecretSource("files", { variables: { path, label: "variables.yaml" } });
    await source.readAll();
    const batches: string[][] = [];
    const errors: unknown[] = [];
    let notify: () => void = () => {};
    const next = () =>
      new Promise<void>((resolve) => {
        notify = resolve;
      });
    const watch = source.watch(
      (hints) => {
        batches.push(hints.map((h) => keyString(h.keys?.[0] ?? variableKey("?"))).sort());
        notify();
      },
      { debounceMs: 20, onError: (e) => errors.push(e) },
    );
    try {
      let arrived = next();
      await writeFile(path, "a: '1\nb: [\n");
      await arrived;
      assert.deepEqual(batches.at(-1), ["var:a", "var:b"]);
      assert.equal(errors.length, 1);
      arrived = next();
      await writeFile(path, good);
      await arrived;
      assert.deepEqual(batches.at(-1), ["var:a", "var:b"]);
    } finally {
      watch.close();
      await cleanup();
    }
  });

  it("watch: a read in between (another run) does not hide a change from the watcher", { timeout: 10_000 }, async () => {
    const { dir, cleanup } = await makeTempDir();
    const path = join(dir, "variables.yaml");
    await writeFile(path, "a: '1'\nb: '2'\n");
    const source = new LocalSecretSource("files", { variables: { path, label: "variables.yaml" } });
    await source.readAll();
    const batches: string[][] = [];
    let notify: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      notify = resolve;
    });
    const watch = source.watch(
      (hints) => {
        batches.push(hints.map((h) => keyString(h.keys?.[0] ?? variableKey("?"))));
        notify();
      },
      { debounceMs: 50 },
    );
    try {
      await writeFile(path, "a: '1'\nb: '3'\n");
      await source.read([variableKey("a")]); // e.g. a webhook run, before the debounce fires
      await arrived;
      assert.deepEqual(batches, [["var:b"]]);
    } finally {
      watch.close();
      await cleanup();
    }
  });

  it("watch: an edit made after the last read but before the watch started is still announced", { timeout: 10_000 }, async () => {
    const { dir, cleanup } = await makeTempDir();
    const path = join(dir, "variables.yaml");
    await writeFile(path, "a: '1'\nb: '2'\n");
    const source = new LocalSecretSource("files", { variables: { path, label: "variables.yaml" } });
    await source.readAll(); // serve's initial sync
    await writeFile(path, "a: '1'\nb: '9'\n"); // saved before the watcher exists
    let resolveHints: (keys: string[]) => void = () => {};
    const announced = new Promise<string[]>((resolve) => {
      resolveHints = resolve;
    });
    const watch = source.watch((hints) => resolveHints(hints.map((h) => keyString(h.keys?.[0] ?? variableKey("?")))), { debounceMs: 20 });
    try {
      assert.deepEqual(await announced, ["var:b"]);
    } finally {
      watch.close();
      await cleanup();
    }
  });

  it("factory rejects unknown options and unsupported extensions, naming the field", () => {
    const schema = localSourceFactory.schema;
    const typo = schema.safeParse({ connection_file_path: "c.yaml" });
    assert.equal(typo.success, false);
    assert.equal(schema.safeParse({ connections_file_path: "c.txt" }).success, false);
    assert.equal(schema.safeParse({}).success, false);
    assert.equal(schema.safeParse({ connections_file_path: "c.yml", configs_file_path: "x.yaml" }).success, true);
  });
});
