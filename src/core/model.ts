import type { ProviderError } from "./errors.ts";
import type { AssistantMessage, Message, ModelRef, NativeKind, Protocol } from "./messages.ts";
import type { StopReason } from "./stop-reason.ts";
import type { Usage } from "./usage.ts";

/** USD per 1M tokens. A missing field means "unknown", never $0. */
export interface Price {
  input: number;
  cachedInput?: number;
  cacheWrite?: number;
  /** Cache writes with the long TTL (Anthropic's 1-hour cache, 2x input); absent = priced as cacheWrite. */
  cacheWriteLong?: number;
  output: number;
  /** Where the figure came from (URL or note). */
  source?: string;
  /** Higher rates for a call whose prompt (input + cache reads + cache writes) is above `above` tokens. */
  longContext?: LongContextPrice;
  /** Service tiers other than standard ("batch", "flex", "priority"), each a factor on every rate. */
  tiers?: Record<string, ServiceTierPrice>;
}

/**
 * Long-context rates: the whole call is billed at them once its prompt passes `above` tokens (OpenAI: "prompts
 * with >272K input tokens are priced at 2x input and 1.5x output for the full session"; Gemini: prompts > 200k).
 */
export interface LongContextPrice {
  above: number;
  input: number;
  cachedInput?: number;
  cacheWrite?: number;
  cacheWriteLong?: number;
  output: number;
  source?: string;
}

/** A service tier's price as a factor on the (standard or long-context) rates, e.g. batch 0.5, priority 2.5. */
export interface ServiceTierPrice {
  factor: number;
  source?: string;
}

export interface ModelCapabilities {
  /** Native tool kinds this model accepts on its protocol. */
  nativeTools: NativeKind[];
  computerUse: boolean;
  images: boolean;
  reasoning: boolean;
}

/** One catalog entry. Vendors, prices and endpoints are data; adapters are named for protocols. */
export interface ModelInfo {
  /** The model id sent on the wire, e.g. "gpt-5.5". */
  id: string;
  /** Catalog provider name, e.g. "openai", "anthropic", "google", "ollama". */
  provider: string;
  protocol: Protocol;
  contextWindow: number;
  maxOutputTokens?: number;
  price?: Price;
  capabilities: ModelCapabilities;
  aliases?: string[];
  /** Models to fall back to, in order, when this one is unavailable (router). Full refs "provider/id". */
  fallbacks?: string[];
  /** How a reasoning level reaches this model; absent = the protocol's default (src/providers/reasoning.ts). */
  reasoningControl?: ReasoningControl;
  /** Anthropic computer-use tool version this model takes; its beta header follows from it (docs/providers.md). */
  computerTool?: AnthropicComputerTool;
  /**
   * Chat Completions: the endpoint's thinking mode requires `reasoning_content` on every assistant message with tool
   * calls (DeepSeek: 400 "The `reasoning_content` in the thinking mode must be passed back to the API.").
   */
  replayReasoningContent?: boolean;
}

/** Reasoning levels as `--reasoning` and `[run] reasoning` name them; mapped per protocol and model. */
export const REASONING_LEVELS = ["minimal", "low", "medium", "high"] as const;
export type ReasoningLevel = (typeof REASONING_LEVELS)[number];

/**
 * How a model takes a reasoning level (catalog data):
 * - `effort`: a named effort (Responses `reasoning.effort`, Chat `reasoning_effort`, Anthropic adaptive thinking with
 *   `output_config.effort`); `values` are the efforts the model accepts, lowest first.
 * - `budget`: a thinking-token budget (Anthropic `thinking: {type: "enabled", budget_tokens}`, Gemini 2.5
 *   `thinkingBudget`).
 * - `level`: Gemini 3 `thinkingConfig.thinkingLevel`; `values` as for `effort`.
 */
export interface ReasoningControl {
  kind: "effort" | "budget" | "level";
  values?: string[];
}

export const ANTHROPIC_COMPUTER_TOOLS = ["computer_20251124", "computer_20250124"] as const;
export type AnthropicComputerTool = (typeof ANTHROPIC_COMPUTER_TOOLS)[number];

export interface ProviderInfo {
  name: string;
  protocol: Protocol;
  baseUrl: string;
  /** Env variable that overrides baseUrl (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, GOOGLE_GEMINI_BASE_URL). */
  baseUrlEnv?: string;
  /** Env variable holding the key; undefined for keyless local servers. */
  apiKeyEnv?: string;
  /** Gemini: the API version to speak (default v1beta; config `api_version`). */
  apiVersion?: string;
}

/**
 * A tool as the model sees it. `inputSchema` is JSON Schema (from the tool's zod schema). `native` lists the
 * provider-defined tool types that may stand in for it; the adapter uses one when the model's capabilities list
 * that kind, and otherwise offers the function form.
 */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  native?: NativeToolSpec[];
}

export type NativeToolSpec =
  | { kind: "openai.shell" }
  | { kind: "openai.apply_patch" }
  | { kind: "openai.computer"; displayWidth: number; displayHeight: number; environment?: string }
  | { kind: "anthropic.bash" }
  | { kind: "anthropic.text_editor"; maxCharacters?: number }
  | { kind: "anthropic.computer"; displayWidth: number; displayHeight: number };

export interface ModelRequest {
  system?: string;
  messages: Message[];
  tools: ToolDefinition[];
  maxOutputTokens?: number;
  /** A reasoning level for this request; adapters map it per model (src/providers/reasoning.ts). */
  reasoningEffort?: "none" | "minimal" | "low" | "medium" | "high" | "xhigh";
  /** Prompt-cache routing key (OpenAI prompt_cache_key); Anthropic breakpoints are placed by the adapter. */
  cacheKey?: string;
  /** Responses API: stateful mode. When set, only messages after the response with this id are sent. */
  previousResponseId?: string;
  signal?: AbortSignal;
}

/** Events an adapter's stream yields. Once a stream has started, an adapter never throws: failures end it with `error`. */
export type StreamEvent =
  | { type: "start"; model: string; requestId?: string }
  | { type: "text_delta"; text: string }
  | { type: "reasoning_delta"; text: string }
  | { type: "tool_call_start"; id: string; name: string }
  | { type: "tool_call_delta"; id: string; delta: string }
  /**
   * A retryable failure that the client is about to retry after `delayMs`. Emitted for every attempt. `model` is
   * the model being retried when a wrapper knows it (fallback chains set it: the chain's current model may differ).
   */
  | { type: "retry"; attempt: number; delayMs: number; error: ProviderError; model?: ModelRef }
  /** The client switched to a fallback model (router fallback chains); later events come from `to`. */
  | { type: "fallback"; from: ModelRef; to: ModelRef; reason: string }
  /** Provider-native compaction happened inline (OpenAI context_management). */
  | { type: "compaction"; note: string }
  | {
      type: "done";
      message: AssistantMessage;
      stopReason: StopReason;
      /**
       * The provider's own words for a stop that is not a plain end, as it sent them: for a refusal OpenAI's
       * `finish_reason content_filter` / `refusal` / `incomplete_details.reason content_filter`, Anthropic's
       * `stop_reason refusal`, Gemini's `finishReason PROHIBITED_CONTENT` (with its finishMessage) or
       * `promptFeedback.blockReason SAFETY`.
       */
      stopDetail?: string;
      usage: Usage;
      responseId?: string;
      /** Cost the provider itself reported, if any (OpenRouter-style `usage.cost`). */
      providerCostUsd?: number;
      /**
       * The service tier the response says served it (OpenAI `service_tier`, Anthropic `usage.service_tier`,
       * Gemini `usageMetadata.serviceTier`), normalised; absent for the standard tier. See normalizeServiceTier.
       */
      serviceTier?: string;
    }
  | { type: "error"; error: ProviderError };

export interface CompactRequest {
  system?: string;
  messages: Message[];
  signal?: AbortSignal;
}

export interface ModelClient {
  readonly model: ModelInfo;
  readonly providerInfo: ProviderInfo;
  stream(request: ModelRequest): AsyncIterable<StreamEvent>;
  /**
   * Provider-native compaction (OpenAI `/responses/compact`): returns a shorter history that replaces `messages`.
   * Absent when the protocol has none; the agent then compacts with a summary turn.
   */
  compact?(request: CompactRequest): Promise<Message[]>;
}

/**
 * A provider's service-tier name → Switchyard's: "batch", "flex", "priority", "scale", …; the standard tier
 * (OpenAI "default"/"auto", Anthropic "standard", Gemini "standard"/"unspecified") and a missing value are
 * undefined. OpenAI reports fast mode as "priority" already; "fast" maps there too.
 */
export function normalizeServiceTier(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const t = raw.trim().toLowerCase();
  if (["", "default", "auto", "standard", "standard_only", "unspecified", "on_demand"].includes(t)) return undefined;
  return t === "fast" ? "priority" : t;
}

/** Drain a stream into its final `done` event, or throw its error. Convenience for callers that do not stream. */
export async function complete(stream: AsyncIterable<StreamEvent>): Promise<Extract<StreamEvent, { type: "done" }>> {
  for await (const ev of stream) {
    if (ev.type === "done") return ev;
    if (ev.type === "error") throw ev.error;
  }
  throw new Error("model stream ended without a done or error event");
}
