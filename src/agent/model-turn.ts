import { errorMessage, ProviderError } from "../core/errors.ts";
import type { Message, ModelRef } from "../core/messages.ts";
import type { StreamEvent, ToolDefinition } from "../core/model.ts";
import type { Usage } from "../core/usage.ts";
import type { LoopDeps } from "./loop.ts";

export type TurnOutcome =
  | (Extract<StreamEvent, { type: "done" }> & {
      latency: { ttftMs?: number; totalMs: number; outputTokensPerSecond?: number };
    })
  | { type: "error"; error: ProviderError };

/**
 * Output tokens per second over the streaming phase: from the first streamed delta (text, reasoning or a tool
 * call) to the last one. The tokens are the response's output tokens minus the reasoning tokens when no reasoning
 * was streamed (hidden reasoning, e.g. OpenAI's, is generated before the first delta and belongs to TTFT).
 * Undefined when fewer than two deltas arrived (a single chunk has no measurable rate) or no output was counted.
 */
export function streamRate(clock: () => number) {
  let first: number | undefined;
  let last: number | undefined;
  let deltas = 0;
  let reasoningStreamed = false;
  return {
    see(ev: StreamEvent): void {
      if (
        ev.type !== "text_delta" &&
        ev.type !== "reasoning_delta" &&
        ev.type !== "tool_call_start" &&
        ev.type !== "tool_call_delta"
      ) {
        return;
      }
      if (ev.type === "reasoning_delta") reasoningStreamed = true;
      const now = clock();
      first ??= now;
      last = now;
      deltas++;
    },
    tokensPerSecond(usage: Usage): number | undefined {
      if (first === undefined || last === undefined || deltas < 2 || last <= first) return undefined;
      const tokens = usage.output - (reasoningStreamed ? 0 : usage.reasoning);
      if (tokens <= 0) return undefined;
      return Math.round((tokens / ((last - first) / 1000)) * 10) / 10;
    },
  };
}

/** Caps on one response: the request's max output tokens (a budget's reserve) and what the stream may carry. */
export interface TurnCaps {
  maxOutputTokens?: number;
  /** Worst-case cost of the call at that cap, reported on the model_request event. */
  reserveUsd?: number;
  /** Bytes of streamed text, reasoning and tool-call arguments before the response is stopped. */
  maxBytes: number;
  /** Wall time from the request to the end of the response. */
  timeoutMs: number;
}

/**
 * One model turn, re-run up to `turnRetries` times when the stream ends with a retryable error. A response that
 * passes `caps.maxBytes` or `caps.timeoutMs` (a model that never stops, a server that ignores the output cap) is
 * aborted and ends the turn with a non-retryable error: re-asking would most likely do it again, at a cost.
 */
export async function modelTurn(
  deps: LoopDeps,
  messages: Message[],
  tools: ToolDefinition[],
  signal: AbortSignal,
  step: number,
  getModel: () => ModelRef,
  setModel: (m: ModelRef) => void,
  caps: TurnCaps,
): Promise<TurnOutcome> {
  const clock = deps.clock ?? Date.now;
  const retries = deps.turnRetries ?? 2;
  for (let attempt = 1; ; attempt++) {
    deps.emit(
      {
        type: "model_request",
        model: getModel(),
        messages: messages.length,
        tools: tools.map((t) => t.name),
        attempt,
        ...(caps.maxOutputTokens === undefined ? {} : { maxOutputTokens: caps.maxOutputTokens }),
        ...(caps.reserveUsd === undefined ? {} : { reserveUsd: caps.reserveUsd }),
      },
      step,
    );
    const t0 = clock();
    let ttft: number | undefined;
    const rate = streamRate(clock);
    let error: ProviderError | undefined;
    const limit = new AbortController();
    let over: string | undefined;
    const stop = (why: string) => {
      over ??= why;
      limit.abort();
    };
    const timer = setTimeout(
      () => stop(`the response took longer than ${Math.round(caps.timeoutMs / 1000)} s (run.response_timeout_s)`),
      caps.timeoutMs,
    );
    let bytes = 0;
    try {
      for await (const ev of deps.client.stream({
        system: deps.system,
        messages,
        tools,
        signal: AbortSignal.any([signal, limit.signal]),
        ...(caps.maxOutputTokens === undefined ? {} : { maxOutputTokens: caps.maxOutputTokens }),
      })) {
        if (ttft === undefined && (ev.type === "text_delta" || ev.type === "tool_call_start")) ttft = clock() - t0;
        rate.see(ev);
        if (ev.type === "text_delta" || ev.type === "reasoning_delta") bytes += Buffer.byteLength(ev.text);
        else if (ev.type === "tool_call_delta") bytes += Buffer.byteLength(ev.delta);
        if (bytes > caps.maxBytes) {
          stop(`the response passed ${caps.maxBytes} bytes (run.max_response_bytes)`);
          break;
        }
        if (ev.type === "done") {
          const tps = rate.tokensPerSecond(ev.usage);
          return {
            ...ev,
            latency: {
              ...(ttft === undefined ? {} : { ttftMs: ttft }),
              totalMs: clock() - t0,
              ...(tps === undefined ? {} : { outputTokensPerSecond: tps }),
            },
          };
        }
        if (ev.type === "error") error = ev.error;
        else if (ev.type === "retry") {
          deps.emit(
            {
              type: "retry",
              model: ev.model ?? getModel(),
              attempt: ev.attempt,
              delayMs: ev.delayMs,
              error: ev.error.message,
            },
            step,
          );
        } else if (ev.type === "fallback") {
          setModel(ev.to);
          deps.emit({ type: "fallback", from: ev.from, to: ev.to, reason: ev.reason }, step);
        } else if (ev.type === "compaction") {
          deps.emit({ type: "compaction", method: "native", droppedMessages: 0, note: ev.note }, step);
        }
      }
    } catch (err) {
      error =
        err instanceof ProviderError
          ? err
          : new ProviderError("protocol", errorMessage(err), { provider: deps.client.model.provider, cause: err });
    } finally {
      clearTimeout(timer);
    }
    if (over !== undefined && !signal.aborted) {
      const limitError = new ProviderError("protocol", `stopped: ${over}`, {
        provider: deps.client.model.provider,
        retryable: false,
        hint: "raise the limit in switchyard.toml [run] if such long answers are expected",
      });
      return { type: "error", error: limitError };
    }
    error ??= new ProviderError("protocol", "the model stream ended without a response", {
      provider: deps.client.model.provider,
      retryable: true,
    });
    if (!error.retryable || attempt > retries || signal.aborted) return { type: "error", error };
    deps.emit({ type: "retry", model: getModel(), attempt, delayMs: 0, error: `turn re-run: ${error.message}` }, step);
  }
}
