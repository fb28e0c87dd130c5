import { errorMessage } from "../../core/errors.ts";
import type { AgentSpec } from "../agent-spec.ts";
import type { LocalEnvironment } from "../local-env.ts";
import type { TrialSpec } from "../trial.ts";
import type { TrialResult } from "../trial-result.ts";

/**
 * An installed CLI agent (Codex, Claude Code, …). Its own error or a non-zero exit is recorded with its last output
 * lines and the verifier does not run (as in Harbor: the trial is unscored, never a reward 0); a CLI that could not
 * be installed or started is AgentSetupError.
 */
export async function runInstalledPhase(
  spec: TrialSpec,
  agent: Extract<AgentSpec, { kind: "installed" }>,
  env: LocalEnvironment,
  timeoutMs: number,
  fail: (type: string, message: string) => void,
  r: TrialResult,
): Promise<boolean> {
  if (!spec.runInstalledAgent) {
    fail("AgentSetupError", `no runner for installed agents (${agent.agent}:${agent.model})`);
    return false;
  }
  try {
    const out = await spec.runInstalledAgent({
      task: spec.task,
      spec: { agent: agent.agent, model: agent.model },
      env,
      trialDir: spec.trialDir,
      scratchDir: spec.scratchDir,
      timeoutMs,
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
    r.agent_result = out.agentResult;
    r.model = out.model;
    // Harbor's AgentInfo: the harness as Harbor names it, the CLI's version, the model and its provider.
    r.agent_info = out.agentInfo;
    r.provenance.harness = { name: out.agentInfo.name, version: out.agentInfo.version };
    const { endpointOf } = await import("../endpoint.ts");
    Object.assign(r.provenance, endpointOf(out.baseUrl));
    if (out.timedOut) fail("AgentTimeoutError", `${agent.agent} ran past ${timeoutMs / 1000}s`);
    else if (out.error) fail(out.error.type, out.error.message);
    return !out.skipVerifier;
  } catch (err) {
    fail("AgentSetupError", errorMessage(err));
    return false;
  }
}
