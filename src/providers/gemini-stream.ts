import { randomUUID } from "node:crypto";
import { ProviderError } from "../core/errors.ts";
import type { AssistantMessage, ModelRef, ToolCall } from "../core/messages.ts";
import { normalizeServiceTier, type StreamEvent } from "../core/model.ts";
import type { StopReason } from "../core/stop-reason.ts";
import type { Usage } from "../core/usage.ts";
import { GENERATED_ID, MALFORMED_CALL, TEXT_SIGNATURE } from "./gemini-request.ts";

/**
 * Gemini stream chunks → neutral stream events. Each chunk is a whole GenerateContentResponse holding only the new
 * parts; usageMetadata is the running total for the request (the last one wins). Pure and lenient (fields are read
 * defensively) so recorded chunks and SDK objects parse alike.
 */

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {};
}
function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}
function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/**
 * PROTOCOLS §4: promptTokenCount includes cached tokens; candidatesTokenCount excludes thoughts. The prompt tokens of
 * server-side tool results (toolUsePromptTokenCount) are billed as input too.
 */
/** usageMetadata.serviceTier ("standard" | "flex" | "priority"; Gemini API only). */
function tierOf(metadata: unknown): string | undefined {
  const m = metadata && typeof metadata === "object" ? (metadata as Record<string, unknown>) : {};
  return normalizeServiceTier(m.serviceTier);
}

export function mapGeminiUsage(metadata: unknown): Usage {
  const u = rec(metadata);
  const cached = num(u.cachedContentTokenCount);
  const thoughts = num(u.thoughtsTokenCount);
  return {
    input: Math.max(0, num(u.promptTokenCount) - cached) + num(u.toolUsePromptTokenCount),
    cacheRead: cached,
    cacheWrite: 0,
    output: num(u.candidatesTokenCount) + thoughts,
    reasoning: thoughts,
  };
}

const REFUSALS = new Set([
  "SAFETY",
  "RECITATION",
  "PROHIBITED_CONTENT",
  "BLOCKLIST",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "LANGUAGE",
]);

/** The finish reasons for which the model tried to call a tool and no usable functionCall came back. */
export const MALFORMED_FINISH = new Set(["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"]);

/**
 * Finish reasons that end a response without a usable answer, where asking again may well succeed (FinishReason
 * enum, ai.google.dev API reference / @google/genai types): MALFORMED_RESPONSE "the response was malformed", OTHER
 * "all other reasons", IMAGE_OTHER "image generation stopped for a reason not otherwise specified", NO_IMAGE "the
 * model was expected to generate an image, but none was generated". The stream ends with a retryable error, so the
 * turn is re-run and, if it keeps failing, the run ends as a provider error — never `done` on a truncated answer.
 */
export const RETRYABLE_FINISH = new Set(["MALFORMED_RESPONSE", "OTHER", "IMAGE_OTHER", "NO_IMAGE"]);

/**
 * Gemini has no tool-use finish reason: STOP with function calls means the model wants them run. Besides
 * RETRYABLE_FINISH (not a stop reason; see finishError):
 * - CONTINUATION: "the response reached the per-request token limit, but generation is not yet complete" → pause
 *   (the agent asks for the rest);
 * - TOO_MANY_TOOL_CALLS without calls: the model was stopped mid-work → incomplete (the agent asks it to go on);
 * - an unknown reason is not taken as a clean end either → incomplete.
 */
export function mapGeminiFinishReason(reason: string | undefined, hasToolCalls: boolean): StopReason {
  if (hasToolCalls) return reason === "MAX_TOKENS" ? "max_tokens" : "tool_use";
  if (reason === undefined || reason === "STOP" || reason === "FINISH_REASON_UNSPECIFIED") return "end_turn";
  if (reason === "MAX_TOKENS") return "max_tokens";
  if (REFUSALS.has(reason)) return "refusal";
  if (MALFORMED_FINISH.has(reason)) return "tool_use";
  if (reason === "CONTINUATION") return "pause";
  return "incomplete";
}

/** The retryable error a RETRYABLE_FINISH response ends with (undefined for any other reason). */
export function finishError(
  reason: string | undefined,
  message: string | undefined,
  provider: string,
): ProviderError | undefined {
  if (reason === undefined || !RETRYABLE_FINISH.has(reason)) return undefined;
  return new ProviderError(
    "server",
    `${provider}: the response ended with finishReason ${reason}${message ? `: ${message}` : ""}`,
    {
      provider,
      retryable: true,
    },
  );
}

/**
 * A call the model failed to form. It becomes a ToolCall with `argumentsError` so the agent answers it with a
 * recoverable tool error; the request builder turns that answer into user text (there is no functionCall to answer).
 * finishMessage looks like "Malformed function call: print(default_api.bash(command=...))".
 */
export function malformedCall(reason: string, finishMessage: string | undefined, known: string[]): ToolCall {
  const named =
    finishMessage?.match(/default_api\.([A-Za-z0-9_-]+)\s*\(/)?.[1] ??
    finishMessage?.match(/call:([A-Za-z0-9_-]+)/)?.[1];
  const name = named && known.includes(named) ? named : (named ?? "malformed_function_call");
  const detail = finishMessage ? `: ${finishMessage}` : "";
  return {
    type: "tool_call",
    id: `malformed_${randomUUID()}`,
    name,
    arguments: {},
    argumentsError: `${reason}: the function call could not be parsed${detail}. Call the function again with valid JSON arguments that match its schema.`,
    providerData: { [MALFORMED_CALL]: true },
  };
}

export interface GeminiStreamState {
  push(chunk: unknown): StreamEvent[];
  /** True once a chunk with a finishReason (or a prompt block) arrived. */
  readonly finished: boolean;
  readonly started: boolean;
  done(): Extract<StreamEvent, { type: "done" }>;
  /** How the stream ends: `done`, or a retryable error for a RETRYABLE_FINISH response. */
  outcome(provider: string): Extract<StreamEvent, { type: "done" | "error" }>;
}

type Piece =
  | { kind: "text"; text: string; signature?: string }
  | { kind: "thought"; text: string; signature?: string }
  | { kind: "call"; call: ToolCall };

export function createGeminiStreamState(opts: {
  modelRef: ModelRef;
  requestId?: string;
  /** Declared function names (to name a malformed call when the finish message says which one it was). */
  toolNames: string[];
  newId?: () => string;
}): GeminiStreamState {
  const pieces: Piece[] = [];
  let started = false;
  let finished = false;
  let finishReason: string | undefined;
  let finishMessage: string | undefined;
  let blockReason: string | undefined;
  /** The refusal as Gemini said it: the prompt's blockReason, or the candidate's finishReason and finishMessage. */
  const refusalDetail = () =>
    blockReason !== undefined
      ? `promptFeedback.blockReason ${blockReason}`
      : `finishReason ${finishReason}${finishMessage ? `: ${finishMessage}` : ""}`;
  let usage: unknown;
  const newId = opts.newId ?? (() => `call_${randomUUID()}`);

  /**
   * Streamed text arrives in many parts; unsigned ones of the same kind are joined. A part with a signature is never
   * merged with another, signed or not (thought-signatures docs: "Don't merge Parts with signatures and Parts without
   * signatures … never combine two Parts that both contain signatures"): each is replayed as it came.
   */
  function addText(kind: "text" | "thought", text: string, signature: string | undefined): void {
    const last = pieces.at(-1);
    if (last && last.kind === kind && !signature && !last.signature) last.text += text;
    else pieces.push({ kind, text, ...(signature ? { signature } : {}) });
  }

  function part(p: Rec): StreamEvent[] {
    const signature = str(p.thoughtSignature);
    const fc = rec(p.functionCall);
    if (p.functionCall !== undefined) {
      const serverId = str(fc.id);
      const id = serverId || newId();
      const args = rec(fc.args);
      const call: ToolCall = { type: "tool_call", id, name: str(fc.name) ?? "", arguments: args };
      const providerData: Rec = {};
      if (signature) providerData.thoughtSignature = signature;
      if (!serverId) providerData[GENERATED_ID] = true;
      if (Object.keys(providerData).length > 0) call.providerData = providerData;
      pieces.push({ kind: "call", call });
      return [
        { type: "tool_call_start", id, name: call.name },
        { type: "tool_call_delta", id, delta: JSON.stringify(args) },
      ];
    }
    const text = str(p.text);
    if (text === undefined) return [];
    if (p.thought === true) {
      addText("thought", text, signature);
      return text ? [{ type: "reasoning_delta", text }] : [];
    }
    addText("text", text, signature);
    return text ? [{ type: "text_delta", text }] : [];
  }

  function message(): AssistantMessage {
    const content: AssistantMessage["content"] = [];
    for (const piece of pieces) {
      if (piece.kind === "call") content.push(piece.call);
      else if (piece.kind === "thought") {
        content.push({
          type: "reasoning",
          text: piece.text,
          protocol: "gemini",
          ...(piece.signature ? { payload: { thoughtSignature: piece.signature } } : {}),
        });
      } else {
        // A signature on a text part travels as an empty reasoning part just before the text (see gemini-request.ts).
        if (piece.signature) {
          content.push({
            type: "reasoning",
            text: "",
            protocol: "gemini",
            payload: { thoughtSignature: piece.signature, [TEXT_SIGNATURE]: true },
          });
        }
        if (piece.text !== "" || piece.signature) content.push({ type: "text", text: piece.text });
      }
    }
    if (
      finishReason !== undefined &&
      MALFORMED_FINISH.has(finishReason) &&
      !content.some((p) => p.type === "tool_call")
    ) {
      content.push(malformedCall(finishReason, finishMessage, opts.toolNames));
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
    push(chunk) {
      const c = rec(chunk);
      const out: StreamEvent[] = [];
      if (!started) {
        started = true;
        const model = str(c.modelVersion) ?? opts.modelRef.id;
        out.push({ type: "start", model, ...(opts.requestId ? { requestId: opts.requestId } : {}) });
      }
      if (c.usageMetadata !== undefined) usage = c.usageMetadata;
      const candidate = rec(Array.isArray(c.candidates) ? c.candidates[0] : undefined);
      const parts = rec(candidate.content).parts;
      if (Array.isArray(parts)) for (const p of parts) out.push(...part(rec(p)));
      const reason = str(candidate.finishReason);
      if (reason !== undefined) {
        finishReason = reason;
        finishMessage = str(candidate.finishMessage) ?? finishMessage;
        finished = true;
      }
      // A blocked prompt comes back with promptFeedback.blockReason and no candidates.
      const blocked = str(rec(c.promptFeedback).blockReason);
      if (blocked !== undefined && !Array.isArray(c.candidates)) {
        finishReason = "SAFETY";
        finishMessage = `prompt blocked: ${blocked}`;
        blockReason = blocked;
        finished = true;
      }
      return out;
    },
    outcome(provider) {
      const error = finishError(finishReason, finishMessage, provider);
      return error ? { type: "error", error } : this.done();
    },
    done() {
      const msg = message();
      const hasCalls = msg.content.some((p) => p.type === "tool_call");
      return {
        type: "done",
        message: msg,
        stopReason: mapGeminiFinishReason(finishReason, hasCalls),
        ...(REFUSALS.has(finishReason ?? "") && !hasCalls ? { stopDetail: refusalDetail() } : {}),
        usage: mapGeminiUsage(usage),
        ...(tierOf(usage) ? { serviceTier: tierOf(usage)! } : {}),
      };
    },
  };
}
