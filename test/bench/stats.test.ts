import assert from "node:assert/strict";
import { test } from "node:test";
import { computeStats, summarize } from "../../src/bench/stats.ts";
import { median, passAtK, t975, tInterval, wilsonInterval } from "../../src/bench/stats-math.ts";
import { trial } from "./stats-fixture.ts";

const close = (actual: number | null | undefined, expected: number, eps = 1e-4) => {
  assert.ok(typeof actual === "number" && Math.abs(actual - expected) < eps, `${actual} ≉ ${expected}`);
};

test("Wilson interval matches hand calculation and stays in [0, 1]", () => {
  const w = wilsonInterval(7, 10);
  close(w?.low, 0.3968);
  close(w?.high, 0.8922);
  const zero = wilsonInterval(0, 5);
  assert.equal(zero?.low, 0);
  close(zero?.high, 0.4345);
  const all = wilsonInterval(5, 5);
  close(all?.low, 0.5655);
  assert.equal(all?.high, 1);
  assert.equal(wilsonInterval(0, 0), null);
});

test("t interval: mean ± t(0.975, n−1)·s/√n, clipped to [0, 1]; null below two values", () => {
  const ci = tInterval([0.5, 0.6, 0.7, 0.8]);
  close(ci?.low, 0.65 - 0.205397);
  close(ci?.high, 0.65 + 0.205397);
  assert.equal(tInterval([0.2, 0.4, 0.6])?.low, 0);
  assert.equal(tInterval([0.5]), null);
  assert.equal(t975(1), 12.706);
  close(t975(40), 2.02, 0.002);
});

test("pass@k unbiased estimator", () => {
  close(passAtK(5, 2, 2), 0.7);
  close(passAtK(3, 1, 1), 1 / 3);
  assert.equal(passAtK(3, 0, 2), 0);
  assert.equal(passAtK(3, 2, 2), 1);
  assert.equal(passAtK(1, 1, 2), null);
  close(passAtK(10, 3, 5), 1 - 21 / 252);
});

test("median of even and odd lists", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([]), null);
});

test("group summary: pass rate, Wilson CI, pass@k, cost per solved, tokens, latency, tools, exceptions", () => {
  const trials = [
    trial({ task_name: "a", attempt: 1, reward: 1, passed: true, agentResult: { cost_usd: 0.02 } }),
    trial({ task_name: "a", attempt: 2, reward: 0, passed: false, agentResult: { cost_usd: 0.04, ttft_ms: 1500 } }),
    trial({ task_name: "b", attempt: 1, reward: 0, passed: false, agentResult: { cost_usd: 0.03 } }),
    trial({
      task_name: "b",
      attempt: 2,
      reward: null,
      passed: false,
      verifier_result: null,
      exception_info: {
        exception_type: "AgentTimeoutError",
        exception_message: "x",
        exception_traceback: "",
        occurred_at: "",
      },
      agentResult: { cost_usd: 0.01, n_tool_calls: 10, n_argument_errors: 2 },
      fidelity: { reduced: true, notes: ["apt skipped"] },
    }),
  ];
  const s = summarize("openai/gpt-test", trials);
  assert.equal(s.n_trials, 4);
  assert.equal(s.n_tasks, 2);
  assert.equal(s.n_passed, 1);
  // The timed-out trial has no reward (its verifier never wrote one): unscored, out of every rate.
  assert.equal(s.n_scored, 3);
  assert.equal(s.n_unscored, 1);
  close(s.pass_rate, 1 / 3);
  close(s.mean_reward, 1 / 3);
  assert.equal(s.reward_ci?.method, "wilson");
  close(s.reward_ci?.low, wilsonInterval(1, 3)?.low ?? Number.NaN);
  // task a: n=2, c=1 → pass@1 = 0.5; task b: one scored attempt, c=0 → pass@1 = 0; k stops at 1
  assert.deepEqual(s.pass_at_k, { "1": 0.25 });
  close(s.cost.total_usd, 0.1);
  close(s.cost.per_trial_usd, 0.025);
  close(s.cost.per_solved_usd, 0.1);
  assert.equal(s.cost.known, true);
  assert.deepEqual([s.tokens.input, s.tokens.cache, s.tokens.output], [4000, 800, 400]);
  assert.equal(s.tokens.input_per_trial, 1000);
  assert.equal(s.latency.mean_ttft_ms, 750);
  assert.equal(s.latency.median_ttft_ms, 500);
  assert.equal(s.latency.mean_output_tokens_per_second, 50);
  assert.equal(s.tools.calls_per_trial, 5.5);
  assert.equal(s.tools.failed_per_trial, 1);
  assert.equal(s.tools.argument_errors_per_trial, 0.5);
  assert.deepEqual(s.exceptions, { count: 1, by_type: { AgentTimeoutError: 1 } });
  assert.equal(s.n_reduced_fidelity, 1);
  assert.equal(s.time.total_sec, 40);
  assert.equal(s.time.mean_trial_sec, 10);
  assert.equal(s.time.mean_agent_sec, 6);
});

test("cost: unknown when any trial's cost is unknown; null per solved when nothing solved; oracle costs $0", () => {
  const unknown = summarize("m", [trial({ agentResult: { cost_usd: null } }), trial({ agentResult: { cost_usd: 1 } })]);
  assert.equal(unknown.cost.known, false);
  assert.equal(unknown.cost.n_unknown, 1);
  assert.equal(unknown.cost.total_usd, null);
  assert.equal(unknown.cost.per_solved_usd, null);
  const unsolved = summarize("m", [trial({ reward: 0, passed: false })]);
  close(unsolved.cost.total_usd, 0.01);
  assert.equal(unsolved.cost.per_solved_usd, null);
  const oracle = summarize("oracle", [trial({ agent: "oracle", model: null })]);
  assert.equal(oracle.cost.total_usd, 0);
  assert.equal(oracle.cost.per_solved_usd, 0);
  assert.equal(oracle.tokens.input_per_trial, null);
});

test("partial-credit rewards use the t interval", () => {
  const s = summarize(
    "m",
    [0.5, 0.6, 0.7, 0.8].map((r, i) => trial({ task_name: `t${i}`, reward: r, passed: false })),
  );
  assert.equal(s.reward_ci?.method, "t");
  close(s.mean_reward, 0.65);
  close(s.reward_ci?.low, 0.65 - 0.205397);
});

test("computeStats groups by model (or agent) and by category", () => {
  const trials = [
    trial({ model: "openai/a", category: "git", task_name: "g1" }),
    trial({ model: "openai/a", category: "data", task_name: "d1", reward: 0, passed: false }),
    trial({ model: "anthropic/b", category: "git", task_name: "g1" }),
    trial({ agent: "oracle", model: null, category: null, task_name: "x" }),
  ];
  const s = computeStats(trials);
  assert.deepEqual(
    s.groups.map((g) => [g.label, g.n_trials, g.pass_rate]),
    [
      ["openai/a", 2, 0.5],
      ["anthropic/b", 1, 1],
      ["oracle", 1, 1],
    ],
  );
  assert.deepEqual(s.category_names, ["data", "git", "uncategorized"]);
  assert.deepEqual(
    s.categories.map((c) => [c.label, c.category, c.n_passed]),
    [
      ["openai/a", "data", 0],
      ["openai/a", "git", 1],
      ["anthropic/b", "git", 1],
      ["oracle", "uncategorized", 1],
    ],
  );
});
