import type { RunEventBody } from "../core/events.ts";
import type { Message, ToolCall, ToolResult } from "../core/messages.ts";
import type { ModelClient, Price, ToolDefinition } from "../core/model.ts";
import type { Tool, ToolContext } from "../core/tool.ts";
import type { Usage } from "../core/usage.ts";
import type { LoopApprovals } from "./approve.ts";

/** What runLoop takes (src/agent/loop.ts): its dependencies, limits and the state a resume carries over. */
export interface LoopLimits {
  maxSteps: number;
  /** Prompt + output tokens over the whole run. */
  maxTokens?: number;
  budgetUsd?: number;
  timeoutMs?: number;
  /**
   * Tool calls over the whole run; checked before each model call, so the calls of the turn that reaches it all
   * run (MCP-Atlas's max_tool_calls: its harness stops before the next model call). Ends the run `step_limit`.
   */
  maxToolCalls?: number;
  /** Output tokens one response may have (sent as the request's max output tokens). */
  maxResponseTokens?: number;
  /** Bytes one streamed response may carry before it is stopped (default 4 MiB). */
  maxResponseBytes?: number;
  /** Wall time one response may take, from the request to its end (default 15 minutes). */
  responseTimeoutMs?: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 15 * 60 * 1000;

export interface CheckpointOutcome {
  name: string;
  command: string;
  passed: boolean;
  /** Tail of the combined output. */
  output: string;
}

/** State carried over from earlier steps when resuming a run. */
export interface LoopPrior {
  steps: number;
  usage: Usage;
  /** Prompt + output tokens of the last model response (the next prompt is at least this). */
  lastContextTokens?: number;
  /** Number of history messages the last response accounted for. */
  measuredMessages?: number;
  budgetWarned?: boolean;
}

export interface LoopDeps {
  client: ModelClient;
  tools: Tool[];
  toolContext: ToolContext;
  system: string;
  task: string;
  limits: LoopLimits;
  /** USD per 1M tokens, overriding the catalog price of the model that answers each turn (tests). */
  price?: Price;
  /** Receives every event with the step it belongs to. */
  emit: (event: RunEventBody, step: number) => void;
  clock?: () => number;
  signal?: AbortSignal;
  /** Resume: the conversation so far (replaces the initial task message). */
  history?: Message[];
  prior?: LoopPrior;
  approvals?: LoopApprovals;
  /** Called at the start of each step, after the limit checks, before the model call. */
  onStep?: (step: number, messages: readonly Message[]) => void | Promise<void>;
  /** Re-runs of a turn whose stream failed with a retryable error after the client's own retries (default 2). */
  turnRetries?: number;
  /** Compact when the estimated prompt exceeds this share of the context window (default 0.8). */
  compactAt?: number;
  /** Tool definitions as the model sees them (default: derived from each tool's zod schema). */
  definitions?: ToolDefinition[];
  /**
   * Spec checkpoints, run by the caller: "step" after each step's tool calls, "end" when the model wants to finish.
   * A failed checkpoint is shown to the model, which must make it pass (the run goes on, within its limits).
   */
  checkpoints?: (phase: "step" | "end", signal: AbortSignal) => Promise<CheckpointOutcome[]>;
  /** Replaces the tool dispatcher (default: tools/executeToolCall). */
  execute?: (tools: Tool[], call: ToolCall, ctx: ToolContext) => Promise<ToolResult>;
  /** Rewrites the history before each model call (e.g. limitScreenshots: only the newest screenshots stay). */
  transformHistory?: (messages: readonly Message[]) => Message[];
}

/** The budget part of the limits, as the final event reports it. */
export function budgetLimits(limits: LoopLimits): { limitUsd?: number; maxTokens?: number } {
  return {
    ...(limits.budgetUsd === undefined ? {} : { limitUsd: limits.budgetUsd }),
    ...(limits.maxTokens === undefined ? {} : { maxTokens: limits.maxTokens }),
  };
}
