import { asArray, isRecord } from "./turn-selection.ts";

/**
 * OpenAI-compatible servers that answer Chat Completions in their own dialect. The mock picks the dialect from the
 * request's model id, as a client pointed at that vendor's base URL would see it:
 * - DeepSeek (`deepseek-*`): thinking mode is on unless `thinking: {type: "disabled"}`; the body may carry
 *   `thinking`; usage reports the cache as `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens` instead of
 *   `prompt_tokens_details.cached_tokens` (api-docs.deepseek.com: thinking mode guide, context caching guide).
 */

type Json = Record<string, unknown>;

export function isDeepSeek(model: string): boolean {
  return /^deepseek/i.test(model);
}

/** Body parameters a dialect accepts beyond OpenAI's Chat Completions list (request-params.ts). */
export function extraChatParameters(model: string): readonly string[] {
  return isDeepSeek(model) ? ["thinking"] : [];
}

/**
 * DeepSeek's thinking mode: `thinking: {type: "enabled" | "disabled"}` decides; without it the V4 models think
 * ("Thinking mode is enabled by default"), `deepseek-reasoner` is the thinking alias and `deepseek-chat` the
 * non-thinking one (DeepSeek pricing and thinking-mode pages).
 */
export function deepSeekThinking(model: string, body: Json): boolean {
  if (!isDeepSeek(model)) return false;
  if (isRecord(body.thinking) && (body.thinking.type === "disabled" || body.thinking.type === "enabled")) {
    return body.thinking.type === "enabled";
  }
  return model !== "deepseek-chat";
}

/** DeepSeek's 400 for a thinking-mode history whose assistant tool-call turn lacks `reasoning_content`. */
export const MISSING_REASONING_CONTENT = "The `reasoning_content` in the thinking mode must be passed back to the API.";

/**
 * The first assistant message with tool calls and no `reasoning_content` string, in a thinking-mode request, or
 * undefined. DeepSeek: "for turns that do perform tool calls, the reasoning_content must be fully passed back to the
 * API in all subsequent requests"; turns without tool calls may omit it.
 */
export function missingReasoningContent(model: string, body: Json): number | undefined {
  if (!deepSeekThinking(model, body)) return undefined;
  const messages = asArray(body.messages);
  const i = messages.findIndex(
    (m) =>
      isRecord(m) &&
      m.role === "assistant" &&
      asArray(m.tool_calls).length > 0 &&
      typeof m.reasoning_content !== "string",
  );
  return i < 0 ? undefined : i;
}

/** DeepSeek's usage object: prompt_tokens = hit + miss; no prompt_tokens_details. */
export function deepSeekUsage(u: {
  input: number;
  cache_read: number;
  cache_write: number;
  output: number;
  reasoning: number;
}): Json {
  const miss = u.input + u.cache_write;
  const prompt = miss + u.cache_read;
  return {
    prompt_tokens: prompt,
    completion_tokens: u.output,
    total_tokens: prompt + u.output,
    prompt_cache_hit_tokens: u.cache_read,
    prompt_cache_miss_tokens: miss,
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  };
}
