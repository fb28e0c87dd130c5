import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
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
 * pi (`@mariozechner/pi-coding-agent`). Headless: `pi --print --mode json` (`pi --help`: "--print, -p
 * Non-interactive mode", "--mode json"), `--provider` and `--model`, the session file kept under /logs/agent
 * (`--session-dir`, as Harbor does), the instruction as the last argument. pi has no approval prompts.
 *
 * Endpoint: `$PI_CODING_AGENT_DIR/models.json` (pi's docs/models.md). For the providers pi ships (openai,
 * anthropic, google) it only overrides the built-in provider's `baseUrl` ("Route a built-in provider through a
 * proxy without redefining models"), so pi keeps its own model data and price table and its reported cost stays
 * its own; a model pi does not list is added to that provider (then pi reports no price and the catalog prices
 * it). Any other endpoint is a custom provider over `openai-completions`. `PI_OFFLINE=1` ("Disable startup network
 * operations") and `PI_TELEMETRY=0` switch off start-up traffic that is not the model.
 *
 * Log: `session`, `agent_start`, `turn_start`, `message_start` / `message_update` (streamed partials) /
 * `message_end` (assistant messages with `usage: {input, output, cacheRead, cacheWrite, cost: {total}}`,
 * `stopReason`, `errorMessage`), `tool_execution_start` / `tool_execution_end {toolCallId, toolName, result,
 * isError}`, `turn_end`, `agent_end`. `message_update` lines repeat the whole partial message each time; they are
 * left out of the trial's log (Harbor drops them too), the first one's arrival is the time to first output.
 */
const BUILTIN: Record<string, { provider: string; path: string }> = {
  "openai-responses": { provider: "openai", path: "" },
  "anthropic-messages": { provider: "anthropic", path: "" },
  gemini: { provider: "google", path: "/v1beta" },
};
const CUSTOM = "switchyard";
const AGENT_DIR = ".pi/agent";

/** Whether pi's bundled model list has `id` under `provider` (pi-ai's models.generated.js). */
export function piKnowsModel(installDir: string, provider: string, id: string): boolean {
  const file = join(installDir, "node_modules", "@mariozechner", "pi-ai", "dist", "models.generated.js");
  if (!existsSync(file)) return false;
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(`\n    "${provider}": {`);
  if (start < 0) return false;
  const next = text.slice(start + 1).search(/\n {4}"[^"]+": \{/);
  const section = next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
  return section.includes(`id: ${JSON.stringify(id)},`);
}

function piTarget(ctx: AdapterContext): { provider: string; models: Record<string, unknown> } {
  const b = BUILTIN[ctx.model.protocol];
  const baseUrl = `${ctx.baseUrl}${b?.path ?? ""}`;
  if (b && ctx.provider.name === b.provider) {
    const known = piKnowsModel(ctx.installDir, b.provider, ctx.model.id);
    const entry: Record<string, unknown> = { baseUrl, ...(known ? {} : { models: [{ id: ctx.model.id }] }) };
    return { provider: b.provider, models: { providers: { [b.provider]: entry } } };
  }
  const api =
    ctx.model.protocol === "openai-responses"
      ? "openai-responses"
      : ctx.model.protocol === "anthropic-messages"
        ? "anthropic-messages"
        : ctx.model.protocol === "gemini"
          ? "google-generative-ai"
          : "openai-completions";
  return {
    provider: CUSTOM,
    models: {
      providers: {
        [CUSTOM]: { baseUrl, api, apiKey: ctx.provider.apiKeyEnv ?? "none", models: [{ id: ctx.model.id }] },
      },
    },
  };
}

export const piAdapter: InstalledAgentAdapter = {
  info: INSTALLED_AGENTS.pi,
  launch(ctx) {
    const target = piTarget(ctx);
    return {
      args: [
        "--print",
        "--mode",
        "json",
        "--provider",
        target.provider,
        "--model",
        ctx.model.id,
        "--session-dir",
        `${ctx.logsDir}/pi-sessions`,
        ctx.instruction,
      ],
      env: { PI_CODING_AGENT_DIR: `${ctx.home}/${AGENT_DIR}`, PI_OFFLINE: "1", PI_TELEMETRY: "0" },
      files: [{ path: `${AGENT_DIR}/models.json`, content: `${JSON.stringify(target.models, null, 2)}\n` }],
    };
  },
  parse(lines, ctx) {
    const events: RunEventBody[] = [];
    const usage = { ...ZERO_USAGE };
    let cost = 0;
    let firstOutputMs: number | null = null;
    let turns = 0;
    let toolCalls = 0;
    let failed = 0;
    let error: string | null = null;
    for (const { t, line } of lines) {
      const ev = jsonLine(line);
      if (!ev) continue;
      const type = str(ev.type);
      if (type === "message_update") {
        if (firstOutputMs === null) firstOutputMs = t;
      } else if (type === "message_end") {
        const msg = obj(ev.message);
        if (str(msg.role) !== "assistant") continue;
        turns++;
        const u = obj(msg.usage);
        usage.input += num(u.input);
        usage.cacheRead += num(u.cacheRead);
        usage.cacheWrite += num(u.cacheWrite);
        usage.output += num(u.output);
        cost += num(obj(u.cost).total);
        if (str(msg.stopReason) === "error") error = str(msg.errorMessage) || "model error";
        const parts: Array<{ type: "text"; text: string } | { type: "reasoning"; text: string }> = [];
        for (const c of Array.isArray(msg.content) ? msg.content : []) {
          const b = obj(c);
          if (str(b.type) === "text") parts.push({ type: "text", text: str(b.text) });
          else if (str(b.type) === "thinking") parts.push({ type: "reasoning", text: str(b.thinking) });
        }
        if (parts.length) events.push(assistantEvent(ctx, parts));
      } else if (type === "tool_execution_start") {
        toolCalls++;
        events.push(toolCallEvent(str(ev.toolCallId), str(ev.toolName), ev.args));
      } else if (type === "tool_execution_end") {
        const bad = ev.isError === true;
        if (bad) failed++;
        const result = obj(ev.result);
        const text = Array.isArray(result.content)
          ? result.content.map((c) => str(obj(c).text)).join("\n")
          : str(ev.result);
        events.push(textResult(str(ev.toolCallId), str(ev.toolName), text, bad));
      }
    }
    return {
      usage,
      reportedCostUsd: cost > 0 ? cost : null,
      firstOutputMs,
      turns,
      toolCalls,
      failedToolCalls: failed,
      error,
      events,
      keep: (line) => !line.startsWith('{"type":"message_update"'),
    };
  },
};
