import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseWith } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";

/**
 * The mock LLM server's script: what the "model" answers, turn by turn, on every protocol.
 * See docs/mock-script.md for the format with examples.
 *
 * Turn selection (how the mock knows which turn a request is at):
 * - "history" (default): the number of assistant turns already in the request's history (Responses: maximal runs of
 *   model-produced items; Messages/Chat: assistant messages; Gemini: model contents; stateful Responses: the turn of
 *   previous_response_id + 1). Deterministic under concurrency, retries and resume.
 * - "sequential": a global counter per model, advanced on every successful response.
 * A request past the last turn gets `after_last` (default: a plain "done" text turn).
 */

export const UsageSpecSchema = z.strictObject({
  /** Uncached input tokens (the mock converts to each protocol's own convention). */
  input: z.number().int().nonnegative().default(100),
  cache_read: z.number().int().nonnegative().default(0),
  cache_write: z.number().int().nonnegative().default(0),
  /**
   * Part of cache_write written with the long TTL (Anthropic `ephemeral_1h_input_tokens`, Responses
   * `ttl_12h_tokens`); the rest counts as the short TTL (5m / 30m). Default 0.
   */
  cache_write_long: z.number().int().nonnegative().optional(),
  output: z.number().int().nonnegative().default(20),
  /** Part of output spent reasoning. */
  reasoning: z.number().int().nonnegative().default(0),
  /** Optional provider-reported cost (Chat Completions `usage.cost`, OpenRouter-style). */
  cost: z.number().nonnegative().optional(),
});

export const FaultSchema = z.strictObject({
  /** HTTP status to answer instead of the turn (429, 500, 503, 529, 401, 403, 404, ...). */
  status: z.number().int().min(400).max(599).optional(),
  /** Error code/type in the protocol's error body (e.g. "insufficient_quota", "rate_limit_exceeded"). */
  code: z.string().optional(),
  message: z.string().optional(),
  retry_after_s: z.number().nonnegative().optional(),
  retry_after_ms: z.number().nonnegative().optional(),
  /**
   * Streamed responses: send exactly this many SSE events, then end the body without the protocol's terminal event
   * and close the connection.
   */
  cut_after_events: z.number().int().nonnegative().optional(),
  /**
   * Streamed responses: after this many SSE events, send the protocol's in-stream error (Responses `error` event or
   * `response.failed`, Anthropic `event: error`, Chat and Gemini a data chunk with a top-level `error`) and end the
   * stream. `status` (default 500; Anthropic 529, Gemini 503) picks the error's kind, `code`/`message` override it.
   * A non-streamed request gets that status as an HTTP error instead (Responses `response.failed`: a 200 Response
   * with `status: "failed"`).
   */
  error_after_events: z.number().int().nonnegative().optional(),
  /** Responses only: how `error_after_events` fails the stream. Default "error". */
  error_event: z.enum(["error", "response.failed"]).optional(),
  /** How many attempts at this turn fail before it succeeds; -1 = always. */
  times: z.number().int().min(-1).default(1),
});

export const ToolCallSpecSchema = z.strictObject({
  /**
   * Neutral tool name. If the request offers a function tool of that name, a function call is sent; otherwise the
   * mock maps known names to native tools the request offers: bash → OpenAI `shell_call` / Anthropic `bash`,
   * editor → Anthropic `str_replace_based_edit_tool`, apply_patch → OpenAI `apply_patch_call`, computer →
   * OpenAI `computer_call` / Anthropic `computer`.
   */
  name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).default({}),
  /** Send this exact argument text instead of JSON.stringify(arguments) (e.g. malformed JSON). */
  raw_arguments: z.string().optional(),
  id: z.string().optional(),
});

export const TurnSchema = z.strictObject({
  text: z.string().optional(),
  /**
   * Responses only: a commentary message sent before `text` (its own message item, `phase: "commentary"`), as
   * gpt-5.3-codex and later models send progress notes. Other protocols ignore it.
   */
  commentary: z.string().optional(),
  reasoning: z.string().optional(),
  tool_calls: z.array(ToolCallSpecSchema).default([]),
  usage: UsageSpecSchema.default({ input: 100, cache_read: 0, cache_write: 0, output: 20, reasoning: 0 }),
  /** Stop reason override: "max_tokens", "refusal", ... (default: tool_use when tool_calls, else end_turn). */
  stop: z.enum(["end_turn", "tool_use", "max_tokens", "refusal", "pause"]).optional(),
  /** Gemini only: send this `finishReason` instead of the one `stop` maps to (MALFORMED_RESPONSE, OTHER, …). */
  gemini_finish_reason: z.string().min(1).optional(),
  /**
   * Anthropic only: the message's `stop_details`, sent as given (default null), e.g. a refusal's
   * `{type: "refusal", category: "cyber", explanation: "…"}`.
   */
  anthropic_stop_details: z.record(z.string(), z.unknown()).optional(),
  fault: FaultSchema.optional(),
  /** Delay before each streamed delta (simulates token latency). */
  latency_ms_per_token: z.number().nonnegative().default(0),
  /** Delay before the first byte. */
  latency_ms: z.number().nonnegative().default(0),
});

const TrajectorySchema = z.strictObject({
  turns: z.array(TurnSchema).default([]),
  after_last: TurnSchema.optional(),
  /** A fault for every request to this model (e.g. 404 model not found, to test fallbacks). */
  fault: FaultSchema.optional(),
});

/**
 * A request rate the server enforces, as a provider does per key: a model request arriving when `requests` have
 * already been answered in the last `window_ms` gets a 429 rate-limit error (with `retry-after-ms` and
 * `retry-after`, or Gemini's RetryInfo) telling it to wait until the oldest of them leaves the window.
 */
export const RateLimitSchema = z.strictObject({
  requests: z.number().int().positive(),
  window_ms: z.number().int().positive().default(1000),
});

export const MockScriptSchema = z.strictObject({
  turn_selection: z.enum(["history", "sequential"]).default("history"),
  /**
   * Chat Completions: where streamed tool-call chunks carry the function name. "first" (default, OpenAI's own
   * style): only the first fragment; "every": the full name in every fragment, as some compatible servers do.
   */
  chat_tool_names: z.enum(["first", "every"]).default("first"),
  rate_limit: RateLimitSchema.optional(),
  turns: z.array(TurnSchema).default([]),
  after_last: TurnSchema.optional(),
  /** A fault for every request whose model has no `fault` of its own in `models`. */
  fault: FaultSchema.optional(),
  /** Per-model trajectories (keyed by the model id in the request); fall back to the top-level turns. */
  models: z.record(z.string(), TrajectorySchema).default({}),
});

export type MockScript = z.infer<typeof MockScriptSchema>;
export type Turn = z.infer<typeof TurnSchema>;
export type Fault = z.infer<typeof FaultSchema>;
export type ToolCallSpec = z.infer<typeof ToolCallSpecSchema>;
export type UsageSpec = z.infer<typeof UsageSpecSchema>;

export function parseMockScript(data: unknown, file = "<script>"): MockScript {
  return parseWith(MockScriptSchema, data, file, "see docs/mock-script.md for the script format");
}

export function loadMockScript(file: string): MockScript {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${file}: cannot read mock script: ${(err as Error).message}`, { file });
  }
  let data: unknown;
  try {
    data = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`, {
      file,
    });
  }
  return parseMockScript(data, file);
}
