/**
 * Token usage in one convention for every provider. All fields are disjoint except `reasoning`:
 * - `input`: prompt tokens billed at the uncached input price (OpenAI: input_tokens − cached − cache_write;
 *   Anthropic: input_tokens as sent, which already excludes cache reads and writes; Gemini: promptTokenCount −
 *   cachedContentTokenCount; Chat Completions: prompt_tokens − cached_tokens).
 * - `cacheRead`: prompt tokens served from the cache.
 * - `cacheWrite`: prompt tokens written to the cache (Anthropic cache_creation_input_tokens, OpenAI cache_write_tokens).
 * - `output`: all generated tokens, reasoning included (Gemini: candidates + thoughts).
 * - `reasoning`: the part of `output` spent on reasoning (informational; billed as output).
 * - `cacheWriteLong`: the part of `cacheWrite` written with the long TTL (Anthropic
 *   `cache_creation.ephemeral_1h_input_tokens`, billed at the 1-hour rate); absent when none.
 * Total prompt size = input + cacheRead + cacheWrite.
 */
export interface Usage {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  cacheWriteLong?: number;
}

export const ZERO_USAGE: Usage = Object.freeze({ input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  const long = (a.cacheWriteLong ?? 0) + (b.cacheWriteLong ?? 0);
  return {
    input: a.input + b.input,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
    output: a.output + b.output,
    reasoning: a.reasoning + b.reasoning,
    ...(long ? { cacheWriteLong: long } : {}),
  };
}

export function promptTokens(u: Usage): number {
  return u.input + u.cacheRead + u.cacheWrite;
}

export function totalTokens(u: Usage): number {
  return promptTokens(u) + u.output;
}
