import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { RunSummary } from "../../src/agent/review.ts";
import { cli } from "../agent/cli-helpers.ts";
import { assertSameTree, bash, projectSnapshot, runScript, tempRoot, treeSnapshot, writeTree } from "./land-helpers.ts";

/**
 * `switchyard apply` and `discard` through the CLI, on runs that cannot (or can no longer) be applied: each exits 2
 * with what is wrong and a `fix:` line, never "internal error" and never a stack trace, and writes nothing into
 * the workspace.
 */
const tmp = tempRoot("sy-faults-apply-cli-");
after(() => tmp.cleanup());
let n = 0;
const ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SWITCHYARD_NO_USER_CONFIG: "1" };
const summaryOf = (file: string) => JSON.parse(readFileSync(file, "utf8")) as RunSummary;

async function changedRun(files: Record<string, string>, command: string) {
  const ws = writeTree(join(tmp.dir, `ws${++n}`), files);
  const { outcome } = await runScript({ ws, script: { turns: [bash(command), { text: "ok" }] } });
  assert.equal(outcome.final.endState, "done");
  return { ws, outcome };
}

function assertRefused(r: { code: number | null; stderr: string }, says: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, says);
  assert.match(r.stderr, /\n {2}fix: /);
  assert.doesNotMatch(r.stderr, /internal error/i);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, "no stack trace");
}

describe("fault suite: apply and discard refusals through the CLI", () => {
  it("apply: a file the run changed also changed in the workspace → exit 2 naming it, nothing lands, run pending", async () => {
    const { ws, outcome } = await changedRun({ "a.txt": "one\n", "b.txt": "bee\n" }, "echo two > a.txt && rm b.txt");
    writeFileSync(join(ws, "a.txt"), "edited by the user meanwhile\n");
    const before = treeSnapshot(ws);
    const r = await cli(["apply", outcome.runId, "--workspace", ws], ENV);
    assertRefused(r, /changed in the workspace since the run started: a\.txt/);
    assertSameTree(ws, before, "neither a.txt nor the deletion of b.txt landed");
    assert.equal(summaryOf(outcome.paths.summary).status, "pending");
  });

  it("apply: a run applied once is refused the second time (exit 2) and the workspace keeps the first result", async () => {
    const { ws, outcome } = await changedRun({ "a.txt": "one\n" }, "echo two > a.txt");
    const first = await cli(["apply", outcome.runId, "--workspace", ws], ENV);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /M a\.txt/);
    writeFileSync(join(ws, "a.txt"), "the user went on editing\n");
    const before = treeSnapshot(ws);
    assertRefused(await cli(["apply", outcome.runId, "--workspace", ws], ENV), /was already applied/);
    assertSameTree(ws, before, "the second apply wrote nothing");
    assert.equal(summaryOf(outcome.paths.summary).status, "applied");
  });

  it("discard then apply: discard leaves the workspace alone and drops the copy; apply is then refused (exit 2)", async () => {
    const { ws, outcome } = await changedRun({ "a.txt": "one\n" }, "echo two > a.txt && echo new > c.txt");
    const before = projectSnapshot(ws);
    const d = await cli(["discard", outcome.runId, "--workspace", ws], ENV);
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(projectSnapshot(ws), before, "discard changes nothing in the project");
    assert.equal(existsSync(outcome.paths.copy), false, "the run's copy is gone");
    assert.ok(existsSync(outcome.paths.transcript), "the transcript stays (cost accounting)");
    assert.equal(summaryOf(outcome.paths.summary).status, "discarded");
    assertRefused(
      await cli(["apply", outcome.runId, "--workspace", ws], ENV),
      /was discarded; there is nothing to apply/,
    );
    assert.deepEqual(projectSnapshot(ws), before);
  });

  it("apply/discard/resume: a run id with a path in it is refused (exit 2) and no folder it points at is touched", async () => {
    const { ws, outcome } = await changedRun({ "a.txt": "one\n" }, "echo two > a.txt");
    // A decoy that looks like a run two levels up, where "../.." would lead from .switchyard/runs/.
    const decoy = join(ws, ".switchyard", "runs", "..", "..");
    mkdirSync(join(decoy, "work"), { recursive: true });
    writeFileSync(join(decoy, "run.json"), JSON.stringify({ runId: "decoy", workspace: ws }));
    writeFileSync(join(decoy, "work", "keep.txt"), "keep\n");
    const before = treeSnapshot(ws);
    for (const cmd of ["discard", "apply", "resume"]) {
      for (const id of ["../..", "x/../..", ".."]) {
        const r = await cli([cmd, id, "--workspace", ws], ENV);
        assertRefused(r, /is not a run id/);
      }
    }
    assertSameTree(ws, before, "nothing was removed or written");
    assert.equal(summaryOf(outcome.paths.summary).status, "pending");
  });
});
