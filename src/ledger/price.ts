import type { CostBreakdown } from "../core/events.ts";
import type { Price } from "../core/model.ts";
import { promptTokens, type Usage } from "../core/usage.ts";

/**
 * Usage × catalog price. Cache reads fall back to the input price and cache writes to the input price only when
 * the catalog gives no specific figure (a conservative over-estimate, never a silent $0). A missing price
 * yields `priced: false` and zero amounts that callers must show as "unknown".
 *
 * Cache writes: OpenAI bills them as ordinary input (no `cacheWrite` in the catalog, so the input price applies).
 * Anthropic bills 1.25× input for the default 5-minute cache and 2× for the 1-hour one: usage's `cacheWriteLong`
 * (from `cache_creation.ephemeral_1h_input_tokens`) is priced at the catalog's `cacheWriteLong`, the rest of
 * `cacheWrite` at `cacheWrite`.
 *
 * Tiers, per call (see priceTier): a prompt above `longContext.above` tokens bills the whole call at the
 * long-context rates; a service tier the response reports ("flex", "priority", "batch") multiplies every rate by
 * the catalog's factor. Both may apply (OpenAI: long-context rates hold "for standard, batch, and flex"). A
 * reported tier the catalog has no rate for is priced at standard rates and `tier` says so.
 *
 * What is counted: every `done` a provider stream delivers, once. An attempt that failed before its stream started
 * (HTTP 429/5xx, retried by the client) is not billed. A stream cut after it started and re-run by the loop is
 * billed by the provider for what it processed, but its usage never reaches us (adapters report usage only with
 * `done`, and the core `error` event carries none), so it is NOT counted: totals are then a lower bound by that
 * attempt's prompt. Counting it needs `usage` on the core stream `error` event.
 */
export function priceUsage(usage: Usage, price: Price | undefined, opts: PriceOptions = {}): CostBreakdown {
  if (!price) return { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, total: 0, priced: false };
  const { rates, factor, tier } = priceTier(usage, price, opts.serviceTier, opts.aggregate);
  const perToken = (perMillion: number) => (perMillion * factor) / 1_000_000;
  const long = Math.min(usage.cacheWriteLong ?? 0, usage.cacheWrite);
  const writeRate = rates.cacheWrite ?? rates.input;
  const input = usage.input * perToken(rates.input);
  const cacheRead = usage.cacheRead * perToken(rates.cachedInput ?? rates.input);
  const cacheWrite =
    (usage.cacheWrite - long) * perToken(writeRate) + long * perToken(rates.cacheWriteLong ?? writeRate);
  const output = usage.output * perToken(rates.output);
  const total = input + cacheRead + cacheWrite + output;
  return { input, cacheRead, cacheWrite, output, total, priced: true, ...(tier ? { tier } : {}) };
}

export interface PriceOptions {
  /** The service tier the response reported (done.serviceTier); absent = standard. */
  serviceTier?: string | undefined;
  /**
   * The usage sums many calls (a trial's n_input_tokens in result.json): its prompt size says nothing about any
   * one call's, so the long-context tier is not inferred from it and standard rates apply (a lower bound).
   */
  aggregate?: boolean;
}

type Rates = Pick<Price, "input" | "cachedInput" | "cacheWrite" | "cacheWriteLong" | "output">;

/** Which rates and factor a call is billed at, and its tier label (undefined for plain standard). */
export function priceTier(
  usage: Usage,
  price: Price,
  serviceTier?: string,
  aggregate = false,
): { rates: Rates; factor: number; tier?: string } {
  const labels: string[] = [];
  let rates: Rates = price;
  if (!aggregate && price.longContext && promptTokens(usage) > price.longContext.above) {
    rates = price.longContext;
    labels.push("long-context");
  }
  let factor = 1;
  if (serviceTier) {
    const t = price.tiers?.[serviceTier];
    if (t) factor = t.factor;
    labels.unshift(t ? serviceTier : `${serviceTier} (standard rates)`);
  }
  return { rates, factor, ...(labels.length ? { tier: labels.join("+") } : {}) };
}

/** One line for `switchyard models`: the long-context threshold and rates, the service tiers and 1-hour writes. */
export function describeTiers(price: Price): string | undefined {
  const parts: string[] = [];
  const usd = (v: number) => `$${Number(v.toFixed(4))}`;
  if (price.longContext) {
    const l = price.longContext;
    const k = l.above >= 1000 ? `${Math.round(l.above / 1000)}K` : String(l.above);
    parts.push(`prompts > ${k}: ${usd(l.input)}/${usd(l.output)}`);
  }
  for (const [name, t] of Object.entries(price.tiers ?? {})) parts.push(`${name} ×${t.factor}`);
  if (price.cacheWriteLong !== undefined) parts.push(`1h cache write ${usd(price.cacheWriteLong)}`);
  return parts.length ? parts.join("; ") : undefined;
}

/** Sum of two costs. The tier label is per call and does not survive a sum. */
export function addCost(a: CostBreakdown, b: CostBreakdown): CostBreakdown {
  return {
    input: a.input + b.input,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
    output: a.output + b.output,
    total: a.total + b.total,
    priced: a.priced && b.priced,
  };
}

export const ZERO_COST: CostBreakdown = Object.freeze({
  input: 0,
  cacheRead: 0,
  cacheWrite: 0,
  output: 0,
  total: 0,
  priced: true,
});

export function formatUsd(c: CostBreakdown | number): string {
  if (typeof c !== "number" && !c.priced) return "unknown (no price in catalog)";
  const v = typeof c === "number" ? c : c.total;
  return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;
}
