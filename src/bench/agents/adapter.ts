import type { RunEventBody } from "../../core/events.ts";
import type { ModelInfo, ProviderInfo } from "../../core/model.ts";
import type { Usage } from "../../core/usage.ts";
import type { InstalledAgentInfo } from "./catalog.ts";

/**
 * One installed agent (a CLI) as a bench agent: how to point it at the model endpoint (files in a throwaway HOME,
 * variables), the headless command its own docs give, and how to read its event stream back. Adapters are pure:
 * the runner (run-installed.ts) owns the sandbox, the egress proxy, the timeout and the files.
 */
export interface AdapterContext {
  model: ModelInfo;
  provider: ProviderInfo;
  /** The provider's base URL as the SDKs take it (OPENAI_BASE_URL form: `…/v1` for OpenAI, bare for Anthropic). */
  baseUrl: string;
  /** The task instruction, verbatim. */
  instruction: string;
  /** Working folder inside the sandbox (/app). */
  workdir: string;
  /** HOME inside the sandbox. */
  home: string;
  /** /logs/agent inside the sandbox. */
  logsDir: string;
  /** A subscription sign-in file mounted read-only at this path inside the sandbox (opt-in), else undefined. */
  credentialsFile?: string;
  /** Files of the installed CLI (host folder), for adapters that read their bundled model list. */
  installDir: string;
}

export interface AdapterLaunch {
  /** Arguments after the CLI's own executable. */
  args: string[];
  /** Variables for the CLI's process (beside the sandbox's base ones). The API key is added by the runner. */
  env: Record<string, string>;
  /** Files to write under HOME before the start (path relative to HOME). */
  files: Array<{ path: string; content: string }>;
  /** Fed on stdin (then closed); default: nothing. */
  stdin?: string;
  /** Where inside HOME a subscription credentials file goes (relative path), when the user opted in. */
  credentialsPath?: string;
}

/** A stdout line with its arrival time (ms since the CLI started). */
export interface TimedLine {
  t: number;
  line: string;
}

export interface ParsedRun {
  /** Usage summed over every model request the CLI reported. */
  usage: Usage;
  /** The CLI's own cost figure, when its stream carries one. */
  reportedCostUsd: number | null;
  /** Arrival time (ms since start) of the first streamed model output, when the stream shows one. */
  firstOutputMs: number | null;
  /** The CLI's own time-to-first-token figure, when its stream reports one (Claude Code's result.ttft_ms). */
  reportedTtftMs?: number | null;
  /** Model turns (requests) the stream shows. */
  turns: number;
  toolCalls: number;
  failedToolCalls: number;
  /** The CLI's own error report (a failed turn, an error event, an error result), if any. */
  error: string | null;
  /** The run in Switchyard's event schema (what the stream allows). */
  events: RunEventBody[];
  /** Lines to keep in the trial's copy of the log (default: all). */
  keep?: (line: string) => boolean;
}

export interface InstalledAgentAdapter {
  info: InstalledAgentInfo;
  /** The CLI's own name for its subscription sign-in file (for --subscription hints). */
  subscriptionFile?: string;
  /** Hosts a subscription sign-in talks to besides the model endpoint. */
  subscriptionHosts?: string[];
  launch(ctx: AdapterContext): AdapterLaunch;
  parse(lines: TimedLine[], ctx: Pick<AdapterContext, "model" | "provider">): ParsedRun;
}

/** Parse one JSON line, or undefined (a CLI's banner, a warning on stdout). */
export function jsonLine(line: string): Record<string, unknown> | undefined {
  const s = line.trim();
  if (!s.startsWith("{")) return undefined;
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

export function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v);
}

/** A plain assistant message event (text and tool calls) in Switchyard's schema. */
export function textResult(callId: string, name: string, text: string, isError: boolean): RunEventBody {
  return {
    type: "tool_result",
    result: { type: "tool_result", callId, name, content: [{ type: "text", text }], isError },
    durationMs: 0,
  };
}

/** An assistant turn as Switchyard's `model_response` (usage and cost per turn are not known from every CLI). */
export function assistantEvent(
  ctx: Pick<AdapterContext, "model" | "provider">,
  content: Array<{ type: "text"; text: string } | { type: "reasoning"; text: string }>,
  usage: Usage = { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 },
): RunEventBody {
  const model = { provider: ctx.provider.name, id: ctx.model.id, protocol: ctx.model.protocol };
  return {
    type: "model_response",
    model,
    message: { role: "assistant", content, model },
    stopReason: "end_turn",
    usage,
    cost: { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, total: 0, priced: false },
    latency: { totalMs: 0 },
  };
}

export function toolCallEvent(id: string, name: string, args: unknown): RunEventBody {
  const a = obj(args);
  return {
    type: "tool_call",
    call: { type: "tool_call", id, name, arguments: Object.keys(a).length ? a : { input: str(args) } },
  };
}
