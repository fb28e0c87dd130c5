import type { ModelInfo, ProviderInfo, ReasoningControl } from "../core/model.ts";

/**
 * The built-in model catalog, as data. Prices are USD per 1M tokens; every price names its source. A figure we could
 * not check says so ("unverified"); ledger/price.ts treats a missing field as unknown, never $0.
 * Add or override entries in switchyard.toml (`[providers.<name>]`, `[[models.<provider>]]`) rather than here.
 */

export interface BuiltinProvider extends ProviderInfo {
  /** Any model id is accepted (aggregators, local servers); unlisted ids resolve unpriced. */
  acceptsUnlisted?: boolean;
}

export const BUILTIN_PROVIDERS: BuiltinProvider[] = [
  {
    name: "openai",
    protocol: "openai-responses",
    baseUrl: "https://api.openai.com/v1",
    baseUrlEnv: "OPENAI_BASE_URL",
    apiKeyEnv: "OPENAI_API_KEY",
  },
  {
    name: "anthropic",
    protocol: "anthropic-messages",
    baseUrl: "https://api.anthropic.com",
    baseUrlEnv: "ANTHROPIC_BASE_URL",
    apiKeyEnv: "ANTHROPIC_API_KEY",
  },
  {
    name: "google",
    protocol: "gemini",
    baseUrl: "https://generativelanguage.googleapis.com",
    baseUrlEnv: "GOOGLE_GEMINI_BASE_URL",
    apiKeyEnv: "GEMINI_API_KEY",
  },
  {
    name: "openrouter",
    protocol: "openai-chat",
    baseUrl: "https://openrouter.ai/api/v1",
    apiKeyEnv: "OPENROUTER_API_KEY",
    acceptsUnlisted: true,
  },
  {
    name: "ollama",
    protocol: "openai-chat",
    baseUrl: "http://localhost:11434/v1",
    acceptsUnlisted: true,
  },
  {
    // OpenAI-format endpoint of https://api-docs.deepseek.com/quick_start/pricing (also serves Anthropic and Responses
    // formats; Chat Completions is the one its thinking-mode guide documents).
    name: "deepseek",
    protocol: "openai-chat",
    baseUrl: "https://api.deepseek.com",
    apiKeyEnv: "DEEPSEEK_API_KEY",
    acceptsUnlisted: true,
  },
];

const OPENAI_SRC = "https://openai.com/api/pricing (figures given in the project brief, 2026-11; not re-checked)";
const ANTHROPIC_SRC =
  "https://platform.claude.com/docs/en/about-claude/pricing (Opus 4.7: $5/$25, 5m cache write 1.25x, read 0.1x; via third-party copies, 2026-04)";
const MYTHOS_SRC =
  "Project Glasswing partner pricing $25/$125 as reported by the press (2026-04); cache figures derived (1.25x / 0.1x input); unverified, invitation-only";
const DEEPSEEK_SRC =
  "https://api-docs.deepseek.com/quick_start/pricing (2026-08; the peak / off-peak rates announced there are not modelled)";
/** Computer-use tool docs: computer_20251124 for Opus 4.7/4.6/4.5 and Sonnet 4.6, computer_20250124 for older. */
const NEW_COMPUTER = "computer_20251124" as const;
const OLD_COMPUTER = "computer_20250124" as const;
const CLAUDE_NATIVE = ["anthropic.bash", "anthropic.text_editor", "anthropic.computer"] as const;
/** Adaptive thinking + output_config.effort (Opus 4.7 adds xhigh; Anthropic effort docs). */
const adaptive = (xhigh = false): ReasoningControl => ({
  kind: "effort",
  values: xhigh ? ["low", "medium", "high", "xhigh", "max"] : ["low", "medium", "high", "max"],
});
/** Extended thinking with `budget_tokens` (models before adaptive thinking). */
const CLAUDE_BUDGET: ReasoningControl = { kind: "budget" };
/** GPT-5.4 and later: `minimal` is rejected, `none` turns reasoning off (OpenAI reasoning guide). */
const GPT5_EFFORTS = (): ReasoningControl => ({ kind: "effort", values: ["none", "low", "medium", "high", "xhigh"] });

function claude(
  id: string,
  price: { input: number; output: number },
  extra: Pick<ModelInfo, "computerTool" | "reasoningControl"> & { contextWindow?: number; maxOutputTokens?: number },
): ModelInfo {
  return {
    id,
    provider: "anthropic",
    protocol: "anthropic-messages",
    contextWindow: extra.contextWindow ?? 200_000,
    maxOutputTokens: extra.maxOutputTokens ?? 64_000,
    price: {
      input: price.input,
      cachedInput: price.input / 10,
      cacheWrite: price.input * 1.25,
      output: price.output,
      source: ANTHROPIC_SRC,
    },
    capabilities: { nativeTools: [...CLAUDE_NATIVE], computerUse: true, images: true, reasoning: true },
    ...(extra.computerTool ? { computerTool: extra.computerTool } : {}),
    ...(extra.reasoningControl ? { reasoningControl: extra.reasoningControl } : {}),
  };
}

const GEMINI_SRC =
  "https://ai.google.dev/gemini-api/docs/pricing (<=200k-token prompts; >200k in longContext); via third-party copies, 2026";

/** Price tiers (long-context rates, service tiers, 1-hour cache writes), with where each figure comes from. */
const OPENAI_TIER_SRC =
  'https://developers.openai.com/api/docs/models/gpt-5.4 ("prompts with >272K input tokens are priced at 2x input and 1.5x output for the full session for standard, batch, and flex"; Batch/Flex half price, Priority 2x for gpt-5.4; 2026)';
const GPT55_PRIORITY_SRC =
  "gpt-5.5 Priority at 2.5x standard ($12.50/$75) per third-party price copies (tokenmix.ai, 2026-05); unverified against openai.com";
const ANTHROPIC_TIER_SRC =
  "https://platform.claude.com/docs/en/about-claude/pricing (1h cache writes 2x input: Opus 4.7 $10/MTok; Message Batches 50% of all usage; Opus 4.6+ serve the 1M window at standard rates, no long-context premium)";
const GEMINI_TIER_SRC =
  "https://ai.google.dev/gemini-api/docs/pricing (prompts > 200k tokens: $4 input, $0.40 cached, $18 output; Batch API 50%); via third-party copies, 2026";
const HALF = { factor: 0.5, source: OPENAI_TIER_SRC };

export const BUILTIN_MODELS: ModelInfo[] = [
  {
    id: "gpt-5.5",
    provider: "openai",
    protocol: "openai-responses",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    price: {
      input: 5,
      cachedInput: 0.5,
      output: 30,
      source: OPENAI_SRC,
      longContext: { above: 272_000, input: 10, cachedInput: 1, output: 45, source: OPENAI_TIER_SRC },
      tiers: { batch: HALF, flex: HALF, priority: { factor: 2.5, source: GPT55_PRIORITY_SRC } },
    },
    capabilities: {
      nativeTools: ["openai.shell", "openai.apply_patch", "openai.computer"],
      computerUse: true,
      images: true,
      reasoning: true,
    },
    fallbacks: ["openai/gpt-5.4"],
    reasoningControl: GPT5_EFFORTS(),
  },
  {
    id: "gpt-5.5-pro",
    provider: "openai",
    protocol: "openai-responses",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    price: {
      input: 30,
      output: 180,
      source: `${OPENAI_SRC}; no cached-input discount listed`,
      longContext: { above: 272_000, input: 60, output: 270, source: OPENAI_TIER_SRC },
      tiers: { batch: HALF, flex: HALF },
    },
    capabilities: {
      nativeTools: ["openai.shell", "openai.apply_patch"],
      computerUse: false,
      images: true,
      reasoning: true,
    },
    fallbacks: ["openai/gpt-5.5"],
    // As gpt-5-pro, the one pro model the reasoning guide describes ("defaults to (and only supports) high").
    reasoningControl: { kind: "effort", values: ["high"] },
  },
  {
    id: "gpt-5.4",
    provider: "openai",
    protocol: "openai-responses",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    price: {
      input: 2.5,
      cachedInput: 0.25,
      output: 15,
      source: OPENAI_SRC,
      longContext: { above: 272_000, input: 5, cachedInput: 0.5, output: 22.5, source: OPENAI_TIER_SRC },
      tiers: { batch: HALF, flex: HALF, priority: { factor: 2, source: OPENAI_TIER_SRC } },
    },
    capabilities: {
      nativeTools: ["openai.shell", "openai.apply_patch", "openai.computer"],
      computerUse: true,
      images: true,
      reasoning: true,
    },
    reasoningControl: GPT5_EFFORTS(),
  },
  {
    id: "claude-opus-4-7",
    provider: "anthropic",
    protocol: "anthropic-messages",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    price: {
      input: 5,
      cachedInput: 0.5,
      cacheWrite: 6.25,
      cacheWriteLong: 10,
      output: 25,
      source: ANTHROPIC_SRC,
      tiers: { batch: { factor: 0.5, source: ANTHROPIC_TIER_SRC } },
    },
    capabilities: {
      nativeTools: ["anthropic.bash", "anthropic.text_editor", "anthropic.computer"],
      computerUse: true,
      images: true,
      reasoning: true,
    },
    aliases: ["opus"],
    computerTool: NEW_COMPUTER,
    reasoningControl: adaptive(true),
  },
  {
    id: "claude-mythos-preview",
    provider: "anthropic",
    protocol: "anthropic-messages",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    price: {
      input: 25,
      cachedInput: 2.5,
      cacheWrite: 31.25,
      cacheWriteLong: 50,
      output: 125,
      source: `${MYTHOS_SRC}; 1h cache write derived (2x input)`,
      tiers: { batch: { factor: 0.5, source: `${ANTHROPIC_TIER_SRC}; assumed to apply` } },
    },
    capabilities: {
      nativeTools: ["anthropic.bash", "anthropic.text_editor", "anthropic.computer"],
      computerUse: true,
      images: true,
      reasoning: true,
    },
    aliases: ["mythos"],
    fallbacks: ["anthropic/claude-opus-4-7"],
    // Not in the computer-use docs' model list; assumed to take the newest tool, like the Opus 4.7 it follows.
    computerTool: NEW_COMPUTER,
    reasoningControl: adaptive(true),
  },
  {
    id: "gemini-3.1-pro-preview",
    provider: "google",
    protocol: "gemini",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    price: {
      input: 2,
      cachedInput: 0.2,
      output: 12,
      source: GEMINI_SRC,
      longContext: { above: 200_000, input: 4, cachedInput: 0.4, output: 18, source: GEMINI_TIER_SRC },
      tiers: { batch: { factor: 0.5, source: GEMINI_TIER_SRC } },
    },
    capabilities: { nativeTools: [], computerUse: false, images: true, reasoning: true },
    aliases: ["gemini-3.1-pro"],
    // Gemini 3.1 Pro takes low/medium/high, not minimal (ai.google.dev, "Gemini thinking").
    reasoningControl: { kind: "level", values: ["low", "medium", "high"] },
  },
  claude(
    "claude-opus-4-6",
    { input: 5, output: 25 },
    {
      computerTool: NEW_COMPUTER,
      reasoningControl: adaptive(),
      contextWindow: 1_000_000,
      maxOutputTokens: 128_000,
    },
  ),
  claude(
    "claude-sonnet-4-6",
    { input: 3, output: 15 },
    {
      computerTool: NEW_COMPUTER,
      reasoningControl: adaptive(),
      contextWindow: 1_000_000,
    },
  ),
  // Opus 4.5 takes the new computer tool but not adaptive thinking: extended thinking with a budget.
  claude("claude-opus-4-5", { input: 5, output: 25 }, { computerTool: NEW_COMPUTER, reasoningControl: CLAUDE_BUDGET }),
  claude(
    "claude-sonnet-4-5",
    { input: 3, output: 15 },
    { computerTool: OLD_COMPUTER, reasoningControl: CLAUDE_BUDGET },
  ),
  claude("claude-haiku-4-5", { input: 1, output: 5 }, { computerTool: OLD_COMPUTER, reasoningControl: CLAUDE_BUDGET }),
  claude(
    "claude-opus-4-1",
    { input: 15, output: 75 },
    {
      computerTool: OLD_COMPUTER,
      reasoningControl: CLAUDE_BUDGET,
      maxOutputTokens: 32_000,
    },
  ),
  {
    id: "deepseek-v4-pro",
    provider: "deepseek",
    protocol: "openai-chat",
    contextWindow: 1_000_000,
    maxOutputTokens: 384_000,
    price: { input: 0.435, cachedInput: 0.003625, output: 0.87, source: DEEPSEEK_SRC },
    capabilities: { nativeTools: [], computerUse: false, images: false, reasoning: true },
    // reasoning_effort low/high/max; minimal → low and medium → high on DeepSeek's side (thinking mode guide).
    reasoningControl: { kind: "effort", values: ["low", "high", "max"] },
    replayReasoningContent: true,
  },
  {
    id: "deepseek-v4-flash",
    provider: "deepseek",
    protocol: "openai-chat",
    contextWindow: 1_000_000,
    maxOutputTokens: 384_000,
    price: { input: 0.14, cachedInput: 0.0028, output: 0.28, source: DEEPSEEK_SRC },
    capabilities: { nativeTools: [], computerUse: false, images: false, reasoning: true },
    aliases: ["deepseek-flash"],
    reasoningControl: { kind: "effort", values: ["low", "high", "max"] },
    replayReasoningContent: true,
  },
];

/** Context window assumed for a model the catalog does not list (custom providers, aggregators). */
export const DEFAULT_CONTEXT_WINDOW = 128_000;
