import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { RunSummary } from "../../src/agent/review.ts";
import type { RunEvent } from "../../src/core/events.ts";
import { cli, cliUntil } from "./cli-helpers.ts";
import { bashTurn, mock, mockConfigToml, mockEnv, tempDir } from "./helpers.ts";

/**
 * A signal at any point of `run` or `resume` leaves the transcript, summary.json and the exit code agreeing:
 * SIGTERM stops the loop like Ctrl-C (end state `aborted`, exit 143 = 128 + 15), a signal during the review lets
 * the review finish (the run ends as its loop did), and `resume` stops on Ctrl-C as `run` does (exit 130).
 */
const tmp = tempDir("sy-signals-");
after(() => tmp.cleanup());

function setup(name: string, url: string) {
  const ws = join(tmp.dir, name);
  mkdirSync(ws, { recursive: true });
  const config = `${ws}.toml`;
  writeFileSync(config, mockConfigToml(url));
  return { ws, config, args: ["--workspace", ws, "--config", config, "--json"] };
}

function lastFinal(ws: string, runId: string): Extract<RunEvent, { type: "final" }> {
  const events = readFileSync(join(ws, ".switchyard", "runs", runId, "transcript.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunEvent);
  const last = events.at(-1);
  assert.ok(last?.type === "final", `the transcript ends in a final, not ${last?.type}`);
  return last;
}

function summary(ws: string, runId: string): RunSummary {
  return JSON.parse(readFileSync(join(ws, ".switchyard", "runs", runId, "summary.json"), "utf8")) as RunSummary;
}

function closed(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("close", resolve));
}

describe("signals during run and resume", () => {
  it("SIGTERM during the loop: aborted, exit 143 in the transcript, the summary and the process", async () => {
    const server = await mock({ turns: [bashTurn("echo 1 > one.txt"), { text: "late", latency_ms: 8000 }] });
    try {
      const { ws, args } = setup("term-loop", server.url);
      const live = await cliUntil(
        ["run", "write one.txt", ...args, "--model", "local/coder", "--sandbox", "host"],
        mockEnv(server.url),
        (e) => e.type === "model_request" && e.step === 2,
      );
      let stderr = "";
      live.child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const code = closed(live.child);
      live.child.kill("SIGTERM");
      assert.equal(await code, 143);
      assert.match(stderr, /stopping \(SIGTERM\): the run's changes are reviewed and kept first/);
      const runId = live.events[0]?.runId ?? "";
      const final = lastFinal(ws, runId);
      assert.equal(final.endState, "aborted");
      assert.equal(final.exitCode, 143);
      assert.match(final.message, /SIGTERM/);
      const s = summary(ws, runId);
      assert.deepEqual([s.endState, s.exitCode, s.status], ["aborted", 143, "pending"]);
    } finally {
      await server.close();
    }
  });

  it("SIGTERM during the review: the review is finished and the run ends as its loop did", async () => {
    const server = await mock({
      turns: [bashTurn("head -c 64000000 /dev/urandom > big.bin && echo ok"), { text: "done" }],
    });
    try {
      const { ws, args } = setup("term-review", server.url);
      const live = await cliUntil(
        ["run", "write big.bin", ...args, "--model", "local/coder", "--sandbox", "host"],
        mockEnv(server.url),
        (e) => e.type === "final",
      );
      const code = closed(live.child);
      live.child.kill("SIGTERM");
      assert.equal(await code, 0);
      const runId = live.events[0]?.runId ?? "";
      const final = lastFinal(ws, runId);
      assert.deepEqual([final.endState, final.exitCode], ["done", 0]);
      const s = summary(ws, runId);
      assert.deepEqual([s.endState, s.exitCode, s.status], ["done", 0, "pending"]);
      const apply = await cli(["apply", runId, "--workspace", ws], mockEnv(server.url));
      assert.equal(apply.code, 0, apply.stderr);
    } finally {
      await server.close();
    }
  });

  it("Ctrl-C during a resume: aborted, exit 130, and the summary says so", async () => {
    const server = await mock({
      turns: [bashTurn("echo 1 > one.txt"), { text: "late", latency_ms: 8000 }, { text: "late", latency_ms: 8000 }],
    });
    try {
      const { ws, args } = setup("int-resume", server.url);
      const first = await cliUntil(
        ["run", "write one.txt", ...args, "--model", "local/coder", "--sandbox", "host"],
        mockEnv(server.url),
        (e) => e.type === "model_request" && e.step === 2,
      );
      const killed = closed(first.child);
      first.child.kill("SIGKILL");
      await killed;
      const runId = first.events[0]?.runId ?? "";
      const again = await cliUntil(["resume", runId, ...args], mockEnv(server.url), (e) => e.type === "model_request");
      const code = closed(again.child);
      again.child.kill("SIGINT");
      assert.equal(await code, 130);
      const final = lastFinal(ws, runId);
      assert.deepEqual([final.endState, final.exitCode], ["aborted", 130]);
      const s = summary(ws, runId);
      assert.deepEqual([s.endState, s.exitCode], ["aborted", 130]);
    } finally {
      await server.close();
    }
  });

  it("apply and discard refuse a run that is still running (exit 2), and its copy stays", async () => {
    // The run sits in a long command (aborted by the Ctrl-C at the end) while apply and discard are tried.
    const server = await mock({ turns: [bashTurn("echo 1 > one.txt && sleep 60"), { text: "done" }] });
    try {
      const { ws, args } = setup("live", server.url);
      const live = await cliUntil(
        ["run", "write one.txt", ...args, "--model", "local/coder", "--sandbox", "host"],
        mockEnv(server.url),
        (e) => e.type === "tool_call",
      );
      const code = closed(live.child);
      try {
        const runId = live.events[0]?.runId ?? "";
        for (const action of ["discard", "apply"]) {
          const r = await cli([action, runId, "--workspace", ws], mockEnv(server.url));
          assert.equal(r.code, 2, r.stderr);
          assert.match(r.stderr, new RegExp(`run ${runId} is still running \\(pid \\d+\\); nothing was done`));
        }
        live.child.kill("SIGINT");
        assert.equal(await code, 130);
        const s = summary(ws, runId);
        assert.equal(s.status, "pending", "not discarded under the live run");
        assert.deepEqual(
          s.changes.map((c) => c.path),
          ["one.txt"],
        );
      } finally {
        live.child.kill("SIGKILL");
      }
    } finally {
      await server.close();
    }
  });
});
