import { join } from "node:path";
import type { Config } from "../../core/config.ts";
import type { RunEventBody } from "../../core/events.ts";
import { textOf } from "../../core/messages.ts";
import type { ModelClient } from "../../core/model.ts";
import { createAgentRunStats, toAgentResult } from "../agent-run-stats.ts";
import type { LocalEnvironment } from "../local-env.ts";
import type { BenchTask } from "../task.ts";
import type { ModelAgentRunner } from "../trial.ts";
import { type CallRecord, callRecords } from "./diagnostics.ts";
import { openAtlasSession } from "./session.ts";
import type { McpAtlasTask } from "./task.ts";

/**
 * Switchyard's agent on an MCP-Atlas task: the agent loop with exactly the task's enabled MCP tools (no bash,
 * editor or apply_patch), the task's prompt as the user message, and MCP-Atlas's tool-call budget (default 100) as
 * a loop limit. The answer scored is the text of the last assistant message that has any (MCP-Atlas's harness
 * takes the last assistant content), also when a limit ended the run.
 */
export interface AtlasAgentOutput {
  answer: string;
  calls: CallRecord[];
  /** The system prompt the model got. */
  system: string;
}

/** Used when the task has no system prompt of its own (MCP-Atlas sends none by default; every protocol takes one). */
export const DEFAULT_ATLAS_SYSTEM =
  "Use the tools available to you to fulfil the user's request. When you have what you need, reply with the " +
  "complete final answer, stating the facts you found.";

type RunnerResult = Awaited<ReturnType<ModelAgentRunner>>;

/** The answer of a run: the last assistant text among its model responses. */
export function lastAnswer(events: readonly RunEventBody[]): string {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.type !== "model_response") continue;
    const text = textOf(e.message.content).trim();
    if (text) return text;
  }
  return "";
}

export async function runAtlasModel(opts: {
  task: BenchTask & { mcpAtlas: McpAtlasTask };
  client: ModelClient;
  config: Config;
  env: NodeJS.ProcessEnv;
  trialEnv: LocalEnvironment;
  trialDir: string;
  scratchDir: string;
  timeoutMs: number;
  toolBudget: number;
  /** The model endpoint's base URL, for the trial's provenance. */
  baseUrl?: string;
  signal?: AbortSignal;
}): Promise<RunnerResult & { mcp: AtlasAgentOutput }> {
  const { task, client, config } = opts;
  const [{ runLoop }, { TranscriptWriter }, { createRedactor }, { toolDefinitions }] = await Promise.all([
    import("../../agent/loop.ts"),
    import("../../agent/transcript.ts"),
    import("../../agent/redact.ts"),
    import("../../tools/index.ts"),
  ]);
  const session = await openAtlasSession({
    task,
    env: opts.trialEnv,
    scratchDir: opts.scratchDir,
    trialDir: opts.trialDir,
    maxProcesses: config.run.max_processes,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const redact = createRedactor(opts.env);
  const writer = new TranscriptWriter({
    file: join(opts.trialDir, "transcript.jsonl"),
    runId: `${task.name}-${Date.now().toString(36)}`,
    redact,
  });
  const stats = createAgentRunStats();
  const events: RunEventBody[] = [];
  const emit = (body: RunEventBody, step: number) => {
    writer.append(body, step);
    stats.add(body);
    events.push(body);
  };
  const system = task.mcpAtlas.spec.systemPrompt ?? DEFAULT_ATLAS_SYSTEM;
  const limits = {
    maxSteps: config.run.max_steps,
    timeoutMs: opts.timeoutMs,
    maxToolCalls: opts.toolBudget,
    ...(config.run.max_tokens === undefined ? {} : { maxTokens: config.run.max_tokens }),
    ...(config.run.budget_usd === undefined ? {} : { budgetUsd: config.run.budget_usd }),
  };
  try {
    emit(
      {
        type: "run_started",
        task: task.instruction,
        model: { provider: client.model.provider, id: client.model.id, protocol: client.model.protocol },
        workspace: opts.trialEnv.workdir,
        sandbox: "bwrap",
        limits: { maxSteps: limits.maxSteps, timeoutMs: opts.timeoutMs },
        system,
      },
      0,
    );
    const tools = session.mcp.tools;
    const final = await runLoop({
      client,
      tools,
      toolContext: {
        sandbox: session.sandbox,
        signal: opts.signal ?? new AbortController().signal,
        runDir: join(opts.scratchDir, "mcp-run"),
      },
      system,
      task: task.instruction,
      limits,
      emit,
      definitions: toolDefinitions(tools),
      execute: session.mcp.execute,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const failed = final.endState === "provider_error" || final.endState === "error";
    return {
      agentResult: toAgentResult(final, stats, {
        protocol: client.model.protocol,
        toolDefinitionTokens: session.mcp.toolTokenCost,
      }),
      model: `${client.model.provider}/${client.model.id}`,
      ...(opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl }),
      timedOut: final.endState === "timeout",
      ...(failed ? { error: { type: "AgentError", message: `${final.endState}: ${final.message}` } } : {}),
      // Redacted before it is judged or written (agent/answer.txt, claims.json): a secret the model printed is no claim.
      mcp: { answer: redact(lastAnswer(events)), calls: callRecords(events, session.atlasNames), system },
    };
  } finally {
    writer.close();
    await session.close();
  }
}
