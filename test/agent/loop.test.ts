import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkToolResults } from "../../src/agent/history.ts";
import type { LoopDeps } from "../../src/agent/loop.ts";
import { runLoop } from "../../src/agent/loop.ts";
import { ConfigSchema } from "../../src/core/config.ts";
import type { RunEventBody } from "../../src/core/events.ts";
import { createModelClient } from "../../src/providers/client.ts";
import { createHostSandbox } from "../../src/sandbox/host.ts";
import { bashTurn, client, collect, hostWorkdir, mock, mockEnv, recordingTool, tempDir } from "./helpers.ts";

const REF = "anthropic/claude-opus-4-7";

describe("runLoop against the mock server", () => {
  const tmp = hostWorkdir();

  async function run(
    script: Record<string, unknown>,
    opts: Partial<LoopDeps> & { log: string; price?: { input: number; output: number }; contextWindow?: number },
  ) {
    const server = await mock(script);
    const { events, emit } = collect();
    try {
      const final = await runLoop({
        client: client(REF, server.url, opts.price, opts.contextWindow),
        tools: [recordingTool(join(tmp.dir, opts.log))],
        toolContext: tmp.ctx,
        system: "test system",
        task: "do the thing",
        limits: { maxSteps: 20 },
        emit,
        ...opts,
      });
      return {
        final,
        events,
        requests: server.requests.length,
        bodies: server.requests.map((q) => JSON.stringify(q.body)),
        ran: lines(join(tmp.dir, opts.log)),
      };
    } finally {
      await server.close();
    }
  }

  it("runs tools, feeds results back and ends done on a turn without tool calls", async () => {
    const r = await run({ turns: [bashTurn("ls"), bashTurn("cat a.txt"), { text: "all good" }] }, { log: "done.log" });
    assert.equal(r.final.endState, "done");
    assert.equal(r.final.exitCode, 0);
    assert.equal(r.final.message, "all good");
    assert.equal(r.final.steps, 3);
    assert.deepEqual(r.ran, ["ls", "cat a.txt"]);
    assert.equal(r.requests, 3);
    const calls = r.events.filter((e) => e.type === "tool_call").length;
    const results = r.events.filter((e) => e.type === "tool_result").length;
    assert.equal(calls, 2);
    assert.equal(results, 2);
    assert.ok(r.final.usage.input > 0, "usage is accumulated");
    assert.equal(r.final.cost.priced, true);
  });

  it("warns after 3 identical calls and stops at the 5th without running it (exit 6)", async () => {
    const r = await run({ turns: [], after_last: bashTurn("make") }, { log: "guard.log" });
    assert.equal(r.final.endState, "loop_guard");
    assert.equal(r.final.exitCode, 6);
    assert.equal(r.ran.length, 4, "the 5th identical call is not executed");
    const notes = r.events.filter((e) => e.type === "warning" && e.code === "note.loop_guard");
    assert.equal(notes.length, 1);
    assertEveryCallAnswered(r.events);
  });

  it("stops a model that keeps claiming to be done while an end checkpoint fails (exit 6)", async () => {
    const r = await run(
      { turns: [], after_last: { text: "done." } },
      {
        log: "finish.log",
        checkpoints: async (phase) =>
          phase === "end" ? [{ name: "tests", command: "npm test", passed: false, output: "1 failed" }] : [],
      },
    );
    assert.equal(r.final.endState, "loop_guard");
    assert.equal(r.final.exitCode, 6);
    assert.equal(r.requests, 5, "the fifth attempt to finish ends the run");
    const notes = r.events.filter((e) => e.type === "warning" && e.code === "note.loop_guard");
    assert.equal(notes.length, 1);
    assert.equal(r.events.filter((e) => e.type === "checkpoint" && !e.passed).length, 5);
  });

  it("stops at the step limit (exit 5)", async () => {
    const turns = Array.from({ length: 10 }, (_, i) => bashTurn(`echo ${i}`));
    const r = await run({ turns }, { log: "steps.log", limits: { maxSteps: 3 } });
    assert.equal(r.final.endState, "step_limit");
    assert.equal(r.final.exitCode, 5);
    assert.equal(r.requests, 3);
    assert.equal(r.ran.length, 3);
  });

  it("stops before a call that would certainly exceed the budget (exit 4)", async () => {
    // $100 per 1M input tokens; each turn reports 10,000 input tokens = $1.00. Budget $2.50: after two calls
    // ($2.00 + output) the next prompt is at least 10,000 tokens ($1.00) → stop before the third request.
    const usage = { input: 10_000, output: 10 };
    const turns = Array.from({ length: 5 }, (_, i) => bashTurn(`echo ${i}`, { usage }));
    const r = await run(
      { turns },
      { log: "budget.log", limits: { maxSteps: 20, budgetUsd: 2.5 }, price: { input: 100, output: 100 } },
    );
    assert.equal(r.final.endState, "budget_exhausted");
    assert.equal(r.final.exitCode, 4);
    assert.equal(r.requests, 2, "no request is sent that would exceed the budget");
    assert.ok(r.final.cost.total <= 2.5);
  });

  it("stops before the next request would pass --max-tokens (exit 4)", async () => {
    const usage = { input: 1000, output: 10 };
    const turns = Array.from({ length: 5 }, (_, i) => bashTurn(`echo ${i}`, { usage }));
    const r = await run({ turns }, { log: "tokens.log", limits: { maxSteps: 20, maxTokens: 2500 } });
    assert.equal(r.final.endState, "budget_exhausted");
    assert.equal(r.requests, 2, "1,010 + 1,010 used; the third prompt (≥ 1,010) would pass 2,500");
  });

  it("warns the model once at 80% of the budget", async () => {
    // Output-heavy first turn: $1.00 of a $1.20 budget (83%); the next prompt (~10,100 tokens at $1/M) fits.
    const turns = [bashTurn("echo 1", { usage: { input: 100, output: 10_000 } }), { text: "done" }];
    const r = await run(
      { turns },
      { log: "warn.log", limits: { maxSteps: 20, budgetUsd: 1.2 }, price: { input: 1, output: 100 } },
    );
    assert.equal(r.final.endState, "done");
    assert.equal(r.events.filter((e) => e.type === "warning" && e.code === "note.budget").length, 1);
  });

  it("ends denied (exit 8) when a command needs approval in a headless run, without running it", async () => {
    const r = await run(
      { turns: [bashTurn("rm -rf build"), { text: "never reached" }] },
      { log: "denied.log", approvals: { policy: { mode: "on-request" } } },
    );
    assert.equal(r.final.endState, "denied");
    assert.equal(r.final.exitCode, 8);
    assert.deepEqual(r.ran, []);
    const approval = r.events.find((e) => e.type === "approval");
    assert.equal(approval?.type === "approval" && approval.decision, "denied");
  });

  it("asks the user (TTY) in untrusted mode; a refusal goes back to the model", async () => {
    const asked: string[] = [];
    const ask = async (req: { summary: string }) => {
      asked.push(req.summary);
      return req.summary !== "rm notes.txt";
    };
    const r = await run(
      { turns: [bashTurn("rm notes.txt"), bashTurn("ls"), { text: "ok" }] },
      { log: "ask.log", approvals: { policy: { mode: "untrusted", allow: ["git status*"] }, ask } },
    );
    assert.equal(r.final.endState, "done");
    assert.deepEqual(asked, ["rm notes.txt", "ls"]);
    assert.deepEqual(r.ran, ["ls"]);
    const decisions = r.events.flatMap((e) => (e.type === "approval" ? [`${e.decision}/${e.by}`] : []));
    assert.deepEqual(decisions, ["denied/user", "allowed/user"]);
  });

  it("returns a deny-listed command to the model as denied and keeps going", async () => {
    const r = await run(
      { turns: [bashTurn("git push origin main"), bashTurn("git status"), { text: "ok" }] },
      { log: "deny.log", approvals: { policy: { mode: "never", deny: ["git push*"] } } },
    );
    assert.equal(r.final.endState, "done");
    assert.deepEqual(r.ran, ["git status"]);
    const first = r.events.find((e) => e.type === "tool_result");
    assert.ok(first?.type === "tool_result" && first.result.isError);
    assert.match(JSON.stringify(first), /denied by policy/);
  });

  it("ends timeout (exit 7), aborting a model call in flight", async () => {
    const r = await run(
      // Generous: the first turn must finish before the deadline even on a loaded machine; the second never can.
      { turns: [bashTurn("ls"), { text: "late", latency_ms: 60_000 }] },
      { log: "timeout.log", limits: { maxSteps: 20, timeoutMs: 8000 } },
    );
    assert.equal(r.final.endState, "timeout");
    assert.equal(r.final.exitCode, 7);
    assert.deepEqual(r.ran, ["ls"]);
  });

  it("re-runs a turn whose stream was cut, then ends provider_error (exit 3) on a 401", async () => {
    const cut = await run(
      { turns: [{ ...bashTurn("ls"), fault: { cut_after_events: 2, times: 1 } }, { text: "fine" }] },
      { log: "cut.log" },
    );
    assert.equal(cut.final.endState, "done");
    assert.deepEqual(cut.ran, ["ls"], "the cut turn's tool call ran once, from the re-run");
    assert.ok(cut.events.some((e) => e.type === "retry"));

    const auth = await run({ turns: [{ text: "x", fault: { status: 401, times: -1 } }] }, { log: "auth.log" });
    assert.equal(auth.final.endState, "provider_error");
    assert.equal(auth.final.exitCode, 3);
  });
});

describe("compaction", () => {
  it("summarises older turns when the prompt nears the context window, keeping the task and recent turns", async () => {
    const tmp = tempDir();
    const sandbox = await createHostSandbox({ workdir: tmp.dir, runDir: join(tmp.dir, ".run") });
    // Window 2,000 tokens; every response reports a 1,900-token prompt, so each step is over 80%. Sequential turn
    // selection: the summary request takes the next scripted turn.
    const usage = { input: 1900, output: 10 };
    const server = await mock({
      turn_selection: "sequential",
      turns: [
        bashTurn("echo 1", { usage }),
        bashTurn("echo 2", { usage }),
        bashTurn("echo 3", { usage }),
        bashTurn("echo 4", { usage }),
        { text: "SUMMARY: ran echo 1 to 4" },
        { text: "done" },
      ],
    });
    const { events, emit } = collect();
    try {
      const final = await runLoop({
        client: client(REF, server.url, undefined, 2000),
        tools: [recordingTool(join(tmp.dir, "c.log"))],
        toolContext: { sandbox, signal: new AbortController().signal, runDir: tmp.dir },
        system: "s",
        task: "THE TASK",
        limits: { maxSteps: 10 },
        emit,
      });
      assert.equal(final.endState, "done");
      const c = events.find((e) => e.type === "compaction");
      assert.ok(c?.type === "compaction" && c.method === "summary" && c.droppedMessages === 2, JSON.stringify(c));
      const last = JSON.stringify(server.requests.at(-1)?.body);
      assert.match(last, /THE TASK/);
      assert.match(last, /SUMMARY: ran echo 1 to 4/);
      assert.doesNotMatch(last, /echo 1"/, "the oldest turn was dropped");
      assert.match(last, /echo 4/, "recent turns are kept");
    } finally {
      await server.close();
      await sandbox.dispose();
      tmp.cleanup();
    }
  });
});

describe("native compaction", () => {
  it("uses client.compact (OpenAI /responses/compact) and continues from the compacted history", async () => {
    const tmp = tempDir();
    const sandbox = await createHostSandbox({ workdir: tmp.dir, runDir: join(tmp.dir, ".run") });
    const usage = { input: 1900, output: 10 };
    const server = await mock({
      turn_selection: "sequential",
      turns: [bashTurn("echo 1", { usage }), bashTurn("echo 2", { usage }), { text: "done" }],
    });
    const { events, emit } = collect();
    try {
      const config = ConfigSchema.parse({ models: { openai: [{ id: "gpt-5.5", context_window: 2000 }] } });
      const final = await runLoop({
        client: createModelClient("openai/gpt-5.5", { env: mockEnv(server.url), config, maxRetries: 0 }),
        tools: [recordingTool(join(tmp.dir, "n.log"))],
        toolContext: { sandbox, signal: new AbortController().signal, runDir: tmp.dir },
        system: "s",
        task: "THE TASK",
        limits: { maxSteps: 10 },
        emit,
      });
      assert.equal(final.endState, "done");
      const compactions = events.filter((e) => e.type === "compaction" && e.method === "native");
      assert.ok(compactions.length >= 1);
      assert.ok(server.requests.some((q) => q.path.includes("/responses/compact")));
      assert.equal(lines(join(tmp.dir, "n.log")).length, 2);
    } finally {
      await server.close();
      await sandbox.dispose();
      tmp.cleanup();
    }
  });
});

function lines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

function assertEveryCallAnswered(events: RunEventBody[]): void {
  const calls = events.flatMap((e) => (e.type === "tool_call" ? [e.call.id] : []));
  const results = events.flatMap((e) => (e.type === "tool_result" ? [e.result.callId] : []));
  assert.deepEqual([...results].sort(), [...calls].sort());
  assert.deepEqual(checkToolResults([]), []);
}
