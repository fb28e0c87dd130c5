import type { Config } from "../core/config.ts";
import type { Message } from "../core/messages.ts";
import type { Price, ToolDefinition } from "../core/model.ts";
import type { Usage } from "../core/usage.ts";
import { totalTokens } from "../core/usage.ts";
import { priceUsage } from "../ledger/price.ts";

/**
 * Hard budgets: before each model call, the most it can cost must fit in what is left.
 * - The prompt is bounded from above: the last response's prompt + output tokens (exact, from its usage) plus
 *   every byte added since (a token is at least one byte of UTF-8; an image counts IMAGE_TOKENS), or, before the
 *   first response, the bytes of the system prompt, tool definitions and messages. Each prompt token is priced at
 *   the dearer of the input and cache-write prices (Anthropic writes the cache at 1.25× input).
 * - A call whose prompt alone could exceed the dollar budget, or the token limit, is not sent (exit 4).
 * - Otherwise its output is capped (`maxOutputTokens` on the request) at the largest number of tokens whose
 *   worst case still fits; under MIN_OUTPUT_TOKENS (the OpenAI Responses floor) the call is not worth sending.
 * The worst case is priced with the ledger's own `priceUsage`, so price tiers that depend on the prompt size
 * apply to it as they apply to the bill.
 */
export const MIN_OUTPUT_TOKENS = 16;
const IMAGE_TOKENS = 6000;

export interface CallPlan {
  /** Cap for the request's output tokens (undefined: no limit asks for one). */
  maxOutputTokens?: number;
  /** Worst-case cost of this call at that cap (dollar budget only). */
  reserveUsd?: number;
  /** Why the call must not be sent. */
  stop?: string;
}

/** Upper bound, in tokens, of messages not yet measured by a response. */
export function boundTokens(messages: readonly Message[]): number {
  let bytes = 0;
  for (const m of messages) {
    if (m.role === "system") bytes += Buffer.byteLength(m.content);
    else {
      for (const p of m.content) {
        if (p.type === "image") bytes += IMAGE_TOKENS;
        else if (p.type === "tool_result") {
          for (const c of p.content) bytes += c.type === "text" ? Buffer.byteLength(c.text) : IMAGE_TOKENS;
        } else bytes += Buffer.byteLength(JSON.stringify(p));
      }
    }
  }
  return bytes;
}

/** Upper bound of what a request carries besides the messages: the system prompt and the tool definitions. */
export function boundPreamble(system: string, tools: readonly ToolDefinition[]): number {
  return Buffer.byteLength(system) + Buffer.byteLength(JSON.stringify(tools));
}

/** The most a call with `prompt` prompt tokens and `output` output tokens can cost. */
export function worstCost(prompt: number, output: number, price: Price): number {
  const zero: Usage = { input: 0, cacheRead: 0, cacheWrite: 0, output, reasoning: 0 };
  return Math.max(
    priceUsage({ ...zero, input: prompt }, price).total,
    priceUsage({ ...zero, cacheWrite: prompt }, price).total,
  );
}

export function planCall(opts: {
  /** Upper bound of the next prompt, in tokens. */
  prompt: number;
  usage: Usage;
  spentUsd: number;
  budgetUsd?: number;
  maxTokens?: number;
  price?: Price;
  /** Other caps: the model's own maximum, the configured per-response maximum. */
  ceiling?: number;
}): CallPlan {
  let cap = opts.ceiling;
  if (opts.maxTokens !== undefined) {
    const left = opts.maxTokens - totalTokens(opts.usage) - opts.prompt;
    if (left < MIN_OUTPUT_TOKENS) {
      return {
        stop:
          `token limit: ${totalTokens(opts.usage)} tokens used; the next request needs up to ${opts.prompt} more ` +
          `plus its answer (limit ${opts.maxTokens})`,
      };
    }
    cap = Math.min(cap ?? left, left);
  }
  if (opts.budgetUsd === undefined || !opts.price) return cap === undefined ? {} : { maxOutputTokens: cap };
  const price = opts.price;
  const left = opts.budgetUsd - opts.spentUsd;
  const promptOnly = worstCost(opts.prompt, 0, price);
  const fits = (k: number) => worstCost(opts.prompt, k, price) <= left;
  if (!fits(MIN_OUTPUT_TOKENS)) {
    return {
      stop:
        `budget: $${opts.spentUsd.toFixed(4)} spent of $${opts.budgetUsd}; the next request's prompt alone could cost ` +
        `$${promptOnly.toFixed(4)} (up to ${opts.prompt} tokens), which leaves no room for an answer`,
    };
  }
  // The largest output that fits: doubling, then bisection (monotone in k, whatever the tiers).
  let lo = MIN_OUTPUT_TOKENS;
  let hi = cap ?? MIN_OUTPUT_TOKENS;
  if (cap === undefined) {
    while (fits(hi * 2) && hi < 1e9) hi *= 2;
    hi *= 2;
  }
  if (fits(hi)) lo = hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return { maxOutputTokens: lo, reserveUsd: worstCost(opts.prompt, lo, price) };
}

/** The per-response caps of config `[run]`, as loop limits. */
export function responseLimits(run: Config["run"]): {
  maxResponseTokens?: number;
  maxResponseBytes: number;
  responseTimeoutMs: number;
} {
  return {
    ...(run.max_response_tokens === undefined ? {} : { maxResponseTokens: run.max_response_tokens }),
    maxResponseBytes: run.max_response_bytes,
    responseTimeoutMs: Math.round(run.response_timeout_s * 1000),
  };
}
