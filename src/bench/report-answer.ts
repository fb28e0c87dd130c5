import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildHeadline, type Headline, type HeadlineTrial } from "./headline.ts";
import {
  type CategoryCell,
  categoryChart,
  type ScatterPoint,
  scatterChart,
  type TokenRow,
  tokenChart,
} from "./report-charts.ts";
import { type BenchStats, groupLabel } from "./stats.ts";
import { isModelAgent, isScored, type TrialResult } from "./trial-result.ts";

/**
 * The parts of a report that answer the question: the headline, the task × agent matrix, the charts and the
 * links from each trial to its files. Pure functions over the trials and statistics, except `trialFiles` and
 * `reasoningTokens`, which read the job folder (writeReports calls them and passes the results in).
 */
export function headlineOf(trials: readonly TrialResult[]): Headline {
  return buildHeadline(trials.map(toHeadlineTrial));
}

export function toHeadlineTrial(t: TrialResult): HeadlineTrial {
  return {
    group: groupLabel(t),
    task: t.task_name,
    passed: t.passed,
    scored: isScored(t),
    costUsd: isModelAgent(t.agent) ? (t.agent_result?.cost_usd ?? null) : null,
  };
}

export interface MatrixCell {
  passed: number;
  scored: number;
  errors: number;
}

/** Rows by task name, columns by the groups' rank (best first). */
export function taskMatrix(trials: readonly TrialResult[], groups: readonly string[]) {
  const tasks = [...new Set(trials.map((t) => t.task_name))].sort();
  return {
    tasks,
    groups,
    cell(task: string, group: string): MatrixCell | undefined {
      const ts = trials.filter((t) => t.task_name === task && groupLabel(t) === group);
      if (!ts.length) return undefined;
      const scored = ts.filter(isScored);
      return {
        passed: scored.filter((t) => t.passed).length,
        scored: scored.length,
        errors: ts.length - scored.length,
      };
    },
  };
}

export function cellText(c: MatrixCell | undefined): string {
  if (!c) return "–";
  return `${c.passed}/${c.scored}${c.errors ? ` (+${c.errors} error${c.errors === 1 ? "" : "s"})` : ""}`;
}

/** Trial folder files the report links to, by trial name (only those that exist). */
export const TRIAL_FILES = [
  { label: "transcript", rel: "transcript.jsonl" },
  { label: "verifier", rel: "verifier/test-stdout.txt" },
  { label: "diff", rel: "agent/diff.patch" },
  // MCP-Atlas-style trials: the verdict per claim (src/bench/mcp-atlas/score-trial.ts).
  { label: "claims", rel: "verifier/claims.json" },
] as const;

export function trialFiles(jobDir: string, trials: readonly TrialResult[]): Record<string, string[]> {
  return Object.fromEntries(
    trials.map((t) => [
      t.trial_name,
      TRIAL_FILES.filter((f) => existsSync(join(jobDir, t.trial_name, f.rel))).map((f) => f.rel),
    ]),
  );
}

/** Reasoning tokens per group, summed from the trials' transcripts (result.json does not carry them). */
export function reasoningTokens(jobDir: string, trials: readonly TrialResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of trials) {
    const file = join(jobDir, t.trial_name, "transcript.jsonl");
    if (!existsSync(file)) continue;
    let n = 0;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.includes('"model_response"')) continue;
      try {
        const e = JSON.parse(line) as { type?: string; usage?: { reasoning?: number } };
        if (e.type === "model_response") n += e.usage?.reasoning ?? 0;
      } catch {
        // a torn line
      }
    }
    const g = groupLabel(t);
    out[g] = (out[g] ?? 0) + n;
  }
  return out;
}

export function chartsHtml(stats: BenchStats, order: readonly string[], reasoning: Record<string, number>): string {
  const groups = order.map((label) => stats.groups.find((g) => g.label === label)).filter((g) => g !== undefined);
  const points: ScatterPoint[] = groups.map((g) => ({
    label: g.label,
    cost: g.cost.known ? g.cost.per_solved_usd : null,
    passRate: g.pass_rate ?? 0,
    ci: g.reward_ci,
  }));
  const cells: CategoryCell[] = stats.categories.map((c) => ({
    category: c.category,
    group: c.label,
    passed: c.n_passed,
    trials: c.n_scored,
  }));
  const tokens: TokenRow[] = groups
    .filter((g) => g.tokens.input + g.tokens.output > 0)
    .map((g) => ({
      label: g.label,
      // n_input_tokens counts every prompt token, cache reads included.
      input: Math.max(0, g.tokens.input - g.tokens.cache),
      cached: g.tokens.cache,
      output: g.tokens.output,
      reasoning: Math.min(g.tokens.output, reasoning[g.label] ?? 0),
    }));
  return [
    `<figure id="scatter"><figcaption>Pass rate vs cost per solved task (95% interval; dashed: Pareto front)</figcaption>${scatterChart(points)}</figure>`,
    `<figure id="categories"><figcaption>Pass rate by category</figcaption>${categoryChart(stats.category_names, order, cells)}</figure>`,
    tokens.length
      ? `<figure id="tokens"><figcaption>Tokens by kind (reasoning is part of output; from the transcripts)</figcaption>${tokenChart(tokens)}</figure>`
      : "",
  ].join("\n");
}
