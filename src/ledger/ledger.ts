import type { CostBreakdown } from "../core/events.ts";
import type { ModelRef } from "../core/messages.ts";
import type { Price } from "../core/model.ts";
import { addUsage, type Usage, ZERO_USAGE } from "../core/usage.ts";
import { addCost, priceUsage, ZERO_COST } from "./price.ts";

/** One model call as the ledger receives it. `cost` (already priced, e.g. from a transcript) wins over `price`. */
export interface CallRecord {
  model: ModelRef | string;
  usage: Usage;
  price?: Price;
  cost?: CostBreakdown;
  /** Cost the provider itself reported (OpenRouter-style `usage.cost`). */
  providerCostUsd?: number;
  /** Which run or trial the call belongs to (default "run"): totals per run and the per-task mean use it. */
  runId?: string;
  /** Time to first token and output tokens per second of this response (model_response.latency). */
  latency?: CallLatency;
}

export interface CallLatency {
  ttftMs?: number;
  /** Output tokens per second over the streaming phase (after the first token). */
  outputTokensPerSecond?: number;
}

/** Per model: means over the responses that measured each figure (null when none did). */
export interface LatencyTotals {
  responses: number;
  meanTtftMs: number | null;
  meanOutputTokensPerSecond: number | null;
}

/** Our cost and the provider's differ by more than 1% and by more than $0.0001. */
export interface CostDisagreement {
  model: string;
  runId: string;
  oursUsd: number;
  providerUsd: number;
  diffUsd: number;
}

export interface LedgerEntry {
  model: string;
  runId: string;
  usage: Usage;
  cost: CostBreakdown;
  latency?: CallLatency;
  providerCostUsd?: number;
  disagreement?: CostDisagreement;
}

export interface ModelTotals {
  calls: number;
  usage: Usage;
  /** `priced: false` when any call of this model had no price: its total is then a lower bound, shown as unknown. */
  cost: CostBreakdown;
  providerCostUsd?: number;
  /** Calls and dollars per price tier ("standard", "flex", "priority", "long-context" …), when any was not standard. */
  tiers?: Record<string, { calls: number; usd: number }>;
  /** TTFT and output tokens per second, when any response of the model measured them. */
  latency?: LatencyTotals;
}

/** Tokens and dollars per kind of token. Reasoning is part of output (billed as output), shown separately. */
export interface KindTotals {
  input: { tokens: number; usd: number };
  cacheRead: { tokens: number; usd: number };
  cacheWrite: { tokens: number; usd: number };
  output: { tokens: number; usd: number };
  /** Included in `output`: tokens and their share of the output cost. Do not add to the total. */
  reasoning: { tokens: number; usd: number };
}

export interface LedgerTotals {
  calls: number;
  usage: Usage;
  cost: CostBreakdown;
  byModel: Record<string, ModelTotals>;
  byKind: KindTotals;
  byRun: Record<string, { calls: number; usage: Usage; cost: CostBreakdown }>;
  /** Models seen without a price: their cost is unknown, never $0. */
  unpricedModels: string[];
  providerCostUsd?: number;
  disagreements: CostDisagreement[];
}

/** Relative and absolute tolerance before a provider-reported cost counts as a disagreement. */
export const DISAGREEMENT_RATIO = 0.01;
export const DISAGREEMENT_ABS_USD = 0.0001;

export function refKey(model: ModelRef | string): string {
  return typeof model === "string" ? model : `${model.provider}/${model.id}`;
}

export function costDisagrees(oursUsd: number, providerUsd: number): boolean {
  const diff = Math.abs(oursUsd - providerUsd);
  const base = Math.max(Math.abs(oursUsd), Math.abs(providerUsd));
  return diff > DISAGREEMENT_ABS_USD && diff > base * DISAGREEMENT_RATIO;
}

/**
 * Records every model call of one or more runs and prices it. An unknown price makes the cost unknown
 * (`priced: false`), never a silent $0. A provider-reported cost is kept next to ours and a disagreement is flagged.
 */
export class Ledger {
  readonly #entries: LedgerEntry[] = [];

  record(call: CallRecord): LedgerEntry {
    const model = refKey(call.model);
    const runId = call.runId ?? "run";
    const cost = call.cost ?? priceUsage(call.usage, call.price);
    const entry: LedgerEntry = { model, runId, usage: { ...call.usage }, cost };
    if (call.latency && (call.latency.ttftMs !== undefined || call.latency.outputTokensPerSecond !== undefined)) {
      entry.latency = { ...call.latency };
    }
    if (call.providerCostUsd !== undefined) {
      entry.providerCostUsd = call.providerCostUsd;
      if (cost.priced && costDisagrees(cost.total, call.providerCostUsd)) {
        entry.disagreement = {
          model,
          runId,
          oursUsd: cost.total,
          providerUsd: call.providerCostUsd,
          diffUsd: call.providerCostUsd - cost.total,
        };
      }
    }
    this.#entries.push(entry);
    return entry;
  }

  get entries(): readonly LedgerEntry[] {
    return this.#entries;
  }

  totals(): LedgerTotals {
    return totalsOf(this.#entries);
  }
}

export function totalsOf(entries: readonly LedgerEntry[]): LedgerTotals {
  const byModel: Record<string, ModelTotals> = {};
  const byRun: LedgerTotals["byRun"] = {};
  const byKind: KindTotals = {
    input: { tokens: 0, usd: 0 },
    cacheRead: { tokens: 0, usd: 0 },
    cacheWrite: { tokens: 0, usd: 0 },
    output: { tokens: 0, usd: 0 },
    reasoning: { tokens: 0, usd: 0 },
  };
  let usage: Usage = ZERO_USAGE;
  let cost: CostBreakdown = ZERO_COST;
  let providerCostUsd: number | undefined;
  const unpriced = new Set<string>();
  const disagreements: CostDisagreement[] = [];

  const tiers = new Map<string, Record<string, { calls: number; usd: number }>>();
  const latencies = new Map<string, CallLatency[]>();
  for (const e of entries) {
    const perTier = tiers.get(e.model) ?? {};
    const t = perTier[e.cost.tier ?? "standard"] ?? { calls: 0, usd: 0 };
    t.calls += 1;
    t.usd += e.cost.total;
    perTier[e.cost.tier ?? "standard"] = t;
    tiers.set(e.model, perTier);
    if (e.latency) latencies.set(e.model, [...(latencies.get(e.model) ?? []), e.latency]);
    usage = addUsage(usage, e.usage);
    cost = addCost(cost, e.cost);
    const m = byModel[e.model] ?? { calls: 0, usage: ZERO_USAGE, cost: ZERO_COST };
    m.calls += 1;
    m.usage = addUsage(m.usage, e.usage);
    m.cost = addCost(m.cost, e.cost);
    if (e.providerCostUsd !== undefined) {
      m.providerCostUsd = (m.providerCostUsd ?? 0) + e.providerCostUsd;
      providerCostUsd = (providerCostUsd ?? 0) + e.providerCostUsd;
    }
    byModel[e.model] = m;
    const r = byRun[e.runId] ?? { calls: 0, usage: ZERO_USAGE, cost: ZERO_COST };
    r.calls += 1;
    r.usage = addUsage(r.usage, e.usage);
    r.cost = addCost(r.cost, e.cost);
    byRun[e.runId] = r;

    byKind.input.tokens += e.usage.input;
    byKind.cacheRead.tokens += e.usage.cacheRead;
    byKind.cacheWrite.tokens += e.usage.cacheWrite;
    byKind.output.tokens += e.usage.output;
    byKind.reasoning.tokens += e.usage.reasoning;
    byKind.input.usd += e.cost.input;
    byKind.cacheRead.usd += e.cost.cacheRead;
    byKind.cacheWrite.usd += e.cost.cacheWrite;
    byKind.output.usd += e.cost.output;
    if (e.usage.output > 0) byKind.reasoning.usd += e.cost.output * (e.usage.reasoning / e.usage.output);
    if (!e.cost.priced) unpriced.add(e.model);
    if (e.disagreement) disagreements.push(e.disagreement);
  }
  for (const [model, m] of Object.entries(byModel)) {
    const perTier = tiers.get(model);
    if (perTier && Object.keys(perTier).some((k) => k !== "standard")) m.tiers = perTier;
    const l = latencies.get(model);
    if (l?.length) m.latency = latencyTotals(l);
  }
  const totals: LedgerTotals = {
    calls: entries.length,
    usage,
    cost,
    byModel,
    byKind,
    byRun,
    unpricedModels: [...unpriced].sort(),
    disagreements,
  };
  if (providerCostUsd !== undefined) totals.providerCostUsd = providerCostUsd;
  return totals;
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

function latencyTotals(ls: CallLatency[]): LatencyTotals {
  return {
    responses: ls.length,
    meanTtftMs: mean(ls.flatMap((l) => (l.ttftMs === undefined ? [] : [l.ttftMs]))),
    meanOutputTokensPerSecond: mean(
      ls.flatMap((l) => (l.outputTokensPerSecond === undefined ? [] : [l.outputTokensPerSecond])),
    ),
  };
}
