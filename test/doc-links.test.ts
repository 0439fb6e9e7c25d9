import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

/**
 * The link check `npm run lint` runs (scripts/check-doc-links.mjs), driven as lint drives it: a
 * node process over a directory, judged by its exit status and its file:line messages.
 */
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const checker = join(repoRoot, "scripts/check-doc-links.mjs");

function runChecker(root: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [checker, root], (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stderr });
    });
  });
}

const temps: string[] = [];
after(async () => {
  await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
});

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "afsync-doc-links-"));
  temps.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const GOOD = {
  "README.md": [
    "# Project",
    "",
    "See [the guide](docs/guide.md), [its setup](docs/guide.md#set-up-afsyncyaml), [this](#project),",
    "[a folder](docs/) and [the same heading twice](docs/guide.md#notes-1).",
    "",
    "```sh",
    "# a shell comment is not a heading, and [this](nowhere.md) in code is not a link",
    "```",
    "Inline code `[not a link](nowhere.md)` is text.",
  ].join("\n"),
  "docs/guide.md": [
    "# Guide",
    "",
    "## Set up `afsync.yaml`",
    "",
    "## Notes",
    "",
    "## Notes",
    "",
    "Back to [the front door](../README.md#project) and [an anchor](#custom).",
    '<a id="custom"></a>',
    "",
    "[ref]: ../README.md",
  ].join("\n"),
  "node_modules/dep/README.md": "[not ours](missing.md)",
};

describe("check-doc-links", () => {
  it("passes when every relative link and anchor resolves (GitHub heading ids, duplicates, <a id>)", async () => {
    const run = await runChecker(await tree(GOOD));
    assert.equal(run.stderr, "");
    assert.equal(run.code, 0);
  });

  it("fails on a link to a file that does not exist, naming the file and line", async () => {
    const root = await tree({ ...GOOD, "docs/guide.md": `${GOOD["docs/guide.md"]}\n\nSee [sources](sources/local.md).\n` });
    const run = await runChecker(root);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^docs\/guide\.md:14: link 'sources\/local\.md': docs\/sources\/local\.md does not exist$/m);
  });

  it("fails on an anchor that names no heading, in another file or in the same one", async () => {
    const root = await tree({
      ...GOOD,
      "README.md": `${GOOD["README.md"]}\n[old name](docs/guide.md#setup)\n[here](#quick-start)\n`,
    });
    const run = await runChecker(root);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^README\.md:10: link 'docs\/guide\.md#setup': no heading or anchor '#setup' in docs\/guide\.md$/m);
    assert.match(run.stderr, /^README\.md:11: link '#quick-start': no heading or anchor '#quick-start' in this file$/m);
    assert.match(run.stderr, /2 broken links/);
  });

  it("fails on a broken reference-style definition", async () => {
    const root = await tree({ ...GOOD, "docs/guide.md": GOOD["docs/guide.md"].replace("[ref]: ../README.md", "[ref]: ../READ.md") });
    const run = await runChecker(root);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^docs\/guide\.md:12: link '\.\.\/READ\.md': READ\.md does not exist$/m);
  });

  it("passes over this repository's own docs", async () => {
    const run = await runChecker(repoRoot);
    assert.equal(run.stderr, "");
    assert.equal(run.code, 0);
  });
});
