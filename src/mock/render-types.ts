import type { ToolCallSpec, Turn } from "./script.ts";
import type { SseEvent } from "./sse.ts";

/** Everything a protocol renderer needs to turn one scripted Turn into that protocol's response. */
export interface RenderInput {
  turn: Turn;
  /** 0-based turn index (used in deterministic ids such as `call_<turn>_<i>`). */
  turnIndex: number;
  model: string;
  /** The parsed request body. */
  body: Record<string, unknown>;
  /** Unique id of this response (resp_…, msg_…, chatcmpl-…). */
  id: string;
  /** Unix seconds. */
  created: number;
  /** Script-wide wire style choices (docs/mock-script.md). */
  style?: { chatToolNames?: "first" | "every" };
}

/** One turn rendered both ways; the server sends `json` for non-streaming requests and `events` otherwise. */
export interface Rendered {
  json: Record<string, unknown>;
  events: SseEvent[];
}

export type StopKind = NonNullable<Turn["stop"]>;

/** The turn's stop reason: explicit `stop`, else tool_use when it has tool calls, else end_turn. */
export function effectiveStop(turn: Turn): StopKind {
  return turn.stop ?? (turn.tool_calls.length > 0 ? "tool_use" : "end_turn");
}

/** The argument text sent on the wire: `raw_arguments` verbatim (may be malformed JSON), else JSON. */
export function argumentsText(tc: ToolCallSpec): string {
  return tc.raw_arguments ?? JSON.stringify(tc.arguments);
}

/**
 * Deterministic opaque strings (reasoning signatures, encrypted content) derived from the response id. `base64`:
 * standard alphabet with padding, the form a protobuf bytes field (Gemini's thoughtSignature) takes in JSON — some
 * clients keep only a signature of that form.
 */
export function opaque(prefix: string, id: string, i = 0, encoding: "base64url" | "base64" = "base64url"): string {
  return `${prefix}${Buffer.from(`${id}:${i}`).toString(encoding)}`;
}
