import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { RunSummary } from "../../src/agent/review.ts";
import { cli } from "../agent/cli-helpers.ts";
import { assertSameTree, bash, runScript, tempRoot, treeSnapshot, writeTree } from "./land-helpers.ts";

/**
 * Apply when the workspace cannot be written: the filesystem refuses a write half-way through the swap (a
 * directory the user cannot write, or an immutable one for root). That is the user's environment, not a bug:
 * `switchyard apply` exits 2 naming the path and the fix (never "internal error"), rolls back what it had swapped,
 * keeps the run pending, and applies cleanly once the directory is writable again.
 */
const tmp = tempRoot("sy-faults-apply-io-");
after(() => tmp.cleanup());

/** Make `dir` refuse new entries for this process's user; undefined when this machine cannot (e.g. no chattr). */
function lockDir(dir: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  // Root ignores modes; an immutable directory (ext4, xfs, btrfs) refuses root too.
  if (spawnSync("chattr", ["+i", dir]).status !== 0) return undefined;
  return () => execFileSync("chattr", ["-i", dir]);
}

const ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SWITCHYARD_NO_USER_CONFIG: "1" };

describe("fault suite: apply into a workspace that refuses a write", () => {
  it("apply: a directory that cannot be written half-way through → exit 2 naming it, all rolled back, run pending", async (t) => {
    const ws = writeTree(join(tmp.dir, "ws"), { "a.txt": "one\n", "sub/b.txt": "bee\n", "z/old.txt": "old\n" });
    const { outcome } = await runScript({
      ws,
      script: { turns: [bash("echo two > a.txt && rm z/old.txt && echo new > sub/c.txt"), { text: "ok" }] },
    });
    const unlock = lockDir(join(ws, "sub"));
    if (!unlock) return t.skip("this filesystem cannot make a directory unwritable for root (no chattr +i)");
    let before: Record<string, string>;
    let r: Awaited<ReturnType<typeof cli>>;
    try {
      before = treeSnapshot(ws);
      r = await cli(["apply", outcome.runId, "--workspace", ws], ENV);
    } finally {
      unlock();
    }
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot write "sub\/c\.txt" in the workspace: \S+\/sub is not writable/);
    assert.match(r.stderr, /not writable|permission|not permitted/i);
    assert.match(r.stderr, /rolled back|nothing was changed/);
    assert.match(r.stderr, /fix: /);
    assert.doesNotMatch(r.stderr, /internal error/);
    assertSameTree(ws, before, "the workspace is byte for byte what it was");
    const summary = JSON.parse(readFileSync(outcome.paths.summary, "utf8")) as RunSummary;
    assert.equal(summary.status, "pending");
    const again = await cli(["apply", outcome.runId, "--workspace", ws], ENV);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(join(ws, "sub", "c.txt"), "utf8"), "new\n");
    assert.equal(readFileSync(join(ws, "a.txt"), "utf8"), "two\n");
  });
});
