import { asArray, isRecord } from "./turn-selection.ts";

/**
 * What the Anthropic Messages API checks per model before it runs one, answered as the API does (400
 * `invalid_request_error`, its own message texts). The tables come from Anthropic's docs, not from Switchyard's
 * catalog, so the mock catches a catalog that is wrong:
 * - Computer-use tool docs (platform.claude.com, "Computer use tool"): beta header "computer-use-2025-11-24" for
 *   Claude Opus 4.7, Opus 4.6, Sonnet 4.6 and Opus 4.5; "computer-use-2025-01-24" for Sonnet 4.5, Haiku 4.5,
 *   Opus 4.1, Sonnet 4 and Opus 4. Each beta enables its own tool type (computer_20251124 / computer_20250124).
 * - A tool type its beta header does not enable fails schema validation: "tools.0: Input tag 'computer_20251124'
 *   found using 'type' does not match any of the expected tags: …".
 * - A type the model does not take: "'claude-sonnet-4-6' does not support tool types: computer_20250124. Did you
 *   mean one of …?" (the API's answer, quoted in anthropic-sdk-typescript issue #914).
 * - An unknown computer-use beta: "Unexpected value(s) `computer-use-2025-04-29` for the `anthropic-beta` header.
 *   Please consult our documentation at docs.anthropic.com or try again without the header." (issue #770).
 * - Extended thinking (docs "Building with extended thinking"): `budget_tokens` at least 1024 and below
 *   `max_tokens`; Opus 4.7 takes adaptive thinking only ("\"thinking.type.enabled\" is not supported for this
 *   model. Use \"thinking.type.adaptive\" and \"output_config.effort\" to control thinking behavior.").
 * - Thinking "isn't compatible with temperature, top_p, or top_k modifications as well as forced tool use" (same
 *   docs): "`temperature` may only be set to 1 when thinking is enabled. …" (MartialBE/one-hub issue #529) and
 *   "Thinking may not be enabled when tool_choice forces tool use.".
 * Models the tables do not list (test ids, future models) are not checked against them.
 */

type Json = Record<string, unknown>;

/** Computer tool type → the beta header value that enables it. */
export const COMPUTER_TOOL_BETA: Record<string, string> = {
  computer_20241022: "computer-use-2024-10-22",
  computer_20250124: "computer-use-2025-01-24",
  computer_20251124: "computer-use-2025-11-24",
};

/** Model family → the computer tool version it takes (computer-use tool docs). */
const COMPUTER_VERSION: ReadonlyArray<[family: string, type: string]> = [
  ["claude-opus-4-7", "computer_20251124"],
  ["claude-opus-4-6", "computer_20251124"],
  ["claude-sonnet-4-6", "computer_20251124"],
  ["claude-opus-4-5", "computer_20251124"],
  ["claude-sonnet-4-5", "computer_20250124"],
  ["claude-haiku-4-5", "computer_20250124"],
  ["claude-opus-4-1", "computer_20250124"],
  ["claude-sonnet-4", "computer_20250124"],
  ["claude-opus-4", "computer_20250124"],
  ["claude-3-7-sonnet", "computer_20250124"],
];

/** Models that take adaptive thinking only (Opus 4.7: `thinking.type: "enabled"` is a 400). */
const ADAPTIVE_ONLY = ["claude-opus-4-7"];

/** GA tool types every current model takes (the tags the API lists when a beta type is not enabled). */
const GA_TOOL_TYPES = [
  "bash_20250124",
  "custom",
  "text_editor_20250124",
  "text_editor_20250429",
  "text_editor_20250728",
  "web_fetch_20250910",
  "web_search_20250305",
];

/** A model id matches a family when it is the family or the family plus a date suffix (claude-opus-4-5-20251101). */
function inFamily(model: string, family: string): boolean {
  return model === family || new RegExp(`^${family}-\\d{8}$`).test(model);
}

export function computerVersionFor(model: string): string | undefined {
  return COMPUTER_VERSION.find(([family]) => inFamily(model, family))?.[1];
}

export function betaValues(header: string | string[] | undefined): string[] {
  const raw = Array.isArray(header) ? header.join(",") : (header ?? "");
  return raw
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}

function computerProblem(model: string, tools: unknown[], betas: string[]): string | undefined {
  const known = new Set(Object.values(COMPUTER_TOOL_BETA));
  const unknown = betas.filter((b) => b.startsWith("computer-use-") && !known.has(b));
  if (unknown.length > 0) {
    return (
      `Unexpected value(s) \`${unknown.join("`, `")}\` for the \`anthropic-beta\` header. ` +
      "Please consult our documentation at docs.anthropic.com or try again without the header."
    );
  }
  const enabled = Object.entries(COMPUTER_TOOL_BETA)
    .filter(([, beta]) => betas.includes(beta))
    .map(([type]) => type);
  const version = computerVersionFor(model);
  for (const [i, tool] of tools.entries()) {
    const type = isRecord(tool) && typeof tool.type === "string" ? tool.type : "";
    if (!(type in COMPUTER_TOOL_BETA)) continue;
    if (!enabled.includes(type)) {
      const tags = [...GA_TOOL_TYPES, ...enabled].sort().map((t) => `'${t}'`);
      return `tools.${i}: Input tag '${type}' found using 'type' does not match any of the expected tags: ${tags.join(", ")}`;
    }
    if (version !== undefined && type !== version) {
      const supported = [
        ...GA_TOOL_TYPES.filter((t) => t !== "custom"),
        ...enabled.filter((t) => t === version),
      ].sort();
      return `'${model}' does not support tool types: ${type}. Did you mean one of ${supported.join(", ")}?`;
    }
  }
  return undefined;
}

/** What extended or adaptive thinking does not combine with: a temperature other than 1, forced tool use. */
function thinkingCombinationProblem(body: Json): string | undefined {
  const thinking = body.thinking;
  if (!isRecord(thinking) || (thinking.type !== "enabled" && thinking.type !== "adaptive")) return undefined;
  if (body.temperature !== undefined && body.temperature !== 1) {
    return (
      "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at " +
      "https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking"
    );
  }
  const choice = body.tool_choice;
  if (isRecord(choice) && (choice.type === "any" || choice.type === "tool")) {
    return "Thinking may not be enabled when tool_choice forces tool use.";
  }
  return undefined;
}

function thinkingProblem(model: string, body: Json): string | undefined {
  const combination = thinkingCombinationProblem(body);
  if (combination) return combination;
  const thinking = body.thinking;
  if (!isRecord(thinking) || thinking.type !== "enabled") return undefined;
  if (ADAPTIVE_ONLY.some((family) => inFamily(model, family))) {
    return '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.';
  }
  const budget = thinking.budget_tokens;
  if (typeof budget !== "number" || budget < 1024) {
    return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
  }
  if (typeof body.max_tokens === "number" && body.max_tokens <= budget) {
    return (
      "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at " +
      "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size"
    );
  }
  return undefined;
}

/** The first per-model problem of a Messages request (computer tool and beta, then thinking), if any. */
export function anthropicModelProblem(body: Json, betaHeader: string | string[] | undefined): string | undefined {
  const model = typeof body.model === "string" ? body.model : "";
  return computerProblem(model, asArray(body.tools), betaValues(betaHeader)) ?? thinkingProblem(model, body);
}
