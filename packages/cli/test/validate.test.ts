import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runAfsync } from "./connRunAfsync.ts";

const SECRET = "S3ntinel-pa55";
const dir = mkdtempSync(join(tmpdir(), "afsync-validate-"));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("afsync validate (real binary)", () => {
  it("exits 0 on a good file and counts its entries", async () => {
    const path = file("good.yaml", `my_db:\n  conn_type: postgres\n  host: h\n  password: ${SECRET}\nweb: http://u:${SECRET}@h:80\n`);
    const r = await runAfsync(["validate", path]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /2 connections read, 0 problems/);
    assert.ok(!r.stdout.includes(SECRET));
  });

  it("prints every problem with its line and key, and exits 1", async () => {
    const path = file(
      "conns.env",
      `my_db=postgres://u:${SECRET}@h:5432/d\nMY_DB=mysql://h\nbad line\nweb=http://u:${SECRET}@h:99999\nsp ace=mysql://h\nmy_db=mysql://again\n`,
    );
    const r = await runAfsync(["validate", path]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trimEnd().split("\n");
    assert.ok(
      lines.some((l) => l.endsWith("conns.env:1: my_db: Found multiple values for my_db in conns.env.")),
      r.stdout,
    );
    assert.ok(lines.some((l) => /conns\.env:3: Invalid line format/.test(l)));
    assert.ok(lines.some((l) => /conns\.env:4: web: .*Port out of range/.test(l)));
    assert.ok(lines.some((l) => /conns\.env:5: sp ace: the conn_id may contain only/.test(l)));
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
  });

  it("reads a JSON variables file from stdin with --type and --kind", async () => {
    const r = await runAfsync(
      ["validate", "-", "--type", "json", "--kind", "variable"],
      `{\n  "a": "1",\n  "b": {"x": [1]},\n  "c": null\n}`,
    );
    assert.equal(r.code, 1);
    assert.match(r.stdout, /<stdin>:4: c: The value is null/);
    assert.match(r.stdout, /2 variables read, 1 problem/);
  });

  it("points at a JSON syntax error without quoting the file", async () => {
    const path = file("broken.json", `{\n  "a": "mysql://u:${SECRET}@h",\n  "b": oops\n}`);
    const r = await runAfsync(["validate", path]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /broken\.json:3: /);
    assert.ok(!r.stdout.includes(SECRET));
  });

  it("checks a single value given as the argument", async () => {
    assert.equal((await runAfsync(["validate", "postgres://u:p@h/d"])).code, 0);
    const bad = await runAfsync(["validate", `{"conn_type": "x", "port": "${SECRET}"}`]);
    assert.equal(bad.code, 1);
    assert.ok(!bad.stdout.includes(SECRET));
  });

  it("refuses an unsupported extension with Airflow's message, and a missing file", async () => {
    const txt = await runAfsync(["validate", file("x.txt", "a=b")]);
    assert.equal(txt.code, 1);
    assert.match(txt.stderr, /must have one of the following extensions: \.env \.json \.yaml \.yml/);
    assert.equal((await runAfsync(["validate", join(dir, "missing.json")])).code, 1);
  });

  it("masks the password of a .env line that lost its KEY= (the split key holds the URI)", async () => {
    const r = await runAfsync(["validate", file("lost.env", `mysql://u:${SECRET}@h/?a=b\n`)]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /mysql:\/\/u:\*\*\*@h/);
    assert.ok(!r.stdout.includes(SECRET));
  });

  it("reads a variables file given without --kind as variables, and says what it assumed and why", async () => {
    const vars = `environment: development\nretries: 3\nconfig:\n  region: eu\napi_secret: ${SECRET}\n`;
    for (const [name, because] of [
      ["variables.yaml", /note: reading .*variables\.yaml as variables \(the file name says so\)/],
      ["settings.yaml", /note: reading .*settings\.yaml as variables \(no value looks like a connection, and some could not be one\)/],
    ] as const) {
      const r = await runAfsync(["validate", file(name, vars)]);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stderr, because);
      assert.match(r.stdout, /4 variables read, 0 problems/);
      assert.doesNotMatch(r.stdout, /illegal keys/);
      assert.ok(!r.stdout.includes(SECRET));
    }
    const conns = await runAfsync(["validate", file("my_conns.json", '{"a": "http://h"}')]);
    assert.match(conns.stderr, /reading .*my_conns\.json as connections \(the file name says so\)/);
    const forced = await runAfsync(["validate", file("variables2.yaml", vars), "--kind", "connection"]);
    assert.equal(forced.code, 1, "--kind still wins");
    assert.doesNotMatch(forced.stderr, /note: reading/);
  });

  it("points a problem at the line of the field that is wrong, not the key", async () => {
    const r = await runAfsync([
      "validate",
      file("fields.yaml", `db:\n  conn_type: postgres\n  password: ${SECRET}\n  port: nope\napi:\n  conn_type: http\n  extra: "{bad"\n`),
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /fields\.yaml:4: db: .*port/);
    assert.match(r.stdout, /fields\.yaml:7: api: .*extra/);
    assert.ok(!r.stdout.includes(SECRET));
  });

  it("refuses a file that is not UTF-8, naming it and the byte offset, as Airflow refuses it", async () => {
    const path = join(dir, "latin1.yaml");
    writeFileSync(path, Buffer.concat([Buffer.from(`a: http://u:${SECRET}@h\nb: caf`), Buffer.from([0xe9]), Buffer.from("\n")]));
    const r = await runAfsync(["validate", path]);
    assert.equal(r.code, 1);
    const offset = Buffer.byteLength(`a: http://u:${SECRET}@h\nb: caf`);
    assert.match(r.stderr, new RegExp(`latin1\\.yaml: not valid UTF-8: .*byte offset ${offset} `));
    assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET));
  });

  it("refuses stdin that is not UTF-8 the same way, for a file and for one value", async () => {
    const bytes = Buffer.concat([Buffer.from(`a: http://u:${SECRET}@h\nb: caf`), Buffer.from([0xe9])]);
    for (const args of [["validate", "-", "--type", "yaml"], ["validate"]]) {
      const r = await runAfsync(args, bytes);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, /stdin: not valid UTF-8: .*byte offset \d+ /);
      assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET));
    }
  });

  it("reports a pasted secret (a bare string as a connection) as invalid without showing any of it", async () => {
    const r = await runAfsync(["validate", file("pasted.yaml", `db: ${SECRET}\nblank: ""\nspaces: "   "\n`)]);
    assert.match(r.stderr, /reading .*pasted\.yaml as connections \(the default; pass --kind variable/);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /pasted\.yaml:1: db: Invalid connection URI/);
    assert.match(r.stdout, /pasted\.yaml:2: blank: .*empty/);
    assert.match(r.stdout, /pasted\.yaml:3: spaces: .*empty/);
    assert.ok(!r.stdout.includes(SECRET.slice(1)) && !r.stderr.includes(SECRET.slice(1)));
  });

  it("exits 2 on usage errors", async () => {
    assert.equal((await runAfsync(["validate", "--kind", "secret", "x.json"])).code, 2);
    assert.equal((await runAfsync(["validate", "a", "b"])).code, 2);
  });
});
