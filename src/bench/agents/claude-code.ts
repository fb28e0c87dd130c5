import type { RunEventBody } from "../../core/events.ts";
import { ZERO_USAGE } from "../../core/usage.ts";
import {
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
 * Claude Code (`@anthropic-ai/claude-code`). Headless: `claude -p --output-format stream-json --verbose`
 * (`claude --help`: stream-json "only works with --print"; `--verbose` is required with it), the instruction on
 * stdin (as Harbor pipes it), `--permission-mode bypassPermissions` (Harbor's default; the trial sandbox has no
 * internet but the allowlist), `--include-partial-messages` so the first streamed token is visible (TTFT), and
 * `--model` plus `ANTHROPIC_MODEL` / `ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU}_MODEL` / `CLAUDE_CODE_SUBAGENT_MODEL` all
 * set to the benchmarked model, so no request goes to another model (as Harbor does for custom base URLs).
 *
 * Endpoint: `ANTHROPIC_BASE_URL` and `ANTHROPIC_API_KEY`. Start-up traffic off: `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`
 * (auto-updater, telemetry, error reporting, bug command), plus `DISABLE_AUTOUPDATER`, `DISABLE_TELEMETRY`,
 * `DISABLE_ERROR_REPORTING`; `IS_SANDBOX=1` lets bypassPermissions run. Config in a throwaway `CLAUDE_CONFIG_DIR`. A
 * subscription sign-in (opt-in) is the `.credentials.json` of a logged-in `claude`, mounted read-only there.
 *
 * Log: `system/init`, `assistant` (one line per content block, each with the API message's usage), `user`
 * (tool_result blocks), `stream_event` (partials), and a final `result` with `total_cost_usd` (Claude Code's own
 * price table: reported, not computed), `usage` and per-model `modelUsage`.
 */
const CONFIG_DIR = ".claude";

export const claudeCodeAdapter: InstalledAgentAdapter = {
  info: INSTALLED_AGENTS["claude-code"],
  subscriptionFile: "~/.claude/.credentials.json",
  subscriptionHosts: ["api.anthropic.com", "console.anthropic.com", "platform.claude.com"],
  launch(ctx) {
    const id = ctx.model.id;
    return {
      args: [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-partial-messages",
        "--permission-mode",
        "bypassPermissions",
        "--model",
        id,
      ],
      env: {
        CLAUDE_CONFIG_DIR: `${ctx.home}/${CONFIG_DIR}`,
        ANTHROPIC_BASE_URL: ctx.baseUrl,
        ANTHROPIC_MODEL: id,
        ANTHROPIC_DEFAULT_OPUS_MODEL: id,
        ANTHROPIC_DEFAULT_SONNET_MODEL: id,
        ANTHROPIC_DEFAULT_HAIKU_MODEL: id,
        CLAUDE_CODE_SUBAGENT_MODEL: id,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
        DISABLE_TELEMETRY: "1",
        DISABLE_ERROR_REPORTING: "1",
        IS_SANDBOX: "1",
      },
      files: [{ path: `${CONFIG_DIR}/settings.json`, content: '{\n  "autoUpdates": false\n}\n' }],
      stdin: ctx.instruction,
      credentialsPath: `${CONFIG_DIR}/.credentials.json`,
    };
  },
  parse(lines, ctx) {
    const events: RunEventBody[] = [];
    const usage = { ...ZERO_USAGE };
    let cost: number | null = null;
    let ttft: number | null = null;
    let firstOutputMs: number | null = null;
    let turns = 0;
    let toolCalls = 0;
    let failed = 0;
    let error: string | null = null;
    const messageIds = new Set<string>();
    const toolNames = new Map<string, string>();
    let sawResult = false;
    for (const { t, line } of lines) {
      const ev = jsonLine(line);
      if (!ev) continue;
      const type = str(ev.type);
      if (type === "stream_event") {
        const inner = obj(ev.event);
        if (firstOutputMs === null && str(inner.type) === "content_block_delta") firstOutputMs = t;
      } else if (type === "assistant") {
        const msg = obj(ev.message);
        const id = str(msg.id);
        if (id && !messageIds.has(id)) {
          messageIds.add(id);
          turns++;
        }
        if (firstOutputMs === null) firstOutputMs = t;
        for (const block of Array.isArray(msg.content) ? msg.content : []) {
          const b = obj(block);
          const kind = str(b.type);
          if (kind === "text") events.push(assistantEvent(ctx, [{ type: "text", text: str(b.text) }]));
          else if (kind === "thinking")
            events.push(assistantEvent(ctx, [{ type: "reasoning", text: str(b.thinking) }]));
          else if (kind === "tool_use") {
            toolCalls++;
            toolNames.set(str(b.id), str(b.name));
            events.push(toolCallEvent(str(b.id), str(b.name), b.input));
          }
        }
      } else if (type === "user") {
        const msg = obj(ev.message);
        for (const block of Array.isArray(msg.content) ? msg.content : []) {
          const b = obj(block);
          if (str(b.type) !== "tool_result") continue;
          const isError = b.is_error === true;
          if (isError) failed++;
          const content = Array.isArray(b.content) ? b.content.map((c) => str(obj(c).text)).join("\n") : str(b.content);
          const callId = str(b.tool_use_id);
          events.push(textResult(callId, toolNames.get(callId) ?? "tool", content, isError));
        }
      } else if (type === "result") {
        sawResult = true;
        cost = typeof ev.total_cost_usd === "number" ? ev.total_cost_usd : null;
        if (typeof ev.ttft_ms === "number") ttft = ev.ttft_ms;
        const perModel = Object.values(obj(ev.modelUsage)).map(obj);
        if (perModel.length) {
          for (const m of perModel) {
            usage.input += num(m.inputTokens);
            usage.cacheRead += num(m.cacheReadInputTokens);
            usage.cacheWrite += num(m.cacheCreationInputTokens);
            usage.output += num(m.outputTokens);
            usage.reasoning += num(m.thinkingTokens);
          }
        } else {
          const u = obj(ev.usage);
          usage.input += num(u.input_tokens);
          usage.cacheRead += num(u.cache_read_input_tokens);
          usage.cacheWrite += num(u.cache_creation_input_tokens);
          usage.output += num(u.output_tokens);
          usage.reasoning += num(obj(u.output_tokens_details).thinking_tokens);
        }
        if (ev.is_error === true) error = str(ev.result) || str(ev.subtype) || "error result";
      }
    }
    if (!sawResult && error === null) error = "no result event in the stream";
    return {
      usage,
      reportedCostUsd: cost,
      firstOutputMs,
      reportedTtftMs: ttft,
      turns,
      toolCalls,
      failedToolCalls: failed,
      error,
      events,
      // Partial-message lines are kept out of the trial's log (they repeat what the full messages carry).
      keep: (line) => !line.startsWith('{"type":"stream_event"'),
    };
  },
};
