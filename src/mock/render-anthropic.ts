import { anthropicCompactionDue } from "./compaction.ts";
import { anthropicToolName } from "./native-tools.ts";
import {
  argumentsText,
  effectiveStop,
  opaque,
  type Rendered,
  type RenderInput,
  type StopKind,
} from "./render-types.ts";
import type { UsageSpec } from "./script.ts";
import { argChunks, type SseEvent, textChunks } from "./sse.ts";
import { encodeCompaction } from "./turn-selection.ts";

/**
 * Anthropic Messages rendering (PROTOCOLS.md §3.3–3.4). Every SSE event has an `event:` line (the SDK drops data
 * without one). message_start carries the prompt usage and output_tokens 1; message_delta the stop reason and the
 * cumulative usage; message_stop ends the stream.
 */

type Json = Record<string, unknown>;

function stopReason(stop: StopKind): string {
  return stop === "pause" ? "pause_turn" : stop;
}

/**
 * input_tokens EXCLUDES cache reads and writes (the opposite of OpenAI). Cache writes split by TTL:
 * `cache_write_long` at 1h, the rest at 5m. `output_tokens_details.thinking_tokens` is sent when the turn reasons
 * (null otherwise, as the API does for non-thinking requests).
 */
export function anthropicUsage(u: UsageSpec, opts: { outputTokens?: number; thinking?: boolean } = {}): Json {
  const long = Math.min(u.cache_write_long ?? 0, u.cache_write);
  const thinking = opts.thinking ?? u.reasoning > 0;
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cache_write,
    cache_read_input_tokens: u.cache_read,
    cache_creation: { ephemeral_5m_input_tokens: u.cache_write - long, ephemeral_1h_input_tokens: long },
    output_tokens: opts.outputTokens ?? u.output,
    output_tokens_details: thinking ? { thinking_tokens: u.reasoning } : null,
    server_tool_use: null,
    service_tier: "standard",
    inference_geo: null,
  };
}

/** Tool input for the non-streamed message: malformed `raw_arguments` cannot be an object, so it becomes {}. */
function inputObject(raw: string | undefined, args: Record<string, unknown>): unknown {
  if (raw === undefined) return args;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return {};
  }
}

export function renderAnthropic(input: RenderInput): Rendered {
  const { turn, turnIndex, id, model, body } = input;
  const stop_reason = stopReason(effectiveStop(turn));
  const stopDetails = turn.anthropic_stop_details ?? null;
  const blocks: Json[] = [];
  const signature = opaque("sig_", id);
  const thinking = turn.reasoning !== undefined || turn.usage.reasoning > 0;
  // Server-side compaction (beta compact_20260112) runs first: its block opens the message and records the turns it
  // replaced, so history-mode turn selection keeps counting when the client drops what came before it.
  const compaction = anthropicCompactionDue(body)
    ? {
        type: "compaction",
        content: `Summary of the conversation so far (${turnIndex} assistant turns).`,
        encrypted_content: encodeCompaction(turnIndex),
      }
    : undefined;
  if (compaction) blocks.push(compaction);
  if (turn.reasoning !== undefined) blocks.push({ type: "thinking", thinking: turn.reasoning, signature });
  if (turn.text !== undefined) blocks.push({ type: "text", text: turn.text, citations: null });
  const argTexts: string[] = [];
  turn.tool_calls.forEach((tc, i) => {
    argTexts.push(argumentsText(tc));
    blocks.push({
      type: "tool_use",
      id: tc.id ?? `toolu_${turnIndex}_${i}`,
      name: anthropicToolName(tc.name, body.tools),
      input: inputObject(tc.raw_arguments, tc.arguments),
    });
  });
  const message = (content: Json[], stop: string | null, usage: Json): Json => ({
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    stop_details: stopDetails,
    container: null,
    usage,
  });
  const json = message(blocks, stop_reason, anthropicUsage(turn.usage, { thinking }));

  const events: SseEvent[] = [];
  const emit = (type: string, payload: Json, delta = false): void => {
    events.push({ event: type, data: { type, ...payload }, delta });
  };
  emit("message_start", { message: message([], null, anthropicUsage(turn.usage, { outputTokens: 1, thinking })) });
  emit("ping", {});
  let toolIndex = 0;
  blocks.forEach((block, index) => {
    switch (block.type) {
      case "compaction":
        emit("content_block_start", {
          index,
          content_block: { type: "compaction", content: null, encrypted_content: null },
        });
        // One delta carries the block's final value (the SDK assigns, not appends).
        emit("content_block_delta", {
          index,
          delta: { type: "compaction_delta", content: block.content, encrypted_content: block.encrypted_content },
        });
        break;
      case "thinking":
        emit("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } });
        for (const thinking of textChunks(turn.reasoning ?? "")) {
          emit("content_block_delta", { index, delta: { type: "thinking_delta", thinking } }, true);
        }
        emit("content_block_delta", { index, delta: { type: "signature_delta", signature } });
        break;
      case "text":
        emit("content_block_start", { index, content_block: { type: "text", text: "", citations: null } });
        for (const text of textChunks(turn.text ?? "")) {
          emit("content_block_delta", { index, delta: { type: "text_delta", text } }, true);
        }
        break;
      default: {
        emit("content_block_start", { index, content_block: { ...block, input: {} } });
        for (const partial_json of argChunks(argTexts[toolIndex] ?? "{}")) {
          emit("content_block_delta", { index, delta: { type: "input_json_delta", partial_json } }, true);
        }
        toolIndex++;
      }
    }
    emit("content_block_stop", { index });
  });
  emit("message_delta", {
    delta: { stop_reason, stop_sequence: null, ...(stopDetails ? { stop_details: stopDetails } : {}) },
    usage: anthropicUsage(turn.usage, { thinking }),
  });
  emit("message_stop", {});
  return { json, events };
}
