import { type Interval, mean, median, passAtK, tInterval, wilsonInterval } from "./stats-math.ts";
import { isModelAgent, isScored, type TrialResult } from "./trial-result.ts";

/**
 * Bench statistics per agent/model and per task category, computed from per-trial result.json files.
 *
 * Conventions (stated once here and in the report):
 * - Only scored trials count in pass rates, mean rewards, intervals and pass@k (the verdict rule,
 *   src/core/verdict.ts): a trial that did not really run (set-up failure, provider or agent error, verifier
 *   crash or missing reward, interrupt) is unscored, counted in `n_unscored` and under `exceptions`, never a 0.
 *   An agent timeout is scored: the verifier's reward stands. Harbor's JobStats in result.json keep Harbor's own
 *   convention (src/bench/harbor-job-stats.ts).
 * - Rewards all in {0, 1} → the interval is Wilson's score interval on the pass rate. Otherwise (partial
 *   credit) → a Student t interval on the mean reward, clipped to [0, 1]; null with fewer than 2 trials.
 * - pass@k uses the unbiased estimator over each task's attempts, averaged over the tasks; reported for
 *   k = 1..(the fewest attempts any task has), so every pass@k covers every task of the group.
 * - Tool calls, failed calls and argument errors are given per trial and "per task": each task's mean over its
 *   trials, averaged over tasks, so a task with more attempts does not weigh more.
 * - Cost counts every trial, scored or not (the money was spent); cost per solved task is that spend over the
 *   passed trials. Oracle and nop spend nothing ($0). For the model agent a trial whose `cost_usd` is null (unpriced
 *   model) makes every cost figure of its group unknown (`known: false`, figures null) rather than
 *   understated. `per_solved_usd` is null when nothing was solved.
 */

export type IntervalMethod = "wilson" | "t";

export interface CostStats {
  known: boolean;
  /** Trials whose cost is unknown. */
  n_unknown: number;
  total_usd: number | null;
  per_trial_usd: number | null;
  per_solved_usd: number | null;
}

export interface TokenStats {
  input: number;
  cache: number;
  output: number;
  input_per_trial: number | null;
  cache_per_trial: number | null;
  output_per_trial: number | null;
}

export interface GroupStats {
  /**
   * "provider/model" for Switchyard's agent, "<harness>:provider/model" for an installed agent (codex, claude-code,
   * …), otherwise the agent name ("oracle", "nop"). Harness × model is the unit of comparison.
   */
  label: string;
  agent: string;
  /** The agent harness: switchyard, oracle, nop, or an installed agent's name. */
  harness: string;
  model: string | null;
  n_trials: number;
  n_tasks: number;
  n_passed: number;
  pass_rate: number | null;
  mean_reward: number | null;
  reward_ci: (Interval & { method: IntervalMethod }) | null;
  /** k (as a string key) → mean pass@k over all tasks; only k up to the fewest attempts of any task. */
  pass_at_k: Record<string, number>;
  cost: CostStats;
  tokens: TokenStats;
  time: {
    total_sec: number;
    mean_trial_sec: number | null;
    median_trial_sec: number | null;
    mean_agent_sec: number | null;
  };
  latency: { mean_ttft_ms: number | null; median_ttft_ms: number | null; mean_output_tokens_per_second: number | null };
  tools: {
    calls_per_trial: number | null;
    failed_per_trial: number | null;
    argument_errors_per_trial: number | null;
    /** Means per task: each task's mean over its trials, averaged over tasks (tasks weigh equally). */
    calls_per_task: number | null;
    failed_per_task: number | null;
    argument_errors_per_task: number | null;
    /** Mean tokens the MCP tool definitions add to every request of a trial; null when no trial recorded it. */
    definition_tokens_per_trial: number | null;
    /** Mean screenshots per trial (computer tasks); null when no trial recorded it. */
    screenshots_per_trial: number | null;
    total_calls: number;
    total_failed: number;
    total_argument_errors: number;
  };
  exceptions: { count: number; by_type: Record<string, number> };
  /** Trials that count in the rates (src/core/verdict.ts). */
  n_scored: number;
  /** Trials that did not really run (no reward, or an infrastructure/agent error): left out of every rate. */
  n_unscored: number;
  n_reduced_fidelity: number;
}

export interface CategoryStats extends GroupStats {
  category: string;
}

export interface BenchStats {
  n_trials: number;
  groups: GroupStats[];
  /** One entry per (group, category) that has trials. */
  categories: CategoryStats[];
  category_names: string[];
}

/** The group a trial belongs to: harness × model (the model alone for Switchyard's agent), else the agent name. */
export function groupLabel(t: Pick<TrialResult, "agent" | "model">): string {
  if (!t.model) return t.agent;
  return t.agent === "switchyard" || !isModelAgent(t.agent) ? t.model : `${t.agent}:${t.model}`;
}

export const UNCATEGORIZED = "uncategorized";

function spanSec(span: { started_at: string; finished_at: string } | null | undefined): number | null {
  if (!span) return null;
  const ms = Date.parse(span.finished_at) - Date.parse(span.started_at);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : null;
}

function nonNull(values: ReadonlyArray<number | null | undefined>): number[] {
  return values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}

function perTrial(total: number, n: number): number | null {
  return n > 0 ? total / n : null;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function costOf(t: TrialResult): number | null {
  if (!isModelAgent(t.agent)) return 0;
  if (!t.agent_result) return 0;
  return t.agent_result.cost_usd;
}

/** Statistics for one set of trials (a group, or a group restricted to a category). */
export function summarize(label: string, trials: readonly TrialResult[]): GroupStats {
  const n = trials.length;
  const scored = trials.filter(isScored);
  const rewards = scored.map((t) => t.reward ?? 0);
  const nPassed = scored.filter((t) => t.passed).length;
  const binary = rewards.every((r) => r === 0 || r === 1);
  const ci = binary ? wilsonInterval(nPassed, scored.length) : tInterval(rewards);

  const byTask = new Map<string, { n: number; c: number }>();
  for (const t of scored) {
    const e = byTask.get(t.task_name) ?? { n: 0, c: 0 };
    e.n++;
    if (t.passed) e.c++;
    byTask.set(t.task_name, e);
  }
  // pass@k only for k that every task reached: a mean over the tasks with ≥ k attempts would drop the tasks with
  // fewer (often the failing ones) and overstate pass@k.
  const minAttempts = byTask.size === 0 ? 0 : Math.min(...[...byTask.values()].map((e) => e.n));
  const passK: Record<string, number> = {};
  for (let k = 1; k <= minAttempts; k++) {
    const m = mean(nonNull([...byTask.values()].map((e) => passAtK(e.n, e.c, k))));
    if (m !== null) passK[String(k)] = m;
  }

  const costs = trials.map(costOf);
  const nUnknown = costs.filter((c) => c === null).length;
  const known = nUnknown === 0;
  const totalCost = known ? sum(nonNull(costs)) : null;

  const ar = trials.map((t) => t.agent_result).filter((a) => a !== null && a !== undefined);
  const tokens = {
    input: sum(ar.map((a) => a.n_input_tokens ?? 0)),
    cache: sum(ar.map((a) => a.n_cache_tokens ?? 0)),
    output: sum(ar.map((a) => a.n_output_tokens ?? 0)),
  };
  const durations = nonNull(trials.map((t) => spanSec(t)));
  const ttfts = nonNull(ar.map((a) => a.ttft_ms));
  const exceptions: Record<string, number> = {};
  for (const t of trials) {
    if (t.exception_info) {
      const k = t.exception_info.exception_type || "Exception";
      exceptions[k] = (exceptions[k] ?? 0) + 1;
    }
  }
  const toolCalls = sum(ar.map((a) => a.n_tool_calls ?? 0));
  const failed = sum(ar.map((a) => a.n_failed_tool_calls ?? 0));
  const argErrors = sum(ar.map((a) => a.n_argument_errors ?? 0));
  const perTask = (field: "n_tool_calls" | "n_failed_tool_calls" | "n_argument_errors") =>
    mean(
      nonNull(
        [...groupBy(trials, (t) => t.task_name).values()].map((list) =>
          mean(nonNull(list.map((t) => t.agent_result?.[field]))),
        ),
      ),
    );
  const first = trials[0];

  return {
    label,
    agent: first?.agent ?? label,
    harness: first?.agent ?? label,
    model: first?.model ?? null,
    n_trials: n,
    n_tasks: new Set(trials.map((t) => t.task_name)).size,
    n_passed: nPassed,
    pass_rate: scored.length > 0 ? nPassed / scored.length : null,
    mean_reward: mean(rewards),
    reward_ci: ci ? { ...ci, method: binary ? "wilson" : "t" } : null,
    pass_at_k: passK,
    cost: {
      known,
      n_unknown: nUnknown,
      total_usd: totalCost,
      per_trial_usd: totalCost === null ? null : perTrial(totalCost, n),
      per_solved_usd: totalCost === null || nPassed === 0 ? null : totalCost / nPassed,
    },
    tokens: {
      ...tokens,
      input_per_trial: perTrial(tokens.input, ar.length),
      cache_per_trial: perTrial(tokens.cache, ar.length),
      output_per_trial: perTrial(tokens.output, ar.length),
    },
    time: {
      total_sec: sum(durations),
      mean_trial_sec: mean(durations),
      median_trial_sec: median(durations),
      mean_agent_sec: mean(nonNull(trials.map((t) => spanSec(t.agent_execution)))),
    },
    latency: {
      mean_ttft_ms: mean(ttfts),
      median_ttft_ms: median(ttfts),
      mean_output_tokens_per_second: mean(nonNull(ar.map((a) => a.output_tokens_per_second))),
    },
    tools: {
      calls_per_trial: perTrial(toolCalls, ar.length),
      failed_per_trial: perTrial(failed, ar.length),
      argument_errors_per_trial: perTrial(argErrors, ar.length),
      calls_per_task: perTask("n_tool_calls"),
      failed_per_task: perTask("n_failed_tool_calls"),
      argument_errors_per_task: perTask("n_argument_errors"),
      definition_tokens_per_trial: mean(nonNull(ar.map((a) => a.tool_definition_tokens))),
      screenshots_per_trial: mean(nonNull(ar.map((a) => a.n_screenshots))),
      total_calls: toolCalls,
      total_failed: failed,
      total_argument_errors: argErrors,
    },
    exceptions: { count: sum(Object.values(exceptions)), by_type: exceptions },
    n_scored: scored.length,
    n_unscored: n - scored.length,
    n_reduced_fidelity: trials.filter((t) => t.fidelity?.reduced).length,
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Statistics for a whole job: groups in order of first appearance, categories sorted by name. */
export function computeStats(trials: readonly TrialResult[]): BenchStats {
  const groups = groupBy(trials, groupLabel);
  const categoryNames = [...new Set(trials.map((t) => t.category ?? UNCATEGORIZED))].sort();
  const categories: CategoryStats[] = [];
  for (const [label, list] of groups) {
    const byCat = groupBy(list, (t) => t.category ?? UNCATEGORIZED);
    for (const category of categoryNames) {
      const sub = byCat.get(category);
      if (sub) categories.push({ ...summarize(label, sub), category });
    }
  }
  return {
    n_trials: trials.length,
    groups: [...groups].map(([label, list]) => summarize(label, list)),
    categories,
    category_names: categoryNames,
  };
}
