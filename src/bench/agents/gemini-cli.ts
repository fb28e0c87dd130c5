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
 * Gemini CLI (`@google/gemini-cli`). Headless: `gemini -p <instruction> --output-format stream-json` (`gemini
 * --help`: "-p, --prompt  Run in non-interactive (headless) mode"; stream-json is one of the output formats),
 * `--yolo` (approve every tool call) with `GEMINI_CLI_TRUST_WORKSPACE=true` (Harbor: without it Gemini CLI refuses
 * `--yolo` in an untrusted folder and falls back to prompting), `-m` with the wire model id, stdin closed (a piped
 * stdin is appended to the prompt).
 *
 * Endpoint: `GOOGLE_GEMINI_BASE_URL` and `GEMINI_API_KEY`; `~/.gemini/settings.json` pre-selects the auth method
 * (`security.auth.selectedType = "gemini-api-key"`: headless mode cannot show the auth dialog and its
 * auto-detection breaks with a custom base URL, as Harbor notes) and switches off start-up traffic that is not the
 * model: `general.enableAutoUpdate` / `enableAutoUpdateNotification` false, `privacy.usageStatisticsEnabled` false.
 *
 * Log: `init`, `message` (user; assistant with `delta: true` chunks), `tool_use {tool_name, tool_id, parameters}`,
 * `tool_result {tool_id, status, output}`, `error`, and `result {status, stats}` whose stats carry the token counts
 * (`input_tokens` = the whole prompt, `cached`, `output_tokens` = candidates without thoughts, `total_tokens`) per model;
 * no cost, so it is priced from the catalog.
 */
const SETTINGS = {
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  privacy: { usageStatisticsEnabled: false },
  security: { auth: { selectedType: "gemini-api-key" } },
};

export const geminiCliAdapter: InstalledAgentAdapter = {
  info: INSTALLED_AGENTS["gemini-cli"],
  launch(ctx) {
    return {
      args: ["--yolo", "-m", ctx.model.id, "--output-format", "stream-json", "-p", ctx.instruction],
      env: { GOOGLE_GEMINI_BASE_URL: ctx.baseUrl, GEMINI_CLI_TRUST_WORKSPACE: "true", NO_COLOR: "1" },
      files: [{ path: ".gemini/settings.json", content: `${JSON.stringify(SETTINGS, null, 2)}\n` }],
    };
  },
  parse(lines, ctx) {
    const events: RunEventBody[] = [];
    const usage = { ...ZERO_USAGE };
    let firstOutputMs: number | null = null;
    const turns = 0;
    let toolCalls = 0;
    let failed = 0;
    let error: string | null = null;
    let text = "";
    let sawResult = false;
    const names = new Map<string, string>();
    const flushText = () => {
      if (text) events.push(assistantEvent(ctx, [{ type: "text", text }]));
      text = "";
    };
    for (const { t, line } of lines) {
      const ev = jsonLine(line);
      if (!ev) continue;
      const type = str(ev.type);
      if (type === "message" && str(ev.role) === "assistant") {
        if (firstOutputMs === null) firstOutputMs = t;
        text += str(ev.content);
      } else if (type === "tool_use") {
        flushText();
        toolCalls++;
        names.set(str(ev.tool_id), str(ev.tool_name));
        events.push(toolCallEvent(str(ev.tool_id), str(ev.tool_name), ev.parameters));
      } else if (type === "tool_result") {
        const bad = str(ev.status) !== "success";
        if (bad) failed++;
        const id = str(ev.tool_id);
        const out = str(ev.output) || str(obj(ev.error).message);
        events.push(textResult(id, names.get(id) ?? "tool", out, bad));
      } else if (type === "error") {
        if (str(ev.severity) !== "warning") error = str(ev.message) || "error";
      } else if (type === "result") {
        sawResult = true;
        flushText();
        const stats = obj(ev.stats);
        const models = Object.values(obj(stats.models)).map(obj);
        for (const m of models.length ? models : [stats]) {
          const prompt = num(m.input_tokens);
          const cached = num(m.cached);
          usage.input += Math.max(0, prompt - cached);
          usage.cacheRead += cached;
          // stream-json carries no thoughts count: total (totalTokenCount) − prompt − candidates is the thinking
          // (toolUsePromptTokenCount would land here too, but only server-side tools produce it; the CLI's tools
          // are function calls). Thinking is billed as output.
          const thoughts = Math.max(0, num(m.total_tokens) - prompt - num(m.output_tokens));
          usage.output += num(m.output_tokens) + thoughts;
          usage.reasoning += thoughts;
        }
        if (str(ev.status) !== "success") error = str(obj(ev.error).message) || `result status ${str(ev.status)}`;
      }
    }
    flushText();
    if (!sawResult && error === null) error = "no result event in the stream";
    return {
      usage,
      reportedCostUsd: null,
      firstOutputMs,
      turns,
      toolCalls,
      failedToolCalls: failed,
      error,
      events,
    };
  },
};
