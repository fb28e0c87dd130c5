import assert from "node:assert/strict";
import { test } from "node:test";
import { computeStats, summarize } from "../../src/bench/stats.ts";
import { passAtK, tInterval, wilsonInterval } from "../../src/bench/stats-math.ts";
import { trial } from "./stats-fixture.ts";

/** Figures worked out by hand (z = 1.959964; t(0.975, 2) = 4.303), written next to each assertion. */

const close = (actual: number | null | undefined, expected: number, eps = 1e-4) => {
  assert.ok(typeof actual === "number" && Math.abs(actual - expected) < eps, `${actual} ≉ ${expected}`);
};

const run = (task: string, attempt: number, passed: boolean, over: Parameters<typeof trial>[0] = {}) =>
  trial({
    task_name: task,
    trial_name: `${task}__m__${attempt}`,
    attempt,
    reward: passed ? 1 : 0,
    passed,
    ...over,
  });

test("Wilson at the edges: n = 1 and 0/n, n/n", () => {
  // 1/1: centre (1 + z²/2)/(1 + z²) = 2.9208/4.8415 = 0.6033, half z·√(z²/4)/(1 + z²) = 0.3968.
  const one = wilsonInterval(1, 1);
  close(one?.low, 0.2065);
  assert.equal(one?.high, 1);
  const none = wilsonInterval(0, 1);
  assert.equal(none?.low, 0);
  close(none?.high, 0.7935);
  // 0/10: high = z²/n / (1 + z²/n) = 0.38415/1.38415.
  close(wilsonInterval(0, 10)?.high, 0.2775);
  close(wilsonInterval(10, 10)?.low, 0.7225);
});

test("pass@k by hand: 1 − C(n−c, k)/C(n, k)", () => {
  // n = 4, c = 1, k = 2: 1 − C(3,2)/C(4,2) = 1 − 3/6.
  close(passAtK(4, 1, 2), 0.5);
  // n = 5, c = 0: never passes; n = c: always.
  assert.equal(passAtK(5, 0, 3), 0);
  assert.equal(passAtK(5, 5, 5), 1);
  // n = 1, k = 1 is the pass rate itself.
  assert.equal(passAtK(1, 1, 1), 1);
  assert.equal(passAtK(1, 0, 1), 0);
});

test("pass@k is averaged per task and reported only for k every task reached", () => {
  // Task a: 3 attempts, 1 passed. Task b: 1 attempt (the others never finished), failed.
  // pass@1 = mean(1/3, 0) = 1/6. pass@2 over task a alone would read 2/3 although task b never passed: not reported.
  const s = summarize("m", [run("a", 1, true), run("a", 2, false), run("a", 3, false), run("b", 1, false)]);
  close(s.pass_at_k["1"], 1 / 6);
  assert.deepEqual(Object.keys(s.pass_at_k), ["1"]);
  // Same counts for both tasks: every k up to 3, each the mean of the per-task estimates.
  const even = summarize("m", [
    run("a", 1, true),
    run("a", 2, false),
    run("a", 3, false),
    run("b", 1, true),
    run("b", 2, true),
    run("b", 3, false),
  ]);
  close(even.pass_at_k["1"], (1 / 3 + 2 / 3) / 2);
  close(even.pass_at_k["2"], (2 / 3 + 1) / 2);
  close(even.pass_at_k["3"], 1);
});

test("a trial that did not really run is left out of the pass rate, the CI and the mean; an agent timeout counts", () => {
  const crashed = run("b", 1, false, {
    reward: null,
    verifier_result: null,
    exception_info: {
      exception_type: "AgentError",
      exception_message: "x",
      exception_traceback: "",
      occurred_at: "2026-01-01T00:00:00Z",
    },
  });
  const s = summarize("m", [run("a", 1, true), run("a", 2, true), crashed]);
  assert.equal(s.n_passed, 2);
  assert.equal(s.n_scored, 2);
  assert.equal(s.n_unscored, 1);
  close(s.pass_rate, 1);
  close(s.mean_reward, 1);
  assert.equal(s.reward_ci?.method, "wilson");
  close(s.reward_ci?.low, wilsonInterval(2, 2)?.low ?? Number.NaN);
  assert.equal(s.exceptions.count, 1);
  // A timed-out agent did run: the verifier's 0 stands and weighs in.
  const timedOut = run("b", 1, false, {
    reward: 0,
    exception_info: {
      exception_type: "AgentTimeoutError",
      exception_message: "t",
      exception_traceback: "",
      occurred_at: "2026-01-01T00:00:00Z",
    },
  });
  const t = summarize("m", [run("a", 1, true), run("a", 2, true), timedOut]);
  assert.equal(t.n_scored, 3);
  close(t.pass_rate, 2 / 3);
  close(t.reward_ci?.low, wilsonInterval(2, 3)?.low ?? Number.NaN);
  // Partial credit switches to the t interval over the scored trials only.
  const partial = summarize("m", [run("a", 1, true), run("a", 2, false, { reward: 0.5 }), timedOut, crashed]);
  assert.equal(partial.reward_ci?.method, "t");
  // values 1, 0.5, 0: mean 0.5, s = 0.5, half = 4.303 · 0.5/√3 = 1.242 → clipped to [0, 1].
  assert.deepEqual(tInterval([1, 0.5, 0]), { low: 0, high: 1 });
  close(partial.mean_reward, 0.5);
});

test("cost per trial and per solved task by hand; one unpriced trial makes the group's cost unknown", () => {
  const s = summarize("m", [
    run("a", 1, true, { agentResult: { cost_usd: 0.1 } }),
    run("a", 2, false, { agentResult: { cost_usd: 0.3 } }),
    run("b", 1, true, { agentResult: { cost_usd: 0.2 } }),
  ]);
  close(s.cost.total_usd, 0.6);
  close(s.cost.per_trial_usd, 0.2);
  close(s.cost.per_solved_usd, 0.3);
  const unknown = summarize("m", [
    run("a", 1, true, { agentResult: { cost_usd: 0.1 } }),
    run("a", 2, true, { agentResult: { cost_usd: null } }),
  ]);
  assert.equal(unknown.cost.known, false);
  assert.equal(unknown.cost.total_usd, null);
  assert.equal(unknown.cost.per_solved_usd, null);
  assert.equal(unknown.cost.n_unknown, 1);
});

test("per-category groups split the trials and recompute every figure within the category", () => {
  const stats = computeStats([
    run("a", 1, true, { category: "web", agentResult: { cost_usd: 0.4 } }),
    run("a", 2, false, { category: "web", agentResult: { cost_usd: 0.2 } }),
    run("b", 1, false, { category: "git", agentResult: { cost_usd: 0.1 } }),
    run("c", 1, true, { category: null, agentResult: { cost_usd: 0.1 } }),
  ]);
  assert.deepEqual(stats.category_names, ["git", "uncategorized", "web"]);
  const web = stats.categories.find((c) => c.category === "web");
  assert.equal(web?.n_trials, 2);
  close(web?.pass_rate, 0.5);
  close(web?.cost.per_solved_usd, 0.6);
  const git = stats.categories.find((c) => c.category === "git");
  assert.equal(git?.cost.per_solved_usd, null);
  close(stats.groups[0]?.cost.total_usd, 0.8);
  close(stats.groups[0]?.pass_rate, 0.5);
});
