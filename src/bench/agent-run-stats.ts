import { EMPTY_TALLY, type ScreenshotTally, tallyScreenshots } from "../computer/screenshots.ts";
import type { RunEventBody } from "../core/events.ts";
import type { Protocol } from "../core/messages.ts";
import { promptTokens } from "../core/usage.ts";
import type { AgentResult } from "./trial-result.ts";

/**
 * Per-trial figures the model agent's run events add to agent_result: tool calls, failed calls, argument errors
 * (unparsable JSON, and schema validation failures from tools/execute.ts, whose results start with
 * "Invalid arguments for "), time to first token, output speed and the screenshots the computer tool returned.
 */
export interface AgentRunStats {
  toolCalls: number;
  failedToolCalls: number;
  argumentErrors: number;
  ttftMs: number | null;
  tps: number[];
  screenshots: ScreenshotTally;
}

export function createAgentRunStats(): AgentRunStats & { add(body: RunEventBody): void } {
  const stats = {
    toolCalls: 0,
    failedToolCalls: 0,
    argumentErrors: 0,
    ttftMs: null as number | null,
    tps: [] as number[],
    screenshots: EMPTY_TALLY,
    add(body: RunEventBody): void {
      if (body.type === "tool_call") {
        stats.toolCalls++;
        if (body.call.argumentsError !== undefined) stats.argumentErrors++;
      } else if (body.type === "tool_result") {
        const shot = tallyScreenshots([body]);
        if (shot.screenshots > 0) stats.screenshots = mergeTallies(stats.screenshots, shot);
        if (!body.result.isError) return;
        stats.failedToolCalls++;
        const first = body.result.content[0];
        if (first?.type === "text" && first.text.startsWith("Invalid arguments for ")) stats.argumentErrors++;
      } else if (body.type === "model_response") {
        if (stats.ttftMs === null && body.latency.ttftMs !== undefined) stats.ttftMs = body.latency.ttftMs;
        if (body.latency.outputTokensPerSecond !== undefined) stats.tps.push(body.latency.outputTokensPerSecond);
      }
    },
  };
  return stats;
}

function mergeTallies(a: ScreenshotTally, b: ScreenshotTally): ScreenshotTally {
  return {
    screenshots: a.screenshots + b.screenshots,
    bytes: a.bytes + b.bytes,
    tokens: { openai: a.tokens.openai + b.tokens.openai, anthropic: a.tokens.anthropic + b.tokens.anthropic },
  };
}

/**
 * The screenshot token estimate for the model's protocol (src/computer/screenshots.ts): Anthropic's formula for
 * anthropic-messages, OpenAI's tiling for every other protocol (Gemini's own per-image cost is not modelled).
 */
export function screenshotTokensFor(protocol: Protocol, tally: ScreenshotTally): number {
  return protocol === "anthropic-messages" ? tally.tokens.anthropic : tally.tokens.openai;
}

/** agent_result of a finished model-agent run (Harbor's counts plus the run statistics). */
export function toAgentResult(
  final: Extract<RunEventBody, { type: "final" }>,
  stats: AgentRunStats,
  opts: { protocol: Protocol; toolDefinitionTokens: number },
): AgentResult {
  return {
    n_input_tokens: promptTokens(final.usage),
    n_cache_tokens: final.usage.cacheRead,
    n_output_tokens: final.usage.output,
    cost_usd: final.cost.priced ? final.cost.total : null,
    end_state: final.endState,
    steps: final.steps,
    n_tool_calls: stats.toolCalls,
    n_failed_tool_calls: stats.failedToolCalls,
    n_argument_errors: stats.argumentErrors,
    ttft_ms: stats.ttftMs,
    output_tokens_per_second: stats.tps.length ? stats.tps.reduce((a, b) => a + b, 0) / stats.tps.length : null,
    tool_definition_tokens: opts.toolDefinitionTokens,
    n_screenshots: stats.screenshots.screenshots,
    n_screenshot_tokens_est: screenshotTokensFor(opts.protocol, stats.screenshots),
  };
}
