import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { RunSummary } from "../../src/agent/review.ts";
import type { RunEvent } from "../../src/core/events.ts";
import { cli } from "./cli-helpers.ts";
import { bashTurn, mock, mockConfigToml, mockEnv, tempDir } from "./helpers.ts";

/**
 * Every way a run stops leaves three records that agree: the transcript's last event is the `final` with the end
 * state and exit code, summary.json repeats both, and the process exits with that code.
 */
const tmp = tempDir("sy-end-states-");
after(() => tmp.cleanup());

async function runCase(name: string, script: Record<string, unknown>, extra: string[] = []) {
  const server = await mock(script);
  try {
    const ws = join(tmp.dir, name);
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, "a.txt"), "one\n");
    const config = `${ws}.toml`;
    writeFileSync(config, mockConfigToml(server.url));
    const r = await cli(
      [
        "run",
        "edit a.txt",
        "--workspace",
        ws,
        "--config",
        config,
        "--model",
        "local/coder",
        "--sandbox",
        "host",
      ].concat(["--json", ...extra]),
      mockEnv(server.url),
    );
    const runId = r.events[0]?.runId ?? "";
    const dir = join(ws, ".switchyard", "runs", runId);
    const events = readFileSync(join(dir, "transcript.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RunEvent);
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as RunSummary;
    return { r, events, summary, runId, ws, summaryFile: join(dir, "summary.json") };
  } finally {
    await server.close();
  }
}

function assertAgree(c: Awaited<ReturnType<typeof runCase>>, endState: string, exitCode: number): void {
  const last = c.events.at(-1);
  assert.ok(last?.type === "final", `the transcript ends in a final, not ${last?.type}`);
  assert.equal(c.events.filter((e) => e.type === "final").length, 1, "one final");
  assert.deepEqual([last.endState, last.exitCode], [endState, exitCode], last.message);
  assert.deepEqual([c.summary.endState, c.summary.exitCode], [endState, exitCode]);
  assert.equal(c.summary.message, last.message);
  assert.equal(c.r.code, exitCode, c.r.stderr);
  assert.match(c.r.stderr, new RegExp(`${endState} after \\d+ step\\(s\\) \\(exit ${exitCode}\\)`));
}

describe("end states: transcript, summary and exit code agree", () => {
  it("a budget stop (--max-tokens): budget_exhausted, exit 4", async () => {
    const turns = [bashTurn("echo two > a.txt"), bashTurn("echo three > a.txt"), { text: "done" }];
    const c = await runCase("budget", { turns }, ["--max-tokens", "250"]);
    assertAgree(c, "budget_exhausted", 4);
    assert.match(c.summary.message, /250/, "the message names the limit");
  });

  it("a model refusal: refused, exit 10, the message naming the provider's reason", async () => {
    const c = await runCase("refused", {
      turns: [bashTurn("echo two > a.txt"), { text: "I won't.", stop: "refusal" }],
    });
    assertAgree(c, "refused", 10);
    assert.match(
      c.summary.message,
      /^the model refused: local\/coder ended its turn with the message's refusal field: I won't\.$/,
    );
    assert.equal(c.summary.status, "pending", "what it changed before refusing stays for review");
  });

  it("a loop-guard stop: loop_guard, exit 6", async () => {
    const c = await runCase("guard", { turns: [], after_last: bashTurn("cat a.txt") });
    assertAgree(c, "loop_guard", 6);
    assert.equal(c.summary.status, "unchanged");
    // Nothing to land: apply says so and does not mark the run applied.
    const apply = await cli(["apply", c.runId, "--workspace", c.ws], { PATH: process.env.PATH });
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stderr, /changed nothing; nothing was applied/);
    assert.doesNotMatch(apply.stderr, /applied 0 change/);
    assert.equal((JSON.parse(readFileSync(c.summaryFile, "utf8")) as RunSummary).status, "unchanged");
  });

  it("a provider error mid-run (a 401 on the second call): provider_error, exit 3", async () => {
    const turns = [bashTurn("echo two > a.txt"), { text: "never", fault: { status: 401, times: -1 } }];
    const c = await runCase("provider", { turns });
    assertAgree(c, "provider_error", 3);
    assert.equal(c.summary.status, "pending");
    assert.equal(c.summary.steps, 2);
  });

  it("a step limit: step_limit, exit 5", async () => {
    const c = await runCase("steps", { turns: [], after_last: bashTurn("date +%N") }, ["--max-steps", "2"]);
    assertAgree(c, "step_limit", 5);
  });
});
