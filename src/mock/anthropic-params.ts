import { isRecord } from "./turn-selection.ts";

/**
 * What the real Anthropic Messages API refuses before it runs a model, so a client that sends a misspelt field or a
 * broken tool-use history finds out against the mock too. Every rejection is a 400 `invalid_request_error` with the
 * API's own message wording.
 *
 * Body parameters of @anthropic-ai/sdk 1.12 `MessageCreateParamsBase` (PROTOCOLS.md §3.1). The SDK's header params
 * (`betas` → `anthropic-beta`, `user_profile_id`, `workspace_id`) never travel in the body, so there they are extra
 * inputs like any other. `temperature`/`top_p`/`top_k` belong to API versions before 2026-10-21 (the server refuses
 * them from that version on, before this check).
 */
const MESSAGES = new Set([
  "model",
  "max_tokens",
  "messages",
  "cache_control",
  "container",
  "diagnostics",
  "inference_geo",
  "metadata",
  "output_config",
  "service_tier",
  "speed",
  "stop_sequences",
  "stream",
  "system",
  "thinking",
  "tool_choice",
  "tools",
  "temperature",
  "top_p",
  "top_k",
]);

/** Extra body parameters of the beta `MessageCreateParamsBase` (`/v1/messages?beta=true` or an anthropic-beta header). */
const BETA_MESSAGES = new Set([
  ...MESSAGES,
  "billing_policy",
  "compaction",
  "context_management",
  "fallback_credit_token",
  "fallbacks",
  "mcp_servers",
  "output_format",
  "thread",
]);

const REQUIRED = ["model", "max_tokens", "messages"] as const;

/** A request counts as beta when the SDK's beta resource sent it (`?beta=true`) or it names any anthropic-beta. */
export function isAnthropicBeta(url: URL, header: string | string[] | undefined): boolean {
  if (url.searchParams.get("beta") === "true") return true;
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.some((v) => v.trim() !== "");
}

/** The API's message for the first body problem it checks: extra fields, missing fields, then tool pairing. */
export function anthropicRequestProblem(body: Record<string, unknown>, beta: boolean): string | undefined {
  const known = beta ? BETA_MESSAGES : MESSAGES;
  const extra = Object.keys(body).find((k) => !known.has(k));
  if (extra !== undefined) return `${extra}: Extra inputs are not permitted`;
  const missing = REQUIRED.find((k) => body[k] === undefined);
  if (missing !== undefined) return `${missing}: Field required`;
  return Array.isArray(body.messages) ? toolPairingProblem(body.messages) : undefined;
}

function blocks(message: unknown): Record<string, unknown>[] {
  if (!isRecord(message) || !Array.isArray(message.content)) return [];
  return message.content.filter(isRecord);
}

function role(message: unknown): unknown {
  return isRecord(message) ? message.role : undefined;
}

function toolUseIds(message: unknown): string[] {
  if (role(message) !== "assistant") return [];
  return blocks(message).flatMap((b) => (b.type === "tool_use" && typeof b.id === "string" ? [b.id] : []));
}

/**
 * The pairing rule: every `tool_use` of an assistant turn is answered by a `tool_result` in the very next message,
 * which begins with those results (text and other blocks come after them), and every `tool_result` answers a
 * `tool_use` of the message right before it. Checked in message order, so the
 * first broken turn is the one named. (Server tool blocks — server_tool_use, mcp_tool_use — pair inside the
 * assistant turn and are not checked.)
 */
export function toolPairingProblem(messages: unknown[]): string | undefined {
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (role(message) === "user") {
      const allowed = new Set(toolUseIds(messages[i - 1]));
      const content = blocks(message);
      for (let k = 0; k < content.length; k++) {
        const b = content[k];
        if (b?.type !== "tool_result") continue;
        const id = typeof b.tool_use_id === "string" ? b.tool_use_id : "";
        if (allowed.has(id)) continue;
        return (
          `messages.${i}.content.${k}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. ` +
          "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
        );
      }
    }
    const uses = toolUseIds(message);
    if (uses.length === 0) continue;
    const next = messages[i + 1];
    const answered = new Set(
      role(next) === "user"
        ? blocks(next).flatMap((b) =>
            b.type === "tool_result" && typeof b.tool_use_id === "string" ? [b.tool_use_id] : [],
          )
        : [],
    );
    const unanswered = uses.filter((id) => !answered.has(id));
    if (unanswered.length > 0) {
      return (
        `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
        `${unanswered.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`
      );
    }
    const content = blocks(next);
    const leading = content.findIndex((b) => b.type !== "tool_result");
    if ((leading < 0 ? content.length : leading) < uses.length) {
      // The results are there, but not all ahead of the message's other blocks (apify/tester-mcp-client issue #12).
      return (
        `messages.${i + 1}: Did not find ${uses.length} tool_result block(s) at the beginning of this message. ` +
        "Messages following tool_use blocks must begin with a matching number of tool_result blocks."
      );
    }
  }
  return undefined;
}
