import type { RunEventBody } from "../../core/events.ts";
import { ZERO_USAGE } from "../../core/usage.ts";
import {
  type AdapterContext,
  assistantEvent,
  type InstalledAgentAdapter,
  jsonLine,
  num,
  obj,
  str,
  textResult,
  toolCallEvent,
} from "./adapter.ts";
import { INSTALLED_AGENTS } from "./catalog.ts";

/**
 * Codex CLI (`@openai/codex`). Headless: `codex exec --json` (`codex exec --help`: "Print events to stdout as
 * JSONL"), approvals and Codex's own sandbox off with `--dangerously-bypass-approvals-and-sandbox` ("Intended
 * solely for running in environments that are externally sandboxed"; ours is), `--skip-git-repo-check` (tasks
 * are not git repositories), the instruction as the prompt after `--`, stdin closed (exec appends a piped stdin).
 *
 * Endpoint: `$CODEX_HOME/config.toml` defines a provider under `[model_providers.switchyard]` with `base_url`,
 * `wire_api = "responses"` and `env_key` (the key variable the CLI reads), and selects it with `model_provider`
 * (checked with `codex exec --strict-config`). Start-up traffic that is not the model is switched off in the same
 * file: `check_for_update_on_startup = false`, `[analytics] enabled = false`, `[feedback] enabled = false`,
 * `web_search = "disabled"` (no hosted search tool). With a ChatGPT sign-in (opt-in), the built-in `openai`
 * provider is kept instead and `auth.json` is mounted read-only into CODEX_HOME.
 *
 * Log: `thread.started`, `turn.started`, `item.started`/`item.completed` (`agent_message`, `reasoning`,
 * `command_execution`, `file_change`, `mcp_tool_call`, …), `turn.completed {usage: {input_tokens,
 * cached_input_tokens, cache_write_input_tokens, output_tokens, reasoning_output_tokens}}`, `turn.failed`, `error`.
 * `input_tokens` counts the whole prompt (cached included), as the Responses API does; exec reports no cost, so the
 * cost is priced from the catalog (Harbor does the same with LiteLLM's table).
 */
const CODEX_HOME = ".codex";

function configToml(ctx: AdapterContext): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [`model = ${q(ctx.model.id)}`, "check_for_update_on_startup = false", 'web_search = "disabled"'];
  if (!ctx.credentialsFile) lines.unshift('model_provider = "switchyard"');
  lines.push("", "[analytics]", "enabled = false", "", "[feedback]", "enabled = false");
  if (!ctx.credentialsFile) {
    lines.push(
      "",
      "[model_providers.switchyard]",
      `name = ${q(ctx.provider.name)}`,
      `base_url = ${q(ctx.baseUrl)}`,
      'wire_api = "responses"',
      ...(ctx.provider.apiKeyEnv ? [`env_key = ${q(ctx.provider.apiKeyEnv)}`] : []),
      "supports_websockets = false",
      "requires_openai_auth = false",
    );
  }
  return `${lines.join("\n")}\n`;
}

export const codexAdapter: InstalledAgentAdapter = {
  info: INSTALLED_AGENTS.codex,
  subscriptionFile: "~/.codex/auth.json",
  subscriptionHosts: ["chatgpt.com", "auth.openai.com"],
  launch(ctx) {
    return {
      args: [
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        "-C",
        ctx.workdir,
        "-m",
        ctx.model.id,
        "--",
        ctx.instruction,
      ],
      env: { CODEX_HOME: `${ctx.home}/${CODEX_HOME}` },
      files: [{ path: `${CODEX_HOME}/config.toml`, content: configToml(ctx) }],
      credentialsPath: `${CODEX_HOME}/auth.json`,
    };
  },
  parse(lines, ctx) {
    const usage = { ...ZERO_USAGE };
    const events: RunEventBody[] = [];
    let turns = 0;
    let toolCalls = 0;
    let failed = 0;
    let error: string | null = null;
    for (const { line } of lines) {
      const ev = jsonLine(line);
      if (!ev) continue;
      const type = str(ev.type);
      if (type === "turn.completed") {
        const u = obj(ev.usage);
        const cached = num(u.cached_input_tokens);
        const written = num(u.cache_write_input_tokens);
        usage.input += Math.max(0, num(u.input_tokens) - cached - written);
        usage.cacheRead += cached;
        usage.cacheWrite += written;
        usage.output += num(u.output_tokens);
        usage.reasoning += num(u.reasoning_output_tokens);
      } else if (type === "turn.failed") {
        error = str(obj(ev.error).message) || "turn failed";
      } else if (type === "error") {
        error = str(ev.message) || "error";
      } else if (type === "item.completed") {
        const item = obj(ev.item);
        const id = str(item.id);
        const kind = str(item.type);
        if (kind === "agent_message" || kind === "reasoning") {
          turns += kind === "agent_message" ? 1 : 0;
          const text = str(item.text);
          events.push(
            assistantEvent(ctx, [kind === "agent_message" ? { type: "text", text } : { type: "reasoning", text }]),
          );
        } else if (kind === "command_execution") {
          toolCalls++;
          const bad = num(item.exit_code) !== 0 || str(item.status) === "failed";
          if (bad) failed++;
          events.push(toolCallEvent(id, "exec_command", { cmd: str(item.command) }));
          events.push(textResult(id, "exec_command", str(item.aggregated_output), bad));
        } else if (kind === "file_change" || kind === "mcp_tool_call" || kind === "web_search") {
          toolCalls++;
          const bad = str(item.status) === "failed";
          if (bad) failed++;
          const name = kind === "file_change" ? "apply_patch" : kind;
          events.push(toolCallEvent(id, name, kind === "file_change" ? { changes: item.changes } : item));
          events.push(textResult(id, name, str(item.status), bad));
        }
      }
    }
    return {
      usage,
      reportedCostUsd: null,
      firstOutputMs: null,
      turns,
      toolCalls,
      failedToolCalls: failed,
      error,
      events,
    };
  },
};
