import assert from "node:assert/strict";
import { test } from "node:test";
import { harnessModelRows } from "../../src/bench/report-harness.ts";
import { renderHtml, renderMarkdown } from "../../src/bench/report-render.ts";
import { computeStats } from "../../src/bench/stats.ts";
import type { TrialResult } from "../../src/bench/trial-result.ts";
import { trial } from "./stats-fixture.ts";

const setupError = {
  exception_type: "AgentSetupError",
  exception_message: "codex exited 1",
  exception_traceback: "",
  occurred_at: "2026-01-01T00:00:05.000Z",
};

/** Switchyard's agent and Codex on the same model, Claude Code on another, and the oracle. */
function trials(): TrialResult[] {
  const sy = (task: string, attempt: number, passed: boolean, cost: number) =>
    trial({
      task_name: task,
      trial_name: `${task}__sy__${attempt}`,
      attempt,
      model: "openai/gpt-5.5",
      reward: passed ? 1 : 0,
      passed,
      verifier_result: { rewards: { reward: passed ? 1 : 0 } },
      agentResult: { cost_usd: cost, ttft_ms: 400 },
    });
  return [
    sy("t1", 1, true, 0.02),
    sy("t1", 2, false, 0.04),
    sy("t2", 1, true, 0.03),
    trial({
      agent: "codex",
      model: "openai/gpt-5.5",
      trial_name: "t1__codex__1",
      agent_info: { name: "codex", version: "0.169.0", model_info: { name: "gpt-5.5", provider: "openai" } },
      agentResult: { cost_usd: 0.05, cost_source: "reported", n_reasoning_tokens: 40, startup_ms: 300, ttft_ms: null },
    }),
    // A CLI that failed: unscored, never a 0 in the pass rate; its (zero) spend still counts per task.
    trial({
      agent: "codex",
      model: "openai/gpt-5.5",
      task_name: "t2",
      trial_name: "t2__codex__1",
      agent_info: { name: "codex", version: "0.169.0", model_info: null },
      reward: null,
      passed: false,
      verifier_result: null,
      exception_info: setupError,
      agentResult: { cost_usd: 0, cost_source: "reported", n_reasoning_tokens: 0, startup_ms: 500, ttft_ms: null },
    }),
    trial({
      agent: "claude-code",
      model: "anthropic/claude-opus-4-7",
      trial_name: "t1__cc__1",
      reward: 0,
      passed: false,
      verifier_result: { rewards: { reward: 0 } },
      agentResult: { cost_usd: 0.1, cost_source: "computed", startup_ms: 900 },
    }),
    trial({ agent: "oracle", trial_name: "t1__oracle__1" }),
  ];
}

test("harness × model rows: one per harness:model, scored trials only in the rates, cost per task and source", () => {
  const ts = trials();
  const rows = harnessModelRows(computeStats(ts), ts);
  assert.deepEqual(
    rows.map((r) => r.label),
    ["switchyard:openai/gpt-5.5", "codex:openai/gpt-5.5", "claude-code:anthropic/claude-opus-4-7", "oracle"],
  );
  const [sy, codex, cc, oracle] = rows;
  assert.ok(sy && codex && cc && oracle);
  // Switchyard's own agent: 2 of 3 passed; t1's two trials average $0.03, t2 $0.03 → $0.03 per task; $0.09 / 2 solved.
  assert.equal(sy.group, "openai/gpt-5.5");
  assert.deepEqual([sy.n_passed, sy.n_scored, sy.n_trials], [2, 3, 3]);
  assert.ok(Math.abs((sy.cost_per_task_usd ?? 0) - 0.03) < 1e-12);
  assert.ok(Math.abs((sy.cost_per_solved_usd ?? 0) - 0.045) < 1e-12);
  assert.equal(sy.cost_source, "computed");
  assert.equal(sy.median_ttft_ms, 400);
  assert.equal(sy.median_startup_ms, null);
  // Codex: the failed trial is unscored (1/1 scored passed, not 1/2), its version from agent_info, reasoning per trial.
  assert.equal(codex.group, "codex:openai/gpt-5.5");
  assert.deepEqual([codex.n_passed, codex.n_scored, codex.n_trials], [1, 1, 2]);
  assert.equal(codex.pass_rate, 1);
  assert.equal(codex.version, "0.169.0");
  assert.ok(Math.abs((codex.cost_per_task_usd ?? 0) - 0.025) < 1e-12);
  assert.equal(codex.cost_source, "reported");
  assert.equal(codex.tokens_per_trial.reasoning, 20);
  assert.equal(codex.median_startup_ms, 400);
  assert.equal(codex.median_ttft_ms, null);
  assert.equal(cc.cost_source, "computed");
  assert.equal(cc.cost_per_solved_usd, null);
  assert.equal(cc.pass_rate, 0);
  assert.equal(oracle.cost_source, null);
  assert.equal(oracle.cost_per_task_usd, 0);
});

test("the report has a harness × model section in Markdown and HTML", () => {
  const ts = trials();
  const input = { job: { id: "j" }, trials: ts, stats: computeStats(ts) };
  const md = renderMarkdown(input);
  const section = md.slice(md.indexOf("## Harness × model"), md.indexOf("## Task × agent"));
  assert.match(section, /\| harness:model \| version \|/);
  assert.match(section, /\| codex:openai\/gpt-5\.5 \| 0\.169\.0 \| 1 \/ 1 \(2\) \| 100\.0% \[/);
  assert.match(section, /\| switchyard:openai\/gpt-5\.5 \| 1\.0\.0 \| 2 \/ 3 \(3\) \| 66\.7% \[/);
  assert.match(section, /\| claude-code:anthropic\/claude-opus-4-7 \|.*\| computed \|/);
  const html = renderHtml(input);
  assert.match(html, /<h2>Harness × model<\/h2>/);
  assert.match(html, /<table class="harness">[\s\S]*<td>codex:openai\/gpt-5\.5<\/td>/);
});
