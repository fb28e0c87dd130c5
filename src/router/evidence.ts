import { isScoredOutcome } from "../core/verdict.ts";
import type { TrialRow } from "../ledger/results-store.ts";
import { categoryToClass, type TaskClass } from "./classify.ts";

export interface Interval {
  point: number;
  low: number;
  high: number;
}

/** Wilson score interval for a binomial proportion (z = 1.96 → 95%). n = 0 gives [0, 1]. */
export function wilsonInterval(successes: number, n: number, z = 1.96): Interval {
  if (n <= 0) return { point: 0, low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { point: p, low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/**
 * Mean cost per trial is floored here so a free (local) model ranks high but finite: any free model with a lower
 * bound above 0 outranks a paid one unless the paid one's lower bound per dollar is higher, and among free models
 * the better lower bound wins.
 */
export const MIN_COST_USD = 0.0001;

/** True when the score used MIN_COST_USD instead of the model's own (smaller) mean cost. */
export function costFloored(e: Pick<ModelEvidence, "meanCostUsd">): boolean {
  return e.meanCostUsd !== null && e.meanCostUsd < MIN_COST_USD;
}

export interface ModelEvidence {
  model: string;
  trials: number;
  passes: number;
  interval: Interval;
  /** Mean cost per trial over trials with a known cost; null when none has one. */
  meanCostUsd: number | null;
  /** Wilson lower bound per dollar; null without cost data. */
  score: number | null;
  /** Enough trials (≥ min_trials, counted with or without a cost) and at least one known cost: eligible to decide. */
  eligible: boolean;
}

/**
 * Evidence for one task class from bench trials: per model, passes, Wilson 95% interval, mean cost and the score
 * (lower bound ÷ mean cost per trial). Only routable models ("provider/id") count; agents like "oracle" do not.
 * Sorted best first: eligible before ineligible, then by score.
 */
export function evidenceFor(taskClass: TaskClass, rows: readonly TrialRow[], minTrials: number): ModelEvidence[] {
  const byModel = new Map<string, TrialRow[]>();
  for (const r of rows) {
    // Not routable: agents ("oracle", "nop") and installed agents' rows ("codex:openai/gpt-5.5", a harness before
    // the model): their results describe another harness, not what `switchyard run` would do with the model.
    if (!r.model.includes("/") || /^[a-z][a-z0-9-]*:/.test(r.model) || categoryToClass(r.category) !== taskClass)
      continue;
    const list = byModel.get(r.model) ?? [];
    list.push(r);
    byModel.set(r.model, list);
  }
  const out: ModelEvidence[] = [];
  for (const [model, list] of byModel) {
    const passes = list.filter((r) => r.passed).length;
    const costs = list.map((r) => r.costUsd).filter((c): c is number => c !== null);
    const meanCostUsd = costs.length ? costs.reduce((a, b) => a + b, 0) / costs.length : null;
    const interval = wilsonInterval(passes, list.length);
    const score = meanCostUsd === null ? null : interval.low / Math.max(meanCostUsd, MIN_COST_USD);
    out.push({
      model,
      trials: list.length,
      passes,
      interval,
      meanCostUsd,
      score,
      eligible: list.length >= minTrials && score !== null,
    });
  }
  return out.sort(
    (a, b) =>
      Number(b.eligible) - Number(a.eligible) || (b.score ?? -1) - (a.score ?? -1) || a.model.localeCompare(b.model),
  );
}

/**
 * Kinds of bench evidence the router leaves out unless asked to include them (`router.include_evidence`, or
 * `--include-evidence` on route and bench): trials answered by a loopback endpoint (the mock server or a local
 * model server), trials in a reduced-fidelity environment, trials of other projects, and trials recorded without
 * provenance (before the results store's v2 schema).
 */
export const EVIDENCE_KINDS = ["loopback", "reduced", "other-projects", "unknown"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface EvidencePolicy {
  /** This project (absolute folder); undefined skips the project check (library use without a project). */
  project?: string;
  /** Kinds to include deliberately; "all" includes every kind. */
  include?: ReadonlyArray<EvidenceKind | "all">;
}

export interface ExcludedEvidence {
  /** "unscored" rows (trials that did not really run, src/core/verdict.ts) are never evidence, whatever the policy. */
  kind: EvidenceKind | "unscored";
  why: string;
  trials: number;
  models: string[];
}

const WHY: Record<EvidenceKind | "unscored", string> = {
  loopback: "answered by a loopback endpoint (the mock server or a local model server), not a real one",
  reduced: "run in a reduced-fidelity environment (Dockerfile steps skipped or approximated)",
  "other-projects": "recorded for another project",
  unscored: "did not really run (an infrastructure, provider or agent error): unscored, never evidence",
  unknown: "recorded without provenance (before the results store's v2 schema)",
};

/** A stored row's exception is "Type: message" (src/bench/record-trial.ts). */
function isScoredRow(r: TrialRow): boolean {
  const type = r.exception ? (r.exception.split(":", 1)[0] ?? r.exception) : null;
  return isScoredOutcome(r.reward, type);
}

function kindOf(r: TrialRow, project: string | undefined): EvidenceKind[] {
  if (r.loopback === null || r.loopback === undefined || !r.fidelity) return ["unknown"];
  const kinds: EvidenceKind[] = [];
  if (project !== undefined && r.project !== project) kinds.push("other-projects");
  if (r.loopback) kinds.push("loopback");
  if (r.fidelity === "reduced") kinds.push("reduced");
  return kinds;
}

/**
 * The comparable evidence: rows of real endpoints, full fidelity and this project, plus the kinds the policy
 * includes. Each left-out row is counted under the first of its kinds that is not included. Unscored trials are
 * left out whatever the policy: a trial that did not really run says nothing about the model.
 */
export function comparableEvidence(
  rows: readonly TrialRow[],
  policy: EvidencePolicy = {},
): { rows: TrialRow[]; excluded: ExcludedEvidence[] } {
  const include = new Set(policy.include ?? []);
  const all = include.has("all");
  const kept: TrialRow[] = [];
  const excluded = new Map<EvidenceKind | "unscored", { trials: number; models: Set<string> }>();
  for (const r of rows) {
    const blocking = !isScoredRow(r)
      ? "unscored"
      : all
        ? undefined
        : kindOf(r, policy.project).find((k) => !include.has(k));
    if (blocking === undefined) {
      kept.push(r);
      continue;
    }
    const e = excluded.get(blocking) ?? { trials: 0, models: new Set<string>() };
    e.trials++;
    e.models.add(r.model);
    excluded.set(blocking, e);
  }
  return {
    rows: kept,
    excluded: [...EVIDENCE_KINDS, "unscored" as const]
      .filter((k) => excluded.has(k))
      .map((kind) => {
        const e = excluded.get(kind);
        return { kind, why: WHY[kind], trials: e?.trials ?? 0, models: [...(e?.models ?? [])].sort() };
      }),
  };
}
