import type { RunEventBody } from "../../core/events.ts";
import { ZERO_USAGE } from "../../core/usage.ts";
import type { AdapterContext } from "./adapter.ts";
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
 * OpenCode (`opencode-ai`). Headless: `opencode run --format json` (`opencode run --help`: "json (raw JSON
 * events)"), `-m provider/model`, `--auto` ("auto-approve permissions that are not explicitly denied"; 1.18 has no
 * `--dangerously-skip-permissions`, which Harbor passes to other versions), `--thinking` (reasoning parts in the
 * stream), the instruction after `--`.
 *
 * Endpoint: `~/.config/opencode/opencode.json` sets the provider's `options.baseURL` (OpenCode reads it from
 * `options`, not the provider root) and `options.apiKey` as `{env:VAR}`, registers the model, and points
 * `small_model` at the same model, so the title request goes to the benchmarked model rather than a cheaper one
 * OpenCode would pick. Start-up traffic off: `OPENCODE_DISABLE_MODELS_FETCH` (models.dev),
 * `OPENCODE_DISABLE_AUTOUPDATE`, `OPENCODE_DISABLE_LSP_DOWNLOAD`, `OPENCODE_DISABLE_DEFAULT_PLUGINS` (npm installs of
 * auth plugins), `OPENCODE_DISABLE_SHARE`; `autoupdate: false`, `share: "disabled"`.
 *
 * Log: `step_start`, `text`, `reasoning`, `tool_use {part: {tool, callID, state: {status, input, output}}}`,
 * `step_finish {part: {tokens: {input, output, reasoning, cache: {read, write}}, cost}}` per model step, `error`.
 * Steps report OpenCode's own cost (its models.dev price table): reported. The title request is not a step and
 * its usage is not in the stream (nor, so, in Harbor's figures).
 */
const PROVIDERS: Record<string, { id: string; path: string; env: string }> = {
  "openai-responses": { id: "openai", path: "", env: "OPENAI_API_KEY" },
  "anthropic-messages": { id: "anthropic", path: "/v1", env: "ANTHROPIC_API_KEY" },
  gemini: { id: "google", path: "/v1beta", env: "GEMINI_API_KEY" },
};

function config(ctx: AdapterContext): Record<string, unknown> {
  const p = PROVIDERS[ctx.model.protocol];
  if (!p) throw new Error(`opencode: no provider mapping for ${ctx.model.protocol}`);
  const ref = `${p.id}/${ctx.model.id}`;
  const keyEnv = ctx.provider.apiKeyEnv ?? p.env;
  return {
    $schema: "https://opencode.ai/config.json",
    model: ref,
    small_model: ref,
    autoupdate: false,
    share: "disabled",
    provider: {
      [p.id]: {
        options: { baseURL: `${ctx.baseUrl}${p.path}`, ...(ctx.credentialsFile ? {} : { apiKey: `{env:${keyEnv}}` }) },
        models: { [ctx.model.id]: {} },
      },
    },
  };
}

export const opencodeAdapter: InstalledAgentAdapter = {
  info: INSTALLED_AGENTS.opencode,
  launch(ctx) {
    const p = PROVIDERS[ctx.model.protocol];
    return {
      args: [
        "run",
        "--format",
        "json",
        "-m",
        `${p?.id ?? ""}/${ctx.model.id}`,
        "--auto",
        "--thinking",
        "--",
        ctx.instruction,
      ],
      env: {
        OPENCODE_DISABLE_MODELS_FETCH: "1",
        OPENCODE_DISABLE_AUTOUPDATE: "1",
        OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
        OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
        OPENCODE_DISABLE_SHARE: "1",
        OPENCODE_DISABLE_CLAUDE_CODE: "1",
      },
      files: [{ path: ".config/opencode/opencode.json", content: `${JSON.stringify(config(ctx), null, 2)}\n` }],
    };
  },
  parse(lines, ctx) {
    const events: RunEventBody[] = [];
    const usage = { ...ZERO_USAGE };
    let cost = 0;
    let costSeen = false;
    let firstOutputMs: number | null = null;
    let turns = 0;
    let toolCalls = 0;
    let failed = 0;
    let error: string | null = null;
    for (const { t, line } of lines) {
      const ev = jsonLine(line);
      if (!ev) continue;
      const type = str(ev.type);
      const part = obj(ev.part);
      if (type === "text" || type === "reasoning") {
        if (firstOutputMs === null) firstOutputMs = t;
        const text = str(part.text);
        events.push(assistantEvent(ctx, [type === "text" ? { type: "text", text } : { type: "reasoning", text }]));
      } else if (type === "tool_use") {
        toolCalls++;
        const state = obj(part.state);
        const bad = str(state.status) === "error";
        if (bad) failed++;
        const id = str(part.callID) || str(part.id);
        const name = str(part.tool);
        events.push(toolCallEvent(id, name, state.input));
        events.push(textResult(id, name, str(state.output) || str(state.error), bad));
      } else if (type === "step_finish") {
        turns++;
        const tokens = obj(part.tokens);
        const cache = obj(tokens.cache);
        usage.input += num(tokens.input);
        usage.cacheRead += num(cache.read);
        usage.cacheWrite += num(cache.write);
        // OpenCode's `output` leaves the reasoning tokens out (its `reasoning` field); both are billed as output.
        usage.output += num(tokens.output) + num(tokens.reasoning);
        usage.reasoning += num(tokens.reasoning);
        if (typeof part.cost === "number") {
          cost += part.cost;
          costSeen = true;
        }
      } else if (type === "error") {
        const e = obj(ev.error);
        error = str(obj(e.data).message) || str(e.name) || "error";
      }
    }
    return {
      usage,
      reportedCostUsd: costSeen ? cost : null,
      firstOutputMs,
      turns,
      toolCalls,
      failedToolCalls: failed,
      error,
      events,
    };
  },
};
