import type { RequestProblem } from "./request-checks.ts";
import type { RouteKind } from "./routes.ts";
import { isRecord } from "./turn-selection.ts";

/**
 * Sampling parameters on OpenAI reasoning models (platform.openai.com reasoning guide, "Limitations"): the o-series
 * and GPT-5 models take `temperature` and `top_p` only at their default (1); GPT-5.1 and later take them when
 * `reasoning.effort` is "none" (vercel/ai issue #10932 quoting OpenAI's docs). The API's answers:
 * - Responses: 400 "Unsupported parameter: 'temperature' is not supported with this model.", `param:
 *   "temperature"`, `code: "unsupported_parameter"`.
 * - Chat Completions: 400 "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default
 *   (1) value is supported.", `code: "unsupported_value"` (OpenAI community, "GPT-5 models - Temperature").
 * Only model ids of those families are checked (`gpt-5-chat*` is not a reasoning model); when a GPT-5.1+ request
 * names no effort the model's own default decides, so the mock lets it pass.
 */

type Json = Record<string, unknown>;

const SAMPLING = ["temperature", "top_p"] as const;

function isReasoningModel(model: string): boolean {
  return /^(o[1-9]|gpt-5)/.test(model) && !/^gpt-5(\.\d+)?-chat/.test(model);
}

/** GPT-5.1 and later, which also run with reasoning effort "none". */
function takesNoReasoning(model: string): boolean {
  const m = /^gpt-5\.(\d+)/.exec(model);
  return m !== null && Number(m[1]) >= 1;
}

function effort(kind: RouteKind, body: Json): unknown {
  if (kind === "chat") return body.reasoning_effort;
  return isRecord(body.reasoning) ? body.reasoning.effort : undefined;
}

/**
 * Chat Completions on a reasoning model takes `max_completion_tokens`, not `max_tokens`: "Unsupported parameter:
 * 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." (`unsupported_parameter`).
 */
function maxTokensProblem(kind: RouteKind, body: Json): RequestProblem | undefined {
  if (kind !== "chat" || body.max_tokens === undefined || body.max_tokens === null) return undefined;
  return {
    status: 400,
    message:
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    param: "max_tokens",
    code: "unsupported_parameter",
  };
}

export function reasoningModelProblem(kind: RouteKind, model: string, body: Json): RequestProblem | undefined {
  if ((kind !== "responses" && kind !== "chat") || !isReasoningModel(model)) return undefined;
  const maxTokens = maxTokensProblem(kind, body);
  if (maxTokens) return maxTokens;
  const e = effort(kind, body);
  if (takesNoReasoning(model) && (e === undefined || e === "none")) return undefined;
  const param = SAMPLING.find((p) => body[p] !== undefined && body[p] !== null && body[p] !== 1);
  if (param === undefined) return undefined;
  if (kind === "responses") {
    return {
      status: 400,
      message: `Unsupported parameter: '${param}' is not supported with this model.`,
      param,
      code: "unsupported_parameter",
    };
  }
  return {
    status: 400,
    message: `Unsupported value: '${param}' does not support ${String(body[param])} with this model. Only the default (1) value is supported.`,
    param,
    code: "unsupported_value",
  };
}
