import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../core/errors.ts";
import type { CostBreakdown, RunEvent } from "../core/events.ts";
import type { Price } from "../core/model.ts";
import type { Usage } from "../core/usage.ts";
import { costDisagrees, Ledger, type LedgerTotals } from "./ledger.ts";
import { costPerModel, type ModelTaskCost, type TrialCost } from "./per-model.ts";
import { priceUsage } from "./price.ts";
import { readTrialFacts } from "./trial-facts.ts";

/** A cost breakdown of one run (a transcript) or one bench job (many trials). */
export interface CostSummary {
  kind: "run" | "job";
  source: string;
  /** Runs or trials counted (each is one "task" for the projection). */
  units: number;
  totals: LedgerTotals;
  /**
   * Cost per task: a run's cost; for a job of ONE model, the mean over its tasks of each task's mean trial cost;
   * null for a job of several models (see byModelTask) or when nothing is priced.
   */
  perTaskUsd: number | null;
  /** Jobs: per model, per task, and per solved task (ledger/per-model.ts). */
  byModelTask?: ModelTaskCost[];
  /** Runs/trials whose cost is unknown (a model without price): left out of the mean, and said so. */
  unpricedUnits: string[];
  warnings: string[];
}

export interface Projection {
  tasksPerDay: number;
  perTaskUsd: number | null;
  perDayUsd: number | null;
  /** False when some runs had unknown cost: the figure covers only the priced ones. */
  complete: boolean;
  /** Jobs: the projection for each model at its own cost per task, with its cost per solved task. */
  byModel?: ModelProjection[];
}

export interface ModelProjection {
  model: string;
  tasks: number;
  trials: number;
  solved: number;
  /** Trials not scored (no reward, or an exception other than AgentTimeoutError): not solved. */
  unscored: number;
  perTaskUsd: number | null;
  perDayUsd: number | null;
  perSolvedUsd: number | null;
  complete: boolean;
}

export interface SummarizeOptions {
  /** Price for a model ref ("provider/id") when a trial has token counts but no transcript and no cost_usd. */
  priceOf?: (model: string) => Price | undefined;
}

function parseTranscript(path: string, warnings: string[]): RunEvent[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`${path}: cannot read transcript: ${(err as Error).message}`, {
      file: path,
      hint: "pass a run id under ./.switchyard/runs/ or a bench job directory",
    });
  }
  const events: RunEvent[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      // A crashed run can leave a partial last line; anything else is worth a warning too.
      warnings.push(`${path}:${i + 1}: not valid JSON, skipped`);
    }
  });
  return events;
}

/** Feed a transcript's model_response events into the ledger; fall back to the `final` totals when there are none. */
function recordTranscript(
  ledger: Ledger,
  path: string,
  runId: string,
  warnings: string[],
): { cost: CostBreakdown | undefined; model: string | undefined } {
  const events = parseTranscript(path, warnings);
  let responses = 0;
  let sum = 0;
  let startedModel: string | undefined;
  let final: Extract<RunEvent, { type: "final" }> | undefined;
  for (const ev of events) {
    if (ev.type === "run_started") startedModel = `${ev.model.provider}/${ev.model.id}`;
    if (ev.type === "final") final = ev;
    if (ev.type !== "model_response") continue;
    responses++;
    const entry = ledger.record({
      model: ev.model,
      usage: ev.usage,
      cost: ev.cost,
      runId,
      ...(ev.providerCostUsd === undefined ? {} : { providerCostUsd: ev.providerCostUsd }),
      ...(ev.latency ? { latency: ev.latency } : {}),
    });
    sum += entry.cost.total;
  }
  if (responses === 0 && final) {
    ledger.record({ model: startedModel ?? "unknown/unknown", usage: final.usage, cost: final.cost, runId });
    return { cost: final.cost, model: startedModel };
  }
  if (final?.cost.priced && costDisagrees(sum, final.cost.total)) {
    warnings.push(
      `${path}: the final event's total $${final.cost.total.toFixed(6)} differs from the sum of model responses $${sum.toFixed(6)}`,
    );
  }
  return { cost: final?.cost, model: startedModel };
}

function finish(kind: CostSummary["kind"], source: string, units: string[], ledger: Ledger, warnings: string[]) {
  const totals = ledger.totals();
  const unpricedUnits: string[] = [];
  let pricedSum = 0;
  let priced = 0;
  for (const u of units) {
    const r = totals.byRun[u];
    if (r && !r.cost.priced) {
      unpricedUnits.push(u);
      continue;
    }
    pricedSum += r?.cost.total ?? 0;
    priced++;
  }
  const summary: CostSummary = {
    kind,
    source,
    units: units.length,
    totals,
    perTaskUsd: priced > 0 ? pricedSum / priced : null,
    unpricedUnits,
    warnings,
  };
  return summary;
}

/** Summarize one run's transcript.jsonl (core/events.ts RunEvents). */
export function summarizeTranscript(path: string): CostSummary {
  const ledger = new Ledger();
  const warnings: string[] = [];
  const runId = "run";
  recordTranscript(ledger, path, runId, warnings);
  return finish("run", path, [runId], ledger, warnings);
}

/**
 * Summarize a bench job directory: every immediate subdirectory holding a result.json is one trial (read by
 * trial-facts.ts, in Harbor's layout or Switchyard's). The trial's transcript.jsonl gives the exact split by model
 * and token kind; without one, the Harbor-style counts in result.json are used (n_input_tokens INCLUDES
 * n_cache_tokens, as in Harbor) with cost_usd as the total. `byModelTask` holds the per-model, per-task costs.
 */
export function summarizeJob(dir: string, opts: SummarizeOptions = {}): CostSummary {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError(`${dir}: not a directory`, { file: dir, hint: "pass a bench job directory (<out>/<job>)" });
  }
  const ledger = new Ledger();
  const warnings: string[] = [];
  const units: string[] = [];
  const trials: Array<Omit<TrialCost, "usd">> = [];
  for (const name of readdirSync(dir).sort()) {
    const trialDir = join(dir, name);
    const resultPath = join(trialDir, "result.json");
    if (!statSync(trialDir).isDirectory() || !existsSync(resultPath)) continue;
    let fields: ReturnType<typeof readTrialFacts>;
    try {
      fields = readTrialFacts(trialDir, name);
    } catch (err) {
      warnings.push(`${resultPath}: not valid JSON (${(err as Error).message}); trial skipped`);
      continue;
    }
    units.push(name);
    const transcript = join(trialDir, "transcript.jsonl");
    if (existsSync(transcript)) {
      const before = ledger.entries.length;
      const { model } = recordTranscript(ledger, transcript, name, warnings);
      trials.push({ unit: name, task: fields.task, model: fields.model ?? model ?? "unknown", passed: fields.passed });
      const ours = ledger.entries.slice(before).reduce((s, e) => s + e.cost.total, 0);
      if (typeof fields.cost_usd === "number" && costDisagrees(ours, fields.cost_usd)) {
        warnings.push(
          `${resultPath}: cost_usd $${fields.cost_usd.toFixed(6)} differs from its transcript's $${ours.toFixed(6)}`,
        );
      }
      continue;
    }
    trials.push({ unit: name, task: fields.task, model: fields.model ?? "unknown", passed: fields.passed });
    recordCounts(ledger, { name, resultPath, fields, warnings, opts });
  }
  if (units.length === 0) {
    throw new ConfigError(`${dir}: no trial directories with a result.json`, {
      file: dir,
      hint: "pass a bench job directory (<out>/<job>), whose <task>__<trial>/ subdirectories hold result.json",
    });
  }
  const summary = finish("job", dir, units, ledger, warnings);
  const byRun = summary.totals.byRun;
  const byModelTask = costPerModel(
    trials.map((t) => {
      const c = byRun[t.unit]?.cost;
      return { ...t, usd: c?.priced ? c.total : null };
    }),
  );
  const only = byModelTask.length === 1 ? byModelTask[0] : undefined;
  return { ...summary, byModelTask, perTaskUsd: only ? only.perTaskUsd : null };
}

/** A trial without a transcript: its Harbor-style counts (n_input_tokens INCLUDES n_cache_tokens) are priced. */
function recordCounts(
  ledger: Ledger,
  t: {
    name: string;
    resultPath: string;
    fields: ReturnType<typeof readTrialFacts>;
    warnings: string[];
    opts: SummarizeOptions;
  },
): void {
  const { name, fields, warnings } = t;
  const cache = fields.n_cache_tokens ?? 0;
  const usage: Usage = {
    input: Math.max(0, (fields.n_input_tokens ?? 0) - cache),
    cacheRead: cache,
    cacheWrite: 0,
    output: fields.n_output_tokens ?? 0,
    reasoning: 0,
  };
  const model = fields.model ?? "unknown/unknown";
  const price = t.opts.priceOf?.(model);
  if (price) {
    const entry = ledger.record({
      model,
      usage,
      cost: priceUsage(usage, price, { aggregate: true }),
      runId: name,
      ...(typeof fields.cost_usd === "number" ? { providerCostUsd: fields.cost_usd } : {}),
    });
    if (entry.disagreement) warnings.push(`${t.resultPath}: cost_usd differs from the catalog price of ${model}`);
  } else if (typeof fields.cost_usd === "number") {
    warnings.push(`${name}: no transcript and no catalog price for ${model}; cost_usd used, split by kind unknown`);
    const c = fields.cost_usd;
    ledger.record({
      model,
      usage,
      cost: { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, total: c, priced: true },
      runId: name,
    });
  } else {
    ledger.record({ model, usage, cost: priceUsage(usage, undefined), runId: name });
  }
}

/** "N tasks a day ≈ $X a day" at the cost per task; for a job, also per model. */
export function projectDaily(summary: CostSummary, tasksPerDay = 100): Projection {
  return {
    tasksPerDay,
    perTaskUsd: summary.perTaskUsd,
    perDayUsd: summary.perTaskUsd === null ? null : summary.perTaskUsd * tasksPerDay,
    complete: summary.unpricedUnits.length === 0,
    ...(summary.byModelTask
      ? {
          byModel: summary.byModelTask.map((m) => ({
            model: m.model,
            tasks: m.tasks,
            trials: m.trials,
            solved: m.solved,
            unscored: m.unknownOutcome,
            perTaskUsd: m.perTaskUsd,
            perDayUsd: m.perTaskUsd === null ? null : m.perTaskUsd * tasksPerDay,
            perSolvedUsd: m.perSolvedUsd,
            complete: m.unpricedTrials === 0,
          })),
        }
      : {}),
  };
}

/**
 * Resolve `switchyard cost <run-id|job-dir>`: a directory with a transcript.jsonl is a run, another directory is a
 * job, otherwise the argument is a run id under `<cwd>/.switchyard/runs/<id>/`.
 */
export function summarizeTarget(target: string, opts: SummarizeOptions & { cwd?: string } = {}): CostSummary {
  if (existsSync(target) && statSync(target).isDirectory()) {
    const t = join(target, "transcript.jsonl");
    return existsSync(t) ? summarizeTranscript(t) : summarizeJob(target, opts);
  }
  if (existsSync(target) && target.endsWith(".jsonl")) return summarizeTranscript(target);
  const runDir = join(opts.cwd ?? process.cwd(), ".switchyard", "runs", target);
  const t = join(runDir, "transcript.jsonl");
  if (!existsSync(t)) {
    throw new ConfigError(`no run or job found for "${target}" (looked for ${t})`, {
      file: t,
      hint: "pass a run id listed under .switchyard/runs/ (with --workspace DIR for another project) or a bench job directory",
    });
  }
  return summarizeTranscript(t);
}
