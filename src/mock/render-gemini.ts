import { enforcesThoughtSignatures } from "./gemini-params.ts";
import { effectiveStop, opaque, type Rendered, type RenderInput, type StopKind } from "./render-types.ts";
import type { UsageSpec } from "./script.ts";
import { type SseEvent, textChunks } from "./sse.ts";

/**
 * Gemini generateContent rendering (PROTOCOLS.md §4). Function calls carry args as an object and an `id`; the first
 * functionCall part of a turn carries a `thoughtSignature` (Gemini 3 requires it to be round-tripped). Scripted
 * reasoning becomes a `thought: true` text part. Streaming: each SSE `data:` is a full GenerateContentResponse;
 * no `event:` lines, no [DONE]. Usage arrives on every chunk (cumulative), as the real API does.
 */

type Json = Record<string, unknown>;

function finishReason(stop: StopKind): string {
  switch (stop) {
    case "max_tokens":
      return "MAX_TOKENS";
    case "refusal":
      return "SAFETY";
    case "end_turn":
    case "tool_use":
    case "pause":
      return "STOP";
    default: {
      const never: never = stop;
      throw new Error(`unknown stop ${String(never)}`);
    }
  }
}

/**
 * promptTokenCount includes cached tokens; candidatesTokenCount excludes thoughts. The per-modality details are all
 * TEXT (the mock has no other modality).
 */
export function geminiUsage(u: UsageSpec): Json {
  const prompt = u.input + u.cache_read + u.cache_write;
  const text = (tokenCount: number): Json[] => [{ modality: "TEXT", tokenCount }];
  const usage: Json = {
    promptTokenCount: prompt,
    candidatesTokenCount: u.output - u.reasoning,
    totalTokenCount: prompt + u.output,
    promptTokensDetails: text(prompt),
    candidatesTokensDetails: text(u.output - u.reasoning),
  };
  if (u.cache_read > 0) {
    usage.cachedContentTokenCount = u.cache_read;
    usage.cacheTokensDetails = text(u.cache_read);
  }
  if (u.reasoning > 0) usage.thoughtsTokenCount = u.reasoning;
  return usage;
}

/** A malformed `raw_arguments` cannot be an args object; Gemini then gets {} (use another protocol for that fault). */
function argsObject(raw: string | undefined, args: Record<string, unknown>): unknown {
  if (raw === undefined) return args;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return {};
  }
}

export function renderGemini(input: RenderInput): Rendered {
  const { turn, turnIndex, id, model } = input;
  const finish = turn.gemini_finish_reason ?? finishReason(effectiveStop(turn));
  const usage = geminiUsage(turn.usage);
  const callParts: Json[] = turn.tool_calls.map((tc, i) => {
    const part: Json = {
      functionCall: {
        name: tc.name,
        args: argsObject(tc.raw_arguments, tc.arguments),
        id: tc.id ?? `call_${turnIndex}_${i}`,
      },
    };
    if (i === 0) part.thoughtSignature = opaque("", id, 0, "base64");
    return part;
  });
  const thoughtPart = turn.reasoning === undefined ? undefined : { text: turn.reasoning, thought: true };
  // Gemini 3 also signs the last part of an answer without function calls (thought-signatures docs); it arrives on
  // the last streamed text chunk.
  const textSignature =
    enforcesThoughtSignatures(model) && callParts.length === 0 && turn.text ? opaque("", id, 0, "base64") : undefined;
  const sign = (p: Json): Json => (textSignature ? { ...p, thoughtSignature: textSignature } : p);
  const parts: Json[] = [
    ...(thoughtPart ? [thoughtPart] : []),
    ...(turn.text === undefined ? [] : [sign({ text: turn.text })]),
    ...callParts,
  ];
  const response = (p: Json[], finishReason: string | undefined): Json => ({
    candidates: [
      {
        content: { role: "model", parts: p },
        ...(finishReason === undefined ? {} : { finishReason }),
        index: 0,
      },
    ],
    usageMetadata: usage,
    modelVersion: model,
    responseId: id,
  });
  const json = response(parts, finish);

  const texts = textChunks(turn.text ?? "");
  const chunks: Json[][] = [
    ...textChunks(turn.reasoning ?? "").map((text) => [{ text, thought: true }]),
    ...texts.map((text, i) => [i === texts.length - 1 ? sign({ text }) : { text }]),
    ...callParts.map((part) => [part]),
  ];
  if (chunks.length === 0) chunks.push([{ text: "" }]);
  const events: SseEvent[] = chunks.map((p, i) => ({
    data: response(p, i === chunks.length - 1 ? finish : undefined),
    delta: true,
  }));
  return { json, events };
}
