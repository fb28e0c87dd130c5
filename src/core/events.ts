import type { AssistantMessage, Message, ModelRef, ToolCall, ToolResult } from "./messages.ts";
import type { ReasoningLevel } from "./model.ts";
import type { StopReason } from "./stop-reason.ts";
import type { Usage } from "./usage.ts";

/**
 * The run event stream: one schema for every provider. The transcript (transcript.jsonl), `--json` output,
 * the TTY renderer, the bench and the ledger all consume these. Every event carries the run id, a sequence
 * number, the step and an ISO timestamp (added by the emitter).
 */
export type EndState =
  | "done"
  | "error"
  | "provider_error"
  /** The model refused or the provider filtered its answer (stop reason `refusal`); the message names the reason. */
  | "refused"
  | "budget_exhausted"
  | "step_limit"
  | "loop_guard"
  | "timeout"
  | "denied"
  | "aborted"
  /** The loop ended, but the run's end could not write its review (diff, review.json): nothing can be applied yet. */
  | "review_failed";

export const END_STATE_EXIT: Record<EndState, number> = {
  done: 0,
  error: 1,
  provider_error: 3,
  budget_exhausted: 4,
  step_limit: 5,
  loop_guard: 6,
  timeout: 7,
  denied: 8,
  aborted: 130,
  review_failed: 9,
  refused: 10,
};

export interface CostBreakdown {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  total: number;
  /** false when the model has no known price: the cost is unknown, not zero. */
  priced: boolean;
  /**
   * The price tier the call was billed at, when not the standard one: a service tier ("flex", "priority",
   * "batch"), "long-context" (the prompt was above the catalog's threshold), or both ("flex+long-context").
   * A service tier the catalog has no rate for is priced at standard rates and says so ("scale (standard rates)").
   */
  tier?: string;
}

export type RunEventBody =
  | {
      type: "run_started";
      task: string;
      model: ModelRef;
      workspace: string;
      sandbox: string;
      limits: Record<string, number | undefined>;
      /** The resolved system prompt (for snapshotting what the model sees). */
      system?: string;
      /** MCP tools offered: how many, and the o200k tokens their definitions add to every request. */
      mcp?: { tools: number; tokens: number };
      /** The reasoning level asked for (`--reasoning`, `[run] reasoning`); absent = the model's default. */
      reasoning?: ReasoningLevel;
    }
  | {
      type: "model_request";
      model: ModelRef;
      messages: number;
      tools: string[];
      attempt: number;
      /** The request's output cap, when a budget, token limit or per-response limit set one. */
      maxOutputTokens?: number;
      /** What the budget held back for this call: its worst case (prompt bound + capped output) in USD. */
      reserveUsd?: number;
    }
  | {
      type: "model_response";
      model: ModelRef;
      message: AssistantMessage;
      stopReason: StopReason;
      /** The provider's own reason for a stop that is not a plain end (a refusal's finishReason, …). */
      stopDetail?: string;
      usage: Usage;
      cost: CostBreakdown;
      providerCostUsd?: number;
      /** The service tier the provider says served the call, when not the standard one (flex, priority, batch …). */
      serviceTier?: string;
      latency: { ttftMs?: number; totalMs: number; outputTokensPerSecond?: number };
    }
  | { type: "retry"; model: ModelRef; attempt: number; delayMs: number; error: string }
  | { type: "fallback"; from: ModelRef; to: ModelRef; reason: string }
  | {
      type: "tool_call";
      /** As the provider sent it (native tools keep their wire shape: openai.shell `{commands}`, …). */
      call: ToolCall;
      /** The same arguments in the tool's own shape (`{command}`, `{command, path, …}`): one form for every provider. */
      normalized?: Record<string, unknown>;
    }
  | { type: "approval"; tool: string; summary: string; decision: "allowed" | "denied"; by: "policy" | "user" | "rule" }
  | { type: "tool_result"; result: ToolResult; durationMs: number }
  | { type: "checkpoint"; name: string; passed: boolean; output?: string }
  | {
      type: "compaction";
      method: "native" | "summary";
      droppedMessages: number;
      note: string;
      messages?: Message[];
      /** Tokens the compaction itself used (a summary turn or a /responses/compact call), when known. */
      usage?: Usage;
      cost?: CostBreakdown;
    }
  | { type: "warning"; code: string; message: string }
  /** `run --continue`: the user's follow-up message on a finished run; the run goes on from here. */
  | { type: "follow_up"; text: string }
  | {
      type: "final";
      endState: EndState;
      exitCode: number;
      message: string;
      steps: number;
      usage: Usage;
      cost: CostBreakdown;
      durationMs: number;
      /** With --budget-usd or --max-tokens: the limits, what was spent and the largest reserve held for one call. */
      budget?: { limitUsd?: number; maxTokens?: number; spentUsd: number; largestReserveUsd: number };
    };

export type RunEvent = RunEventBody & { runId: string; seq: number; step: number; ts: string };

export type RunEventType = RunEventBody["type"];
