import type { AssistantMessage, ModelRef, ReasoningPart, TextPart, ToolCall } from "../core/messages.ts";
import { normalizeServiceTier, type StreamEvent } from "../core/model.ts";
import type { StopReason } from "../core/stop-reason.ts";
import type { Usage } from "../core/usage.ts";
import type { NativeBinding } from "./anthropic-messages-tools.ts";

/**
 * Anthropic Messages SSE events → neutral stream events. Pure and lenient: every field is read defensively, so
 * both the 2023-06-01 shapes (message_delta usage carries only output_tokens) and the 2026-10-21 shapes (cumulative
 * usage with nulls, output_tokens_details) parse.
 */

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {};
}
function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Raw usage counters as last reported; message_delta values are cumulative and replace message_start's. */
export interface AnthropicUsageCounters {
  input?: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** cache_creation.ephemeral_1h_input_tokens: the part of cacheWrite billed at the 1-hour rate. */
  cacheWriteLong?: number;
  output?: number;
  thinking?: number;
  /** usage.service_tier: "standard" | "priority" | "batch". */
  serviceTier?: string;
}

/** Folds one wire `usage` object into the counters (null / absent fields keep the previous value). */
export function mergeAnthropicUsage(prev: AnthropicUsageCounters, usage: unknown): AnthropicUsageCounters {
  const u = rec(usage);
  const next = { ...prev };
  const set = (key: Exclude<keyof AnthropicUsageCounters, "serviceTier">, v: unknown) => {
    const n = num(v);
    if (n !== undefined) next[key] = n;
  };
  set("input", u.input_tokens);
  set("cacheRead", u.cache_read_input_tokens);
  set("cacheWrite", u.cache_creation_input_tokens);
  set("output", u.output_tokens);
  set("thinking", rec(u.output_tokens_details).thinking_tokens);
  set("cacheWriteLong", rec(u.cache_creation).ephemeral_1h_input_tokens);
  if (typeof u.service_tier === "string") next.serviceTier = u.service_tier;
  return next;
}

/** Anthropic input_tokens already excludes cache reads and writes, so the fields map one to one. */
export function mapAnthropicUsage(c: AnthropicUsageCounters): Usage {
  return {
    input: c.input ?? 0,
    cacheRead: c.cacheRead ?? 0,
    cacheWrite: c.cacheWrite ?? 0,
    output: c.output ?? 0,
    reasoning: c.thinking ?? 0,
    ...(c.cacheWriteLong ? { cacheWriteLong: c.cacheWriteLong } : {}),
  };
}

export function mapAnthropicStopReason(reason: string | null | undefined, hasToolCalls: boolean): StopReason {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
      return "end_turn";
    case "tool_use":
      return "tool_use";
    case "max_tokens":
      return "max_tokens";
    case "pause_turn":
      return "pause";
    case "refusal":
      return "refusal";
    case "model_context_window_exceeded":
      return "context_overflow";
    default:
      // A server that never sent message_delta leaves stop_reason null.
      return hasToolCalls ? "tool_use" : "end_turn";
  }
}

/** `stop_reason refusal`, with the category and explanation of its stop_details when the API sent them. */
function refusalDetail(details: Record<string, unknown>): string {
  const category = str(details.category);
  const explanation = str(details.explanation);
  return `stop_reason refusal${category ? ` (${category})` : ""}${explanation ? `: ${explanation}` : ""}`;
}

/** Tool input JSON → arguments; malformed text becomes `argumentsError` for a recoverable tool error. */
export function parseToolInput(json: string, fallback: unknown): Pick<ToolCall, "arguments" | "argumentsError"> {
  if (json.trim() === "") return { arguments: rec(fallback) };
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return { arguments: parsed as Rec };
    return { arguments: {}, argumentsError: `tool input must be a JSON object, got: ${json.slice(0, 200)}` };
  } catch (err) {
    return {
      arguments: {},
      argumentsError: `tool input is not valid JSON (${(err as Error).message}): ${json.slice(0, 200)}`,
    };
  }
}

type Block =
  | { kind: "text"; text: string }
  | { kind: "thinking"; text: string; signature: string }
  | { kind: "redacted"; data: string }
  | { kind: "tool"; id: string; wireName: string; input: unknown; json: string }
  /** Server-side blocks (server_tool_use, web_search_tool_result, compaction, unknown types), replayed verbatim. */
  | { kind: "opaque"; item: Rec; json: string };

export interface AnthropicStreamState {
  /** Handles one parsed SSE event; returns the neutral events it produces. */
  push(event: unknown): StreamEvent[];
  /** True once message_stop arrived. */
  readonly finished: boolean;
  /** True once message_start arrived. */
  readonly started: boolean;
  /** The final `done` event (valid once finished). */
  done(): Extract<StreamEvent, { type: "done" }>;
}

export function createAnthropicStreamState(opts: {
  natives: Map<string, NativeBinding>;
  modelRef: ModelRef;
  requestId?: string;
}): AnthropicStreamState {
  const blocks = new Map<number, Block>();
  let usage: AnthropicUsageCounters = {};
  let stopReason: string | null | undefined;
  let stopDetails: Record<string, unknown> = {};
  let started = false;
  let finished = false;

  const toolName = (wireName: string) => opts.natives.get(wireName)?.neutralName ?? wireName;

  function startBlock(index: number, cb: Rec): StreamEvent[] {
    switch (cb.type) {
      case "text": {
        const text = str(cb.text) ?? "";
        blocks.set(index, { kind: "text", text });
        return text ? [{ type: "text_delta", text }] : [];
      }
      case "thinking": {
        const text = str(cb.thinking) ?? "";
        blocks.set(index, { kind: "thinking", text, signature: str(cb.signature) ?? "" });
        return text ? [{ type: "reasoning_delta", text }] : [];
      }
      case "redacted_thinking":
        blocks.set(index, { kind: "redacted", data: str(cb.data) ?? "" });
        return [];
      case "tool_use": {
        const id = str(cb.id) ?? `toolu_${index}`;
        const wireName = str(cb.name) ?? "";
        blocks.set(index, { kind: "tool", id, wireName, input: cb.input, json: "" });
        return [{ type: "tool_call_start", id, name: toolName(wireName) }];
      }
      default:
        // server_tool_use, web_search_tool_result, compaction, ...: kept verbatim for replay.
        blocks.set(index, { kind: "opaque", item: { ...cb }, json: "" });
        return [];
    }
  }

  function delta(index: number, d: Rec): StreamEvent[] {
    const block = blocks.get(index);
    if (!block) return [];
    switch (d.type) {
      case "text_delta": {
        const text = str(d.text) ?? "";
        if (block.kind !== "text" || text === "") return [];
        block.text += text;
        return [{ type: "text_delta", text }];
      }
      case "thinking_delta": {
        const text = str(d.thinking) ?? "";
        if (block.kind !== "thinking" || text === "") return [];
        block.text += text;
        return [{ type: "reasoning_delta", text }];
      }
      case "signature_delta":
        if (block.kind === "thinking") block.signature += str(d.signature) ?? "";
        return [];
      case "input_json_delta": {
        const part = str(d.partial_json) ?? "";
        // server_tool_use streams its input too; it must be replayed with it (the API rejects an altered block).
        if (block.kind === "opaque") block.json += part;
        if (block.kind !== "tool" || part === "") return [];
        block.json += part;
        return [{ type: "tool_call_delta", id: block.id, delta: part }];
      }
      case "compaction_delta":
        if (block.kind === "opaque") Object.assign(block.item, { ...d, type: block.item.type });
        return [];
      default:
        return [];
    }
  }

  function message(): AssistantMessage {
    const content: AssistantMessage["content"] = [];
    for (const index of [...blocks.keys()].sort((a, b) => a - b)) {
      const b = blocks.get(index)!;
      switch (b.kind) {
        case "text":
          if (b.text !== "") content.push({ type: "text", text: b.text } satisfies TextPart);
          break;
        case "thinking":
          content.push({
            type: "reasoning",
            text: b.text,
            protocol: "anthropic-messages",
            // No signature (a proxy that strips them): readable only, dropped on replay.
            ...(b.signature ? { payload: { signature: b.signature } } : {}),
          } satisfies ReasoningPart);
          break;
        case "redacted":
          content.push({ type: "reasoning", text: "", protocol: "anthropic-messages", payload: { redacted: b.data } });
          break;
        case "tool": {
          const native = opts.natives.get(b.wireName);
          const call: ToolCall = {
            type: "tool_call",
            id: b.id,
            name: toolName(b.wireName),
            ...parseToolInput(b.json, b.input),
          };
          if (native) call.native = native.kind;
          content.push(call);
          break;
        }
        case "opaque": {
          const item = { ...b.item };
          if (b.json.trim() !== "") {
            const parsed = parseToolInput(b.json, item.input);
            if (parsed.argumentsError === undefined) item.input = parsed.arguments;
          }
          content.push({ type: "opaque", protocol: "anthropic-messages", item });
          break;
        }
      }
    }
    return { role: "assistant", content, model: opts.modelRef };
  }

  return {
    get finished() {
      return finished;
    },
    get started() {
      return started;
    },
    push(event) {
      const ev = rec(event);
      switch (ev.type) {
        case "message_start": {
          const m = rec(ev.message);
          started = true;
          usage = mergeAnthropicUsage(usage, m.usage);
          const model = str(m.model) ?? opts.modelRef.id;
          return [{ type: "start", model, ...(opts.requestId ? { requestId: opts.requestId } : {}) }];
        }
        case "content_block_start":
          return startBlock(num(ev.index) ?? blocks.size, rec(ev.content_block));
        case "content_block_delta":
          return delta(num(ev.index) ?? 0, rec(ev.delta));
        case "message_delta":
          stopReason = str(rec(ev.delta).stop_reason) ?? stopReason;
          stopDetails = rec(rec(ev.delta).stop_details);
          usage = mergeAnthropicUsage(usage, ev.usage);
          return [];
        case "message_stop":
          finished = true;
          return [];
        default:
          // ping, content_block_stop, unknown future events.
          return [];
      }
    },
    done() {
      const msg = message();
      const hasCalls = msg.content.some((p) => p.type === "tool_call");
      return {
        type: "done",
        message: msg,
        stopReason: mapAnthropicStopReason(stopReason, hasCalls),
        ...(stopReason === "refusal" ? { stopDetail: refusalDetail(stopDetails) } : {}),
        usage: mapAnthropicUsage(usage),
        ...(normalizeServiceTier(usage.serviceTier) ? { serviceTier: normalizeServiceTier(usage.serviceTier)! } : {}),
      };
    },
  };
}
