import { asArray, isRecord } from "./turn-selection.ts";

/**
 * What the Anthropic Messages API checks in `tools` and in the messages' content before it runs a model, each a 400
 * `invalid_request_error` with the API's own wording (as its users quote it):
 * - A custom tool's name: "tools.16.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"
 *   (modelcontextprotocol issue #1345); names are unique: "tools: Tool names must be unique.".
 * - A message's role: "messages.1.role: Input should be 'user' or 'assistant'" ('system' too from API version
 *   2026-10-21, PROTOCOLS.md §3.0).
 * - Empty content: "messages.1: all messages must have non-empty content except for the optional final assistant
 *   message".
 * - Text blocks: "messages: text content blocks must be non-empty" (anthropics/claude-code issue #59812) and
 *   "messages: text content blocks must contain non-whitespace text" (anomalyco/opencode issue #31259).
 * - A prefill: "messages: final assistant content cannot end with trailing whitespace".
 */

type Json = Record<string, unknown>;

const CUSTOM_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** Versions from this date take `{role: "system"}` messages. */
const SYSTEM_MESSAGES_VERSION = "2026-10-21";

function toolProblem(tools: unknown[]): string | undefined {
  const names = new Set<string>();
  for (const [i, tool] of tools.entries()) {
    if (!isRecord(tool)) continue;
    const custom = tool.type === undefined || tool.type === "custom";
    if (custom && (typeof tool.name !== "string" || !CUSTOM_NAME.test(tool.name))) {
      return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
    }
    if (typeof tool.name !== "string") continue;
    if (names.has(tool.name)) return "tools: Tool names must be unique.";
    names.add(tool.name);
  }
  return undefined;
}

function isEmptyContent(content: unknown): boolean {
  return content === "" || (Array.isArray(content) && content.length === 0);
}

function textBlocks(content: unknown): string[] {
  return asArray(content).flatMap((b) =>
    isRecord(b) && b.type === "text" && typeof b.text === "string" ? [b.text] : [],
  );
}

function lastText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  const last = asArray(content).at(-1);
  return isRecord(last) && last.type === "text" && typeof last.text === "string" ? last.text : undefined;
}

function messageProblem(messages: unknown[], version: string | undefined): string | undefined {
  const systemOk = version !== undefined && version >= SYSTEM_MESSAGES_VERSION;
  for (const [i, m] of messages.entries()) {
    if (!isRecord(m)) continue;
    const roleOk = m.role === "user" || m.role === "assistant" || (systemOk && m.role === "system");
    if (!roleOk) {
      return `messages.${i}.role: Input should be ${systemOk ? "'user', 'assistant' or 'system'" : "'user' or 'assistant'"}`;
    }
    const finalAssistant = i === messages.length - 1 && m.role === "assistant";
    if (isEmptyContent(m.content) && !finalAssistant) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
    const texts = textBlocks(m.content);
    if (texts.some((t) => t === "")) return "messages: text content blocks must be non-empty";
    if (texts.some((t) => t.trim() === "")) return "messages: text content blocks must contain non-whitespace text";
  }
  const last = messages.at(-1);
  if (isRecord(last) && last.role === "assistant") {
    const text = lastText(last.content);
    if (text !== undefined && text !== "" && /\s$/.test(text)) {
      return "messages: final assistant content cannot end with trailing whitespace";
    }
  }
  return undefined;
}

/** The first tool or content problem of a Messages body, if any. `version`: the anthropic-version header. */
export function anthropicContentProblem(body: Json, version: string | undefined): string | undefined {
  return toolProblem(asArray(body.tools)) ?? messageProblem(asArray(body.messages), version);
}
