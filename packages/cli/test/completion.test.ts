import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runAfsyncBinary } from "@afsync/testing/runAfsyncBinary";

let dir: string;
let bashScript: string;
let zshScript: string;

/** What bash's completion offers for a command line: sources the script, runs the `complete -F` function, prints COMPREPLY. */
function complete(words: readonly string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const out = execFileSync(
    "bash",
    [
      "--norc",
      "-c",
      `source "$1"; complete -p afsync >/dev/null || exit 9; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; cd "$2"; _afsync; printf '%s\\n' "\${COMPREPLY[@]}"`,
      "_",
      join(dir, "afsync.bash"),
      dir,
    ],
    { encoding: "utf8" },
  );
  return out.split("\n").filter((l) => l !== "");
}

describe("afsync completion", () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "afsync-completion-"));
    const bash = await runAfsyncBinary(["completion", "bash"]);
    assert.equal(bash.code, 0, bash.stderr);
    bashScript = bash.stdout;
    writeFileSync(join(dir, "afsync.bash"), bashScript);
    writeFileSync(join(dir, "afsync.yaml"), "sources: {}\n");
    const zsh = await runAfsyncBinary(["completion", "zsh"]);
    assert.equal(zsh.code, 0, zsh.stderr);
    zshScript = zsh.stdout;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("bash: completes command names from the command table", () => {
    assert.deepEqual(complete(["afsync", "ro"]), ["rollback"]);
    assert.deepEqual(complete(["afsync", "h"]), ["history"]);
    assert.ok(complete(["afsync", ""]).includes("completion"));
  });

  it("bash: completes subcommands, then each command's documented options", () => {
    assert.deepEqual(complete(["afsync", "conn", ""]).sort(), ["json", "parse", "uri"]);
    assert.deepEqual(complete(["afsync", "rollback", "var:x", "--"]), [
      "--config",
      "--deployment",
      "--dry-run",
      "--help",
      "--json",
      "--release",
      "--to",
      "--wait-lock",
    ]);
    assert.deepEqual(complete(["afsync", "history", "--j"]), ["--json"]);
    assert.deepEqual(complete(["afsync", "completion", ""]).sort(), ["bash", "zsh"]);
  });

  it("bash: completes file names after --config", () => {
    assert.deepEqual(complete(["afsync", "sync", "--config", "afs"]).sort(), ["afsync.bash", "afsync.yaml"]);
  });

  it("zsh: a #compdef function with every command, its summary, and the same options", () => {
    assert.match(zshScript, /^#compdef afsync\n/);
    assert.match(zshScript, /'rollback:re-apply an older version of a key/);
    assert.match(zshScript, /rollback\)\n.*\n\s+compadd -- --config --deployment --dry-run --help --json --release --to --wait-lock/);
    assert.match(zshScript, /compdef _afsync afsync/);
  });

  it("refuses an unknown shell", async () => {
    const run = await runAfsyncBinary(["completion", "fish"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /name the shell: bash or zsh/);
  });
});
