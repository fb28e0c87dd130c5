import { num, pct, usd } from "./report-format.ts";
import type { BenchStats, GroupStats } from "./stats.ts";
import { groupLabel } from "./stats.ts";
import { isModelAgent, type TrialResult } from "./trial-result.ts";

/**
 * The report's harness × model table: one row per harness:model (switchyard:openai/gpt-5.5 beside
 * codex:openai/gpt-5.5), since the harness is half of what is compared. Pass rates and intervals are the group's
 * statistics (scored trials only, src/core/verdict.ts); cost per task averages each task's trials first, then the
 * tasks, so a task with more attempts does not weigh more; cost counts every trial, scored or not. Pure: no I/O.
 */

export interface HarnessModelRow {
  /** "harness:provider/model", or the agent's name when it has no model (oracle, nop). */
  label: string;
  /** The group's label in the other tables (stats.ts groupLabel). */
  group: string;
  harness: string;
  model: string | null;
  version: string | null;
  n_trials: number;
  n_scored: number;
  n_passed: number;
  pass_rate: number | null;
  ci: { low: number; high: number } | null;
  cost_per_task_usd: number | null;
  cost_per_solved_usd: number | null;
  /** Where the cost came from: "reported" by the CLI, "computed" from the catalog, both, or null when not known. */
  cost_source: "reported" | "computed" | "reported + computed" | null;
  tokens_per_trial: { input: number | null; cache: number | null; output: number | null; reasoning: number | null };
  median_ttft_ms: number | null;
  /** Installed agents: median ms from the CLI's start to its first model request. */
  median_startup_ms: number | null;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? null) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function finite(values: ReadonlyArray<number | null | undefined>): number[] {
  return values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}

function costPerTask(g: GroupStats, trials: readonly TrialResult[]): number | null {
  if (!g.cost.known) return null;
  const byTask = new Map<string, number[]>();
  for (const t of trials) {
    const c = isModelAgent(t.agent) ? (t.agent_result?.cost_usd ?? 0) : 0;
    byTask.set(t.task_name, [...(byTask.get(t.task_name) ?? []), c]);
  }
  const means = [...byTask.values()].map((cs) => cs.reduce((a, b) => a + b, 0) / cs.length);
  return means.length ? means.reduce((a, b) => a + b, 0) / means.length : null;
}

function costSource(trials: readonly TrialResult[]): HarnessModelRow["cost_source"] {
  if (!trials.some((t) => isModelAgent(t.agent))) return null;
  // Switchyard's own agent prices its usage with the catalog in the ledger: computed, as for a CLI that reports none.
  const kinds = new Set(
    trials.map((t) => t.agent_result?.cost_source ?? (t.agent === "switchyard" ? "computed" : null)).filter(Boolean),
  );
  if (kinds.has("reported") && kinds.has("computed")) return "reported + computed";
  if (kinds.has("reported")) return "reported";
  return kinds.has("computed") ? "computed" : null;
}

/** Rows in `order` (the groups' rank; default: the stats' order). `reasoning`: per group, from the transcripts. */
export function harnessModelRows(
  stats: BenchStats,
  trials: readonly TrialResult[],
  order?: readonly string[],
  reasoning: Record<string, number> = {},
): HarnessModelRow[] {
  const rank = (label: string) => (order?.indexOf(label) ?? -1) >>> 0;
  const groups = order ? [...stats.groups].sort((a, b) => rank(a.label) - rank(b.label)) : stats.groups;
  return groups.map((g) => {
    const ts = trials.filter((t) => groupLabel(t) === g.label);
    const ar = ts.map((t) => t.agent_result).filter((a) => a !== null && a !== undefined);
    const perTrial = (v: number) => (ar.length ? v / ar.length : null);
    const reported = finite(ar.map((a) => a.n_reasoning_tokens));
    const reasoningTotal = reported.length ? reported.reduce((a, b) => a + b, 0) : (reasoning[g.label] ?? null);
    const first = ts[0];
    return {
      label: g.model ? `${g.harness}:${g.model}` : g.harness,
      group: g.label,
      harness: g.harness,
      model: g.model,
      version: first?.agent_info?.version ?? null,
      n_trials: g.n_trials,
      n_scored: g.n_scored,
      n_passed: g.n_passed,
      pass_rate: g.pass_rate,
      ci: g.reward_ci ? { low: g.reward_ci.low, high: g.reward_ci.high } : null,
      cost_per_task_usd: costPerTask(g, ts),
      cost_per_solved_usd: g.cost.known ? g.cost.per_solved_usd : null,
      cost_source: costSource(ts),
      tokens_per_trial: {
        input: g.tokens.input_per_trial,
        cache: g.tokens.cache_per_trial,
        output: g.tokens.output_per_trial,
        reasoning: reasoningTotal === null ? null : perTrial(reasoningTotal),
      },
      median_ttft_ms: g.latency.median_ttft_ms,
      median_startup_ms: median(finite(ar.map((a) => a.startup_ms))),
    };
  });
}

/** The harness × model table as the report renders it (Markdown and HTML). */
export function harnessTable(
  stats: BenchStats,
  trials: readonly TrialResult[],
  order?: readonly string[],
  reasoning: Record<string, number> = {},
): { head: string[]; rows: string[][] } {
  const rows = harnessModelRows(stats, trials, order, reasoning);
  const perTrial = (v: number | null) => num(v, 0);
  return {
    head: [
      "harness:model",
      "version",
      "passed / scored (of trials)",
      "pass rate [95% CI]",
      "cost / task",
      "cost / solved task",
      "cost source",
      "tokens / trial in / cached / out / reasoning",
      "TTFT ms (median)",
      "start-up ms (median)",
    ],
    rows: rows.map((r) => [
      r.label,
      r.version ?? "–",
      `${r.n_passed} / ${r.n_scored} (${r.n_trials})`,
      `${pct(r.pass_rate)}${r.ci ? ` [${pct(r.ci.low)}–${pct(r.ci.high)}]` : ""}`,
      usd(r.cost_per_task_usd),
      usd(r.cost_per_solved_usd),
      r.cost_source ?? "–",
      [r.tokens_per_trial.input, r.tokens_per_trial.cache, r.tokens_per_trial.output, r.tokens_per_trial.reasoning]
        .map(perTrial)
        .join(" / "),
      num(r.median_ttft_ms, 0),
      num(r.median_startup_ms, 0),
    ]),
  };
}

export const HARNESS_NOTE =
  "One row per harness × model. Pass rate and its 95% interval count scored trials only; cost counts every trial. " +
  "Cost per task averages each task's trials, then the tasks. Cost source: reported by the CLI, or computed from " +
  "the catalog's prices where it reports none. TTFT where the harness's stream shows it; start-up is the " +
  "installed CLI's time to its first model request.";
