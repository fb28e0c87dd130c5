import { join } from "node:path";
import { errorMessage } from "../../core/errors.ts";
import type { RunEventBody } from "../../core/events.ts";
import type { ToolCall } from "../../core/messages.ts";
import { isLocalEnvironment, type LocalEnvironment } from "../local-env.ts";
import type { BenchTask } from "../task.ts";
import type { TrialSpec } from "../trial.ts";
import type { TrialEnvironment } from "../trial-environment.ts";
import type { AtlasAgentOutput } from "./agent.ts";
import { callRecords } from "./diagnostics.ts";
import { openAtlasSession } from "./session.ts";
import type { McpAtlasTask } from "./task.ts";

/**
 * The oracle of an MCP-Atlas task: its reference trajectory (TRAJECTORY) replayed against the task's real servers
 * in the trial's sandbox, each call through the same dispatcher the model's calls take, then the reference answer
 * (GTFA). The calls land in transcript.jsonl like a model's, so diagnostics and the viewer read them the same way.
 * A call that errors is recorded, not fatal: the verifier's claims decide.
 */
export class OracleUnavailableError extends Error {}

export async function runAtlasOracle(opts: {
  task: BenchTask & { mcpAtlas: McpAtlasTask };
  env: LocalEnvironment;
  trialDir: string;
  scratchDir: string;
  signal?: AbortSignal;
}): Promise<AtlasAgentOutput> {
  const atlas = opts.task.mcpAtlas;
  if (atlas.spec.referenceAnswer === undefined) {
    throw new OracleUnavailableError(
      `task ${atlas.spec.id} has no reference answer (GTFA); the oracle needs it (and TRAJECTORY for the tool calls)`,
    );
  }
  const { TranscriptWriter } = await import("../../agent/transcript.ts");
  const session = await openAtlasSession({
    task: opts.task,
    env: opts.env,
    scratchDir: opts.scratchDir,
    trialDir: opts.trialDir,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const byAtlas = new Map([...session.atlasNames].map(([visible, name]) => [name, visible]));
  const writer = new TranscriptWriter({
    file: join(opts.trialDir, "transcript.jsonl"),
    runId: `${opts.task.name}-oracle`,
    redact: (s) => s,
  });
  const events: RunEventBody[] = [];
  const emit = (body: RunEventBody, step: number) => {
    writer.append(body, step);
    events.push(body);
  };
  try {
    const ctx = {
      sandbox: session.sandbox,
      signal: opts.signal ?? new AbortController().signal,
      runDir: join(opts.scratchDir, "mcp-run"),
    };
    for (const [i, ref] of atlas.spec.trajectory.entries()) {
      const call: ToolCall = {
        type: "tool_call",
        id: `reference-${i + 1}`,
        name: byAtlas.get(ref.tool) ?? ref.tool,
        arguments: ref.arguments,
      };
      emit({ type: "tool_call", call }, i + 1);
      const t0 = Date.now();
      const result = await session.mcp.execute(session.mcp.tools, call, ctx);
      emit({ type: "tool_result", result, durationMs: Date.now() - t0 }, i + 1);
    }
    return { answer: atlas.spec.referenceAnswer, calls: callRecords(events, session.atlasNames), system: "" };
  } finally {
    writer.close();
    await session.close();
  }
}

/** The oracle's agent phase of a trial (trial.ts): false after recording why it could not run. */
export async function runAtlasOraclePhase(
  spec: TrialSpec,
  env: TrialEnvironment,
  timeoutMs: number,
  fail: (type: string, message: string) => void,
  atlasOut: { output?: AtlasAgentOutput },
): Promise<boolean> {
  const task = spec.task as BenchTask & { mcpAtlas: McpAtlasTask };
  if (!isLocalEnvironment(env)) {
    fail("AgentSetupError", "MCP-Atlas tasks run in the local environment (use --env local)");
    return false;
  }
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(spec.signal ? [spec.signal] : [])]);
  try {
    atlasOut.output = await runAtlasOracle({ task, env, trialDir: spec.trialDir, scratchDir: spec.scratchDir, signal });
    return true;
  } catch (err) {
    fail("AgentSetupError", errorMessage(err));
    return false;
  }
}
