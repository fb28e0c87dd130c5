import type { AssistantMessage, ModelRef, NativeKind, ToolCall } from "../core/messages.ts";
import type { StreamEvent } from "../core/model.ts";
import { normalizeServiceTier } from "../core/model.ts";
import type { StopReason } from "../core/stop-reason.ts";
import type { Usage } from "../core/usage.ts";
import { errorFromCode } from "./http-error.ts";
import type { Json } from "./openai-responses-convert.ts";

/**
 * Pure parsing of a Responses SSE stream (PROTOCOLS §1.3–1.5) into neutral StreamEvents. Deltas become
 * text/reasoning/tool-call deltas as they arrive; the final message is built from `response.completed`'s `output`
 * (or, if a server leaves it empty, from the `output_item.done` items seen).
 */

function rec(v: unknown): Json | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** PROTOCOLS §1.4: input_tokens includes cached and cache-write tokens; output_tokens includes reasoning. */
export function mapResponsesUsage(u: unknown): Usage {
  const usage = rec(u) ?? {};
  const inDetails = rec(usage.input_tokens_details) ?? {};
  const outDetails = rec(usage.output_tokens_details) ?? {};
  const cacheRead = num(inDetails.cached_tokens);
  const cacheWrite = num(inDetails.cache_write_tokens);
  return {
    input: Math.max(0, num(usage.input_tokens) - cacheRead - cacheWrite),
    cacheRead,
    cacheWrite,
    output: num(usage.output_tokens),
    reasoning: num(outDetails.reasoning_tokens),
  };
}

export function mapResponsesStop(
  status: string | undefined,
  incompleteReason: string | undefined,
  msg: AssistantMessage,
): StopReason {
  if (status === "incomplete") {
    if (incompleteReason === "content_filter") return "refusal";
    return "max_tokens";
  }
  if (status === "cancelled") return "aborted";
  if (status === "failed") return "error";
  if (msg.content.some((p) => p.type === "tool_call")) return "tool_use";
  return "end_turn";
}

const NATIVE_ITEM: Record<string, NativeKind> = {
  shell_call: "openai.shell",
  apply_patch_call: "openai.apply_patch",
  computer_call: "openai.computer",
};

export interface ParseContext {
  provider: string;
  model: ModelRef;
  /** Native kind → neutral tool name (from the request's tools). */
  nativeNames: Map<NativeKind, string>;
}

function parseArguments(raw: string): { args: Json; error?: string } {
  if (raw.trim() === "") return { args: {} };
  try {
    const v: unknown = JSON.parse(raw);
    const r = rec(v);
    if (r) return { args: r };
    return { args: {}, error: `arguments must be a JSON object, got ${JSON.stringify(v).slice(0, 80)}` };
  } catch (err) {
    return { args: {}, error: `arguments are not valid JSON (${(err as Error).message}): ${raw.slice(0, 200)}` };
  }
}

/** One output item → neutral parts; `refusal` is set when the message carried a refusal. */
export function outputItemToParts(
  item: Json,
  ctx: ParseContext,
): { parts: AssistantMessage["content"]; refusal: boolean } {
  const type = str(item.type);
  const id = str(item.id);
  switch (type) {
    case "message": {
      let refusal = false;
      const parts: AssistantMessage["content"] = [];
      // Each message item stays its own input message on replay, with its `phase` (commentary / final_answer):
      // "for models like gpt-5.3-codex and beyond … preserve and resend phase on all assistant messages — dropping it
      // can degrade performance" (openai SDK EasyInputMessage.phase, Responses API reference).
      const phase = str(item.phase);
      const providerData = { protocol: "openai-responses", ...(id ? { itemId: id } : {}), ...(phase ? { phase } : {}) };
      for (const c of Array.isArray(item.content) ? item.content : []) {
        const part = rec(c);
        if (part?.type === "output_text" && str(part.text)) {
          parts.push({ type: "text", text: part.text as string, providerData });
        }
        if (part?.type === "refusal") {
          refusal = true;
          parts.push({ type: "text", text: str(part.refusal) ?? "", providerData });
        }
      }
      return { parts, refusal };
    }
    case "reasoning": {
      const summary = Array.isArray(item.summary) ? item.summary : [];
      const content = Array.isArray(item.content) ? item.content : [];
      const text =
        summary.map((s) => str(rec(s)?.text) ?? "").join("\n\n") ||
        content.map((s) => str(rec(s)?.text) ?? "").join("");
      const payload: Json = { id, summary };
      if (str(item.encrypted_content)) payload.encrypted_content = item.encrypted_content;
      return { parts: [{ type: "reasoning", text, protocol: "openai-responses", payload }], refusal: false };
    }
    case "function_call": {
      const raw = str(item.arguments) ?? "";
      const { args, error } = parseArguments(raw);
      const call: ToolCall = {
        type: "tool_call",
        id: str(item.call_id) ?? id ?? "",
        name: str(item.name) ?? "",
        arguments: args,
        providerData: { itemId: id, ...(error ? { rawArguments: raw } : {}) },
      };
      if (error) call.argumentsError = error;
      return { parts: [call], refusal: false };
    }
    case "shell_call":
    case "apply_patch_call":
    case "computer_call": {
      const native = NATIVE_ITEM[type] as NativeKind;
      let args: Json;
      if (type === "shell_call") args = rec(item.action) ?? {};
      else if (type === "apply_patch_call") args = rec(item.operation) ?? {};
      else {
        args = Array.isArray(item.actions) ? { actions: item.actions } : { ...(rec(item.action) ?? {}) };
        const checks = Array.isArray(item.pending_safety_checks) ? item.pending_safety_checks : [];
        if (checks.length) args.pending_safety_checks = checks;
      }
      const call: ToolCall = {
        type: "tool_call",
        id: str(item.call_id) ?? id ?? "",
        name: ctx.nativeNames.get(native) ?? type.replace(/_call$/, ""),
        arguments: args,
        native,
        providerData: { itemId: id },
      };
      return { parts: [call], refusal: false };
    }
    default:
      // compaction and hosted-tool items are replayed verbatim to this protocol.
      return { parts: [{ type: "opaque", protocol: "openai-responses", item }], refusal: false };
  }
}

export interface ResponsesParser {
  /** Feed one SSE payload; returns the events it produces (possibly a terminal `done` or `error`). */
  push(ev: unknown): StreamEvent[];
  /** True once a terminal event was produced. */
  readonly finished: boolean;
  readonly sawContent: boolean;
}

export function createResponsesParser(ctx: ParseContext): ResponsesParser {
  let finished = false;
  let sawContent = false;
  let responseId: string | undefined;
  const doneItems = new Map<number, Json>();
  const callIds = new Map<string, string>(); // item id → call id
  const callByIndex = new Map<number, string>();

  const content = (e: StreamEvent): StreamEvent => {
    sawContent = true;
    return e;
  };

  const finish = (response: Json): StreamEvent[] => {
    finished = true;
    const output =
      Array.isArray(response.output) && response.output.length
        ? response.output
        : [...doneItems.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
    const message: AssistantMessage = { role: "assistant", content: [], model: ctx.model };
    let refusal = false;
    for (const it of output) {
      const item = rec(it);
      if (!item) continue;
      const r = outputItemToParts(item, ctx);
      message.content.push(...r.parts);
      refusal ||= r.refusal;
    }
    const id = str(response.id) ?? responseId;
    if (id) message.responseId = id;
    const status = str(response.status);
    const incompleteReason = str(rec(response.incomplete_details)?.reason);
    let stopReason = mapResponsesStop(status, incompleteReason, message);
    const filtered = stopReason === "refusal";
    if (refusal && stopReason === "end_turn") stopReason = "refusal";
    const done: StreamEvent = { type: "done", message, stopReason, usage: mapResponsesUsage(response.usage) };
    if (stopReason === "refusal") {
      done.stopDetail = filtered ? `incomplete_details.reason ${incompleteReason}` : "a refusal content part";
    }
    if (id) done.responseId = id;
    // The tier that actually served the call (it may differ from the one asked for); it sets the price.
    const tier = normalizeServiceTier(response.service_tier);
    if (tier) done.serviceTier = tier;
    return [done];
  };

  const push = (raw: unknown): StreamEvent[] => {
    const ev = rec(raw);
    if (!ev || finished) return [];
    const type = str(ev.type) ?? "";
    switch (type) {
      case "response.created":
      case "response.in_progress":
        responseId ??= str(rec(ev.response)?.id);
        return [];
      case "response.output_item.added": {
        const item = rec(ev.item) ?? {};
        const itype = str(item.type) ?? "";
        const callId = str(item.call_id) ?? str(item.id);
        if ((itype === "function_call" || itype in NATIVE_ITEM) && callId) {
          if (str(item.id)) callIds.set(item.id as string, callId);
          callByIndex.set(num(ev.output_index), callId);
          const name =
            itype === "function_call"
              ? (str(item.name) ?? "")
              : (ctx.nativeNames.get(NATIVE_ITEM[itype] as NativeKind) ?? itype.replace(/_call$/, ""));
          return [content({ type: "tool_call_start", id: callId, name })];
        }
        return [];
      }
      case "response.function_call_arguments.delta": {
        const id = callIds.get(str(ev.item_id) ?? "") ?? callByIndex.get(num(ev.output_index));
        const delta = str(ev.delta);
        return id && delta ? [content({ type: "tool_call_delta", id, delta })] : [];
      }
      case "response.output_text.delta":
      case "response.refusal.delta": {
        const delta = str(ev.delta);
        return delta ? [content({ type: "text_delta", text: delta })] : [];
      }
      case "response.reasoning_summary_text.delta":
      case "response.reasoning_text.delta": {
        const delta = str(ev.delta);
        return delta ? [content({ type: "reasoning_delta", text: delta })] : [];
      }
      case "response.output_item.done": {
        const item = rec(ev.item);
        if (item) doneItems.set(num(ev.output_index), item);
        return [];
      }
      case "response.compaction.compacting":
        return [{ type: "compaction", note: "provider compacted the context (context_management)" }];
      case "response.completed":
      case "response.incomplete":
        return finish(rec(ev.response) ?? {});
      case "response.failed": {
        finished = true;
        const err = rec(rec(ev.response)?.error) ?? {};
        return [
          {
            type: "error",
            error: errorFromCode(str(err.code) ?? "server_error", str(err.message) ?? "response failed", ctx.provider),
          },
        ];
      }
      case "error": {
        finished = true;
        // Documented as top-level {code, message}; servers also send {error: {type, code, message}}.
        const inner = rec(ev.error) ?? {};
        const code = str(ev.code) ?? str(inner.code) ?? str(inner.type) ?? "";
        const message = str(ev.message) ?? str(inner.message) ?? "stream error";
        return [{ type: "error", error: errorFromCode(code, message, ctx.provider) }];
      }
      default:
        return [];
    }
  };

  return {
    push,
    get finished() {
      return finished;
    },
    get sawContent() {
      return sawContent;
    },
  };
}
