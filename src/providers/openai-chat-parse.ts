import type { AssistantMessage, ModelRef, ToolCall } from "../core/messages.ts";
import { normalizeServiceTier, type StreamEvent } from "../core/model.ts";
import type { StopReason } from "../core/stop-reason.ts";
import type { Usage } from "../core/usage.ts";

/**
 * Chat Completions stream chunks → neutral stream events (PROTOCOLS §2): tool-call fragments accumulated by index,
 * reasoning read from `reasoning_content` / `reasoning` deltas or inline `<think>` blocks, usage and finish_reason
 * mapped. Pure and lenient: every field is read defensively.
 */

type Json = Record<string, unknown>;

/** providerData key on a ReasoningPart read from Chat Completions: the delta field it arrived in. */
export const REASONING_FIELD = "field";

function rec(v: unknown): Json | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
}
function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

export function mapChatStop(finish: string | undefined, hasCalls: boolean): StopReason {
  switch (finish) {
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "length":
      return "max_tokens";
    case "content_filter":
      return "refusal";
    default:
      // Ollama and some vLLM versions report "stop" even when the turn ended in tool calls.
      return hasCalls ? "tool_use" : "end_turn";
  }
}

/**
 * A delta's content as (reasoning?, text) pieces. Usually a string; Mistral sends arrays of
 * `{type:"text", text}` and `{type:"thinking", thinking:[{type:"text", text}]}` parts.
 */
function contentPieces(content: unknown): Array<{ thinking: boolean; text: string }> {
  if (typeof content === "string") return content ? [{ thinking: false, text: content }] : [];
  if (!Array.isArray(content)) return [];
  const out: Array<{ thinking: boolean; text: string }> = [];
  for (const raw of content) {
    const part = rec(raw);
    if (part?.type === "text" && typeof part.text === "string" && part.text) {
      out.push({ thinking: false, text: part.text });
    } else if (part?.type === "thinking") {
      const inner = Array.isArray(part.thinking) ? part.thinking : [part.thinking];
      const t = inner.map((x) => (typeof x === "string" ? x : (rec(x)?.text ?? ""))).join("");
      if (typeof t === "string" && t) out.push({ thinking: true, text: t });
    }
  }
  return out;
}

/**
 * prompt_tokens includes cached (and, on OpenRouter, cache-write) tokens; completion includes reasoning. DeepSeek
 * reports its cache in its own fields, `prompt_cache_hit_tokens` + `prompt_cache_miss_tokens` = prompt_tokens
 * (api-docs.deepseek.com, context caching guide); a hit is read as a cache read whichever field carries it.
 */
export function mapChatUsage(u: unknown): Usage {
  const usage = rec(u) ?? {};
  const pd = rec(usage.prompt_tokens_details) ?? {};
  const cd = rec(usage.completion_tokens_details) ?? {};
  const cacheRead = Math.max(num(pd.cached_tokens), num(usage.prompt_cache_hit_tokens));
  const cacheWrite = num(pd.cache_write_tokens);
  return {
    input: Math.max(0, num(usage.prompt_tokens) - cacheRead - cacheWrite),
    cacheRead,
    cacheWrite,
    output: num(usage.completion_tokens),
    reasoning: num(cd.reasoning_tokens),
  };
}

/** Splits streamed content on <think>…</think>, holding back a partial tag at a chunk boundary. */
export class ThinkSplitter {
  private inThink = false;
  private held = "";
  push(chunk: string): Array<{ reasoning: boolean; text: string }> {
    let text = this.held + chunk;
    this.held = "";
    const out: Array<{ reasoning: boolean; text: string }> = [];
    while (text) {
      const tag = this.inThink ? "</think>" : "<think>";
      const i = text.indexOf(tag);
      if (i >= 0) {
        if (i > 0) out.push({ reasoning: this.inThink, text: text.slice(0, i) });
        this.inThink = !this.inThink;
        text = text.slice(i + tag.length);
        continue;
      }
      let keep = 0;
      for (let k = Math.min(tag.length - 1, text.length); k > 0; k--) {
        if (tag.startsWith(text.slice(text.length - k))) {
          keep = k;
          break;
        }
      }
      if (text.length > keep) out.push({ reasoning: this.inThink, text: text.slice(0, text.length - keep) });
      this.held = text.slice(text.length - keep);
      text = "";
    }
    return out;
  }
  flush(): Array<{ reasoning: boolean; text: string }> {
    const t = this.held;
    this.held = "";
    return t ? [{ reasoning: this.inThink, text: t }] : [];
  }
}

interface PendingCall {
  id: string;
  name: string;
  args: string;
  started: boolean;
}

export interface ChatParser {
  push(chunk: unknown): StreamEvent[];
  /** Held-back text deltas, then the final `done` event — or no `done` when no finish_reason arrived (a cut stream). */
  finish(responseId?: string): { tail: StreamEvent[]; done?: StreamEvent };
}

export function createChatParser(model: ModelRef): ChatParser {
  let text = "";
  let reasoning = "";
  /** The delta field the reasoning arrived in (replayed in the same field; see chatMessages). */
  let reasoningField: string | undefined;
  let finishReason: string | undefined;
  let usage: Usage | undefined;
  let cost: number | undefined;
  let serviceTier: string | undefined;
  let id: string | undefined;
  let refused = false;
  const calls = new Map<number, PendingCall>();
  const think = new ThinkSplitter();

  const emitText = (pieces: Array<{ reasoning: boolean; text: string }>): StreamEvent[] =>
    pieces.map((p) => {
      if (p.reasoning) {
        reasoning += p.text;
        return { type: "reasoning_delta", text: p.text };
      }
      text += p.text;
      return { type: "text_delta", text: p.text };
    });

  return {
    push(raw) {
      const chunk = rec(raw);
      if (!chunk) return [];
      const events: StreamEvent[] = [];
      // Some proxies open with a placeholder chunk whose id is "".
      if (typeof chunk.id === "string" && chunk.id) id ??= chunk.id;
      if (typeof chunk.service_tier === "string") serviceTier = normalizeServiceTier(chunk.service_tier);
      if (chunk.usage) {
        usage = mapChatUsage(chunk.usage);
        const c = rec(chunk.usage)?.cost;
        if (typeof c === "number") cost = c;
      }
      const choice = rec(Array.isArray(chunk.choices) ? chunk.choices[0] : undefined);
      const delta = rec(choice?.delta) ?? {};
      // vLLM/llama.cpp/DeepSeek/xAI: reasoning_content; Ollama/OpenRouter: reasoning. Servers in transition send
      // both with the same text, so one field is read per delta.
      const fromContent = typeof delta.reasoning_content === "string" && delta.reasoning_content !== "";
      const r = fromContent
        ? (delta.reasoning_content as string)
        : typeof delta.reasoning === "string"
          ? delta.reasoning
          : "";
      if (r) {
        reasoningField ??= fromContent ? "reasoning_content" : "reasoning";
        reasoning += r;
        events.push({ type: "reasoning_delta", text: r });
      }
      for (const piece of contentPieces(delta.content)) {
        if (piece.thinking) {
          reasoning += piece.text;
          events.push({ type: "reasoning_delta", text: piece.text });
        } else events.push(...emitText(think.push(piece.text)));
      }
      // OpenAI Chat refusals arrive in their own field; they are the answer's text (stop reason: refusal).
      if (typeof delta.refusal === "string" && delta.refusal) {
        refused = true;
        events.push(...emitText([{ reasoning: false, text: delta.refusal }]));
      }
      for (const tc of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
        const frag = rec(tc) ?? {};
        const index = typeof frag.index === "number" ? frag.index : calls.size;
        const fn = rec(frag.function) ?? {};
        let call = calls.get(index);
        if (!call) {
          call = { id: "", name: "", args: "", started: false };
          calls.set(index, call);
        }
        if (typeof frag.id === "string" && frag.id && !call.started) call.id = frag.id;
        // The name is taken once, as the official SDK's accumulator does: some compatible servers repeat the full
        // name in every chunk, and appending would make "bashbash".
        if (typeof fn.name === "string" && fn.name && !call.name) call.name = fn.name;
        if (!call.started && call.name) {
          // Some servers never send an id; one is made up so the result can echo it.
          call.id ||= `call_${index}_${Math.random().toString(36).slice(2, 10)}`;
          call.started = true;
          events.push({ type: "tool_call_start", id: call.id, name: call.name });
        }
        if (typeof fn.arguments === "string" && fn.arguments) {
          call.args += fn.arguments;
          if (call.started) events.push({ type: "tool_call_delta", id: call.id, delta: fn.arguments });
        }
      }
      if (typeof choice?.finish_reason === "string") finishReason = choice.finish_reason;
      return events;
    },
    finish(responseId) {
      const tail = emitText(think.flush());
      if (finishReason === undefined) return { tail };
      const message: AssistantMessage = { role: "assistant", content: [], model };
      if (reasoning) {
        message.content.push({
          type: "reasoning",
          text: reasoning,
          protocol: "openai-chat",
          ...(reasoningField ? { payload: { [REASONING_FIELD]: reasoningField } } : {}),
        });
      }
      if (text) message.content.push({ type: "text", text });
      for (const [, c] of [...calls.entries()].sort((a, b) => a[0] - b[0])) {
        const call: ToolCall = { type: "tool_call", id: c.id, name: c.name, arguments: {} };
        try {
          const parsed: unknown = c.args.trim() ? JSON.parse(c.args) : {};
          if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) call.arguments = parsed as Json;
          else call.argumentsError = "arguments must be a JSON object";
        } catch (err) {
          call.argumentsError = `arguments are not valid JSON (${(err as Error).message}): ${c.args.slice(0, 200)}`;
        }
        if (call.argumentsError) call.providerData = { rawArguments: c.args };
        message.content.push(call);
      }
      const rid = responseId ?? id;
      const done: StreamEvent = {
        type: "done",
        message,
        stopReason: refused && calls.size === 0 ? "refusal" : mapChatStop(finishReason, calls.size > 0),
        usage: usage ?? { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 },
      };
      if (done.stopReason === "refusal") {
        done.stopDetail = refused ? "the message's refusal field" : `finish_reason ${finishReason}`;
      }
      if (rid) done.responseId = rid;
      if (cost !== undefined) done.providerCostUsd = cost;
      if (serviceTier) done.serviceTier = serviceTier;
      return { tail, done };
    },
  };
}
