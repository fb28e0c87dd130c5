import { deepSeekUsage, isDeepSeek } from "./chat-dialect.ts";
import { argumentsText, effectiveStop, type Rendered, type RenderInput, type StopKind } from "./render-types.ts";
import type { UsageSpec } from "./script.ts";
import { argChunks, type SseEvent, textChunks } from "./sse.ts";
import { isRecord } from "./turn-selection.ts";

/**
 * OpenAI-compatible Chat Completions rendering (PROTOCOLS.md §2). Streams bare `data:` chunks ending in
 * `data: [DONE]`; tool-call arguments arrive as fragments keyed by index, with id/name only in the first; with
 * `stream_options.include_usage` a final chunk carries `choices: []` and the usage. Reasoning goes in
 * `reasoning_content` (the vLLM / llama.cpp / DeepSeek field). A `deepseek-*` model gets DeepSeek's usage fields
 * (chat-dialect.ts); `chat_tool_names: every` repeats the id and name in every tool-call fragment.
 */

type Json = Record<string, unknown>;

function finishReason(stop: StopKind): string {
  switch (stop) {
    case "tool_use":
      return "tool_calls";
    case "max_tokens":
      return "length";
    case "end_turn":
    case "refusal":
    case "pause":
      return "stop";
    default: {
      const never: never = stop;
      throw new Error(`unknown stop ${String(never)}`);
    }
  }
}

/** prompt_tokens includes cached (and cache-write) tokens; completion_tokens includes reasoning. */
export function chatUsage(u: UsageSpec): Json {
  const prompt = u.input + u.cache_read + u.cache_write;
  const usage: Json = {
    prompt_tokens: prompt,
    completion_tokens: u.output,
    total_tokens: prompt + u.output,
    prompt_tokens_details: { cached_tokens: u.cache_read },
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  };
  if (u.cost !== undefined) usage.cost = u.cost;
  return usage;
}

export function renderChat(input: RenderInput): Rendered {
  const { turn, turnIndex, id, created, model } = input;
  const usageOf = (u: UsageSpec): Json => (isDeepSeek(model) ? deepSeekUsage(u) : chatUsage(u));
  const everyChunkNamed = input.style?.chatToolNames === "every";
  const finish = finishReason(effectiveStop(turn));
  const calls = turn.tool_calls.map((tc, i) => ({
    id: tc.id ?? `call_${turnIndex}_${i}`,
    type: "function",
    function: { name: tc.name, arguments: argumentsText(tc) },
  }));
  // A refusal comes in the message's own `refusal` field, with content null and finish_reason "stop".
  const refusal = effectiveStop(turn) === "refusal";
  const message: Json = refusal
    ? { role: "assistant", content: null, refusal: turn.text ?? "" }
    : { role: "assistant", content: turn.text ?? null, refusal: null };
  if (turn.reasoning !== undefined) message.reasoning_content = turn.reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  const json: Json = {
    id,
    object: "chat.completion",
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
    usage: usageOf(turn.usage),
    system_fingerprint: null,
  };

  // With include_usage every chunk carries `usage`: null on all but the final, choices-less one (openai SDK
  // `ChatCompletionStreamOptions.include_usage`).
  const so = input.body.stream_options;
  const includeUsage = isRecord(so) && so.include_usage === true;
  const chunk = (choices: Json[], extra: Json = {}): Json => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    system_fingerprint: null,
    choices,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const delta = (d: Json, finish_reason: string | null = null): Json => ({
    index: 0,
    delta: d,
    logprobs: null,
    finish_reason,
  });
  const first = refusal ? { role: "assistant", content: null, refusal: "" } : { role: "assistant", content: "" };
  const events: SseEvent[] = [{ data: chunk([delta(first)]) }];
  for (const piece of textChunks(turn.reasoning ?? "")) {
    events.push({ data: chunk([delta({ reasoning_content: piece })]), delta: true });
  }
  for (const piece of textChunks(turn.text ?? "")) {
    events.push({ data: chunk([delta(refusal ? { refusal: piece } : { content: piece })]), delta: true });
  }
  calls.forEach((call, index) => {
    argChunks(call.function.arguments).forEach((args, n) => {
      const fragment =
        n === 0
          ? { index, id: call.id, type: "function", function: { name: call.function.name, arguments: args } }
          : everyChunkNamed
            ? { index, id: call.id, type: "function", function: { name: call.function.name, arguments: args } }
            : { index, function: { arguments: args } };
      events.push({ data: chunk([delta({ tool_calls: [fragment] })]), delta: true });
    });
  });
  events.push({ data: chunk([delta({}, finish)]) });
  if (includeUsage) events.push({ data: chunk([], { usage: usageOf(turn.usage) }) });
  events.push({ data: "[DONE]" });
  return { json, events };
}
