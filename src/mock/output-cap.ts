import type { RouteKind } from "./routes.ts";
import type { Turn } from "./script.ts";
import { isRecord } from "./turn-selection.ts";

/**
 * The request's cap on output tokens, as each API names it: Responses `max_output_tokens`, Chat Completions
 * `max_completion_tokens` (or the older `max_tokens`), Anthropic `max_tokens`, Gemini
 * `generationConfig.maxOutputTokens` (proto name `generation_config.max_output_tokens` too).
 */
export function requestedOutputCap(kind: RouteKind, body: Record<string, unknown>): number | undefined {
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  switch (kind) {
    case "responses":
      return num(body.max_output_tokens);
    case "chat":
      return num(body.max_completion_tokens) ?? num(body.max_tokens);
    case "messages":
      return num(body.max_tokens);
    case "gemini": {
      const config = body.generationConfig ?? body.generation_config;
      return isRecord(config) ? (num(config.maxOutputTokens) ?? num(config.max_output_tokens)) : undefined;
    }
    case "compact":
      return undefined;
  }
}

/**
 * A turn as a real server answers when its scripted output is over the request's cap: generation stops at the
 * cap, so the output tokens are the cap, the stop reason is max_tokens (Responses `incomplete`, Chat `length`,
 * Gemini `MAX_TOKENS`), the text is cut (about 4 characters a token) and tool calls that had not finished are
 * not delivered. A turn within the cap is returned as it is.
 */
export function capTurn(turn: Turn, cap: number | undefined): Turn {
  if (cap === undefined || turn.usage.output <= cap) return turn;
  const keep = Math.max(0, Math.floor(cap * 4));
  const reasoning = Math.min(turn.usage.reasoning, cap);
  const out: Turn = {
    ...turn,
    tool_calls: [],
    usage: { ...turn.usage, output: cap, reasoning },
    stop: "max_tokens",
  };
  if (turn.text !== undefined) out.text = turn.text.slice(0, keep);
  if (turn.reasoning !== undefined) out.reasoning = turn.reasoning.slice(0, keep);
  return out;
}
