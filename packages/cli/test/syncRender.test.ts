import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import type { RunReport } from "@afsync/core/engine/RunReport";
import { ProgressBar } from "../src/report/ProgressBar.ts";
import { renderRunReport } from "../src/report/renderRunReport.ts";

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => chunks.join("") };
}

const report: RunReport = {
  mode: "sync",
  deployments: [
    {
      id: "dev",
      target: "env-file /p/.env",
      status: "failed",
      error: "1 of 2 writes failed",
      writes: 1,
      changes: [
        { key: "conn:db", action: "update", source: "team", diff: [{ field: "password", before: "***", after: "***" }] },
        { key: "var:a", action: "create", source: "team", error: "disk full" },
        { key: "var:b", action: "unchanged", source: "team" },
        {
          key: "var:c",
          action: "shadowed",
          source: "team",
          write: "update",
          reason: "backend holds it",
          shadowedSources: [{ source: "other", same: false }],
        },
      ],
    },
  ],
  summary: {
    create: 1,
    update: 1,
    delete: 0,
    unchanged: 1,
    conflict: 0,
    orphaned: 0,
    invalid: 0,
    shadowed: 1,
    deployments: 1,
    failed: 1,
    writes: 1,
    reads: 1,
  },
};

describe("sync rendering", () => {
  it("lists changed keys with diffs, reasons and failures, and counts unchanged ones", () => {
    const text = renderRunReport(report);
    assert.match(text, /Deployment dev → env-file \/p\/\.env {2}FAILED/);
    assert.match(text, /~ update +conn:db +from team\n {6}password: \*\*\* → \*\*\*/);
    assert.match(text, /FAILED: disk full/);
    assert.match(text, /\^ shadowed \(update\) var:c/);
    assert.match(text, /also in other \(different value, shadowed\)/);
    assert.match(text, /\(1 unchanged\)/);
    assert.doesNotMatch(text, /var:b/);
    assert.match(text, /Sync: 1 create, 1 update, .*; 1 of 1 Deployments failed; 1 target write\./);
    assert.match(renderRunReport(report, { verbose: true }), /= unchanged +var:b/);
  });

  it("draws a progress bar only on a terminal and only when there is much to do", () => {
    const tty = sink(true);
    const bar = new ProgressBar(tty.stream, { enabled: true });
    bar.update(5, 10);
    assert.equal(tty.text(), "", "10 writes are too few for a bar");
    bar.update(20, 40);
    bar.finish();
    assert.match(tty.text(), /\[#{15}\.{15}\] 20\/40 changes written/);
    assert.ok(tty.text().endsWith("\x1b[1G\x1b[2K"), "the bar's line is cleared when the run ends");

    const redirected = sink(true);
    const hidden = new ProgressBar(redirected.stream, { enabled: true, alsoTerminal: sink(false).stream });
    hidden.update(20, 40);
    hidden.finish();
    assert.equal(redirected.text(), "", "stdout redirected to a file: no bar on the terminal either");

    const pipe = sink(false);
    const quiet = new ProgressBar(pipe.stream, { enabled: true });
    quiet.update(20, 40);
    quiet.finish();
    assert.equal(pipe.text(), "");
  });
});
