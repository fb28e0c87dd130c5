import type { Config } from "../../core/config.ts";
import { errorMessage } from "../../core/errors.ts";
import { textOf } from "../../core/messages.ts";
import { complete, type ModelClient } from "../../core/model.ts";
import { addUsage, promptTokens, type Usage, ZERO_USAGE } from "../../core/usage.ts";
import { priceUsage } from "../../ledger/price.ts";
import type { ClaimVerdict } from "./claims.ts";

/**
 * The claims judge: one model call per claim, as MCP-Atlas's scorer makes them (services/scoring/score_claims.py:
 * each claim judged alone against the final answer; fulfilled = 1, partially fulfilled = 0.5, not fulfilled = 0;
 * numbers matched within 5%, percentages within one point). The prompt below is Switchyard's own wording of those
 * rules. The judge is any catalog model the user picks (`--judge`), called through the same ModelClient as the
 * agent; its usage and cost are kept apart from the agent's. A judge call that fails, or whose answer cannot be read
 * after one retry, scores the claim not fulfilled and says why (as MCP-Atlas does after its retries).
 */
export interface JudgeSpend {
  model: string;
  calls: number;
  n_input_tokens: number;
  n_cache_tokens: number;
  n_output_tokens: number;
  /** USD at the catalog price; null when the judge model has no price. */
  cost_usd: number | null;
}

export interface ClaimJudge {
  /** "provider/model". */
  readonly model: string;
  judge(claim: string, answer: string, signal?: AbortSignal): Promise<{ verdict: ClaimVerdict; usage: Usage }>;
  /** Cost of `usage` at the judge's catalog price (null when unpriced). */
  price(usage: Usage): number | null;
}

/** Answers longer than this are cut before judging (MCP-Atlas cuts at 500,000 characters). */
export const MAX_JUDGED_ANSWER = 500_000;

export function judgePrompt(claim: string, answer: string): string {
  const text =
    answer.length > MAX_JUDGED_ANSWER
      ? `${answer.slice(0, MAX_JUDGED_ANSWER)}\n[answer cut at ${MAX_JUDGED_ANSWER} characters]`
      : answer;
  return [
    "You grade one claim against the final answer an AI assistant gave to a user's request.",
    "Decide whether the answer states what the claim says.",
    "",
    "Outcomes:",
    "- fulfilled: the answer states the claim completely, with every key detail right.",
    "- partially_fulfilled: the answer states some of the claim's key details, not all.",
    "- not_fulfilled: the answer does not state the claim, or contradicts it.",
    "",
    "Numbers need not match exactly: a value within 5% of the claim's, a percentage within one percentage point,",
    'or the same quantity written another way ("0.5", "50%", "half") matches. Use the precision the claim implies',
    "(exact for identifiers, counts and dates). Grade only what the answer says; do not fill gaps from your own",
    "knowledge.",
    "",
    "<claim>",
    claim,
    "</claim>",
    "",
    "<answer>",
    text,
    "</answer>",
    "",
    "Reply with one JSON object and nothing else:",
    '{"coverage_outcome": "fulfilled" | "partially_fulfilled" | "not_fulfilled", "justification": "<one or two sentences>", "confidence": <0.0 to 1.0>}',
  ].join("\n");
}

const SCORES = { fulfilled: 1, partially_fulfilled: 0.5, not_fulfilled: 0 } as const;
type Outcome = keyof typeof SCORES;

/** The verdict in a judge's answer: the first JSON object in it (code fences allowed); undefined if none. */
export function readVerdict(
  text: string,
): { outcome: Outcome; justification: string; confidence?: number } | undefined {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
  if (!v || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  const outcome = o.coverage_outcome ?? o.outcome;
  if (typeof outcome !== "string" || !(outcome in SCORES)) return undefined;
  return {
    outcome: outcome as Outcome,
    justification: typeof o.justification === "string" ? o.justification : "",
    ...(typeof o.confidence === "number" ? { confidence: o.confidence } : {}),
  };
}

/** A judge over a ModelClient (the caller creates it from the catalog, checking the key first). */
export function judgeWithClient(client: ModelClient): ClaimJudge {
  const model = `${client.model.provider}/${client.model.id}`;
  return {
    model,
    price: (usage) => {
      const c = priceUsage(usage, client.model.price);
      return c.priced ? c.total : null;
    },
    async judge(claim, answer, signal) {
      const prompt = judgePrompt(claim, answer);
      let usage: Usage = ZERO_USAGE;
      let raw = "";
      let problem = "";
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const done = await complete(
            client.stream({
              messages: [{ role: "user", content: [{ type: "text", text: prompt }] }],
              tools: [],
              maxOutputTokens: 2000,
              ...(signal ? { signal } : {}),
            }),
          );
          usage = addUsage(usage, done.usage);
          raw = textOf(done.message.content);
          const v = readVerdict(raw);
          if (v) {
            return {
              usage,
              verdict: {
                claim,
                method: "judge",
                outcome: v.outcome,
                score: SCORES[v.outcome],
                justification: v.justification,
                prompt,
                raw,
                ...(v.confidence === undefined ? {} : { confidence: v.confidence }),
              },
            };
          }
          problem = "the judge's answer holds no verdict JSON";
        } catch (err) {
          problem = `the judge call failed: ${errorMessage(err)}`;
          break;
        }
      }
      return {
        usage,
        verdict: {
          claim,
          method: "judge",
          outcome: "not_fulfilled",
          score: 0,
          justification: `not judged: ${problem}`,
          prompt,
          raw,
          unjudged: true,
        },
      };
    },
  };
}

/** Create the judge for `ref` from the catalog; a bad ref or a missing key is a ConfigError before any trial. */
export async function createClaimJudge(
  ref: string,
  opts: { config: Config; env?: NodeJS.ProcessEnv },
): Promise<ClaimJudge> {
  const { createModelClient } = await import("../../providers/client.ts");
  return judgeWithClient(createModelClient(ref, { config: opts.config, env: opts.env ?? process.env }));
}

export function emptySpend(model: string): JudgeSpend {
  return { model, calls: 0, n_input_tokens: 0, n_cache_tokens: 0, n_output_tokens: 0, cost_usd: 0 };
}

/** Add one call's usage and cost to a spend record. */
export function addSpend(s: JudgeSpend, usage: Usage, cost: number | null): JudgeSpend {
  return {
    model: s.model,
    calls: s.calls + 1,
    n_input_tokens: s.n_input_tokens + promptTokens(usage),
    n_cache_tokens: s.n_cache_tokens + usage.cacheRead,
    n_output_tokens: s.n_output_tokens + usage.output,
    cost_usd: s.cost_usd === null || cost === null ? null : s.cost_usd + cost,
  };
}
