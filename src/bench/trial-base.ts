import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { AgentSpec } from "./agent-spec.ts";
import {
  agentConfig,
  BUILTIN_AGENT_VERSION,
  environmentConfig,
  exceptionInfo,
  type HarborTrialConfig,
  modelInfo,
  taskConfig,
  VERIFIER_CONFIG,
} from "./harbor-models.ts";
import type { TrialJobContext } from "./trial.ts";
import type { ExceptionInfo, Provenance, TrialResult } from "./trial-result.ts";
import { SWITCHYARD_VERSION } from "./version.ts";

/** A trial's result before it runs: Harbor's TrialConfig and AgentInfo, the provenance known up front. */

const now = () => new Date().toISOString();

export function exception(type: string, message: string): ExceptionInfo {
  return exceptionInfo(type, message, now());
}

export interface BaseArgs {
  task: { name: string; dir: string; category: string | null; difficulty: string | null; source: string | null };
  agent: AgentSpec;
  attempt: number;
  trialName: string;
  trialDir: string;
  startedAt: string;
  timeoutMultiplier: number;
  env: "local" | "docker";
  strictEnv: boolean;
  job: TrialJobContext | undefined;
}

/** Harbor's TrialConfig of a trial (also written as the trial's config.json). */
/** The agent's name in results: oracle, nop, switchyard, or an installed agent's harness (codex, claude-code, …). */
function agentName(a: AgentSpec): string {
  return a.kind === "installed" ? a.agent : a.kind;
}

function agentModel(a: AgentSpec): string | null {
  return a.kind === "switchyard" || a.kind === "installed" ? a.model : null;
}

function trialConfig(a: BaseArgs): HarborTrialConfig {
  const model = agentModel(a.agent);
  return {
    task: taskConfig(a.task.dir, a.task.source),
    trial_name: a.trialName,
    trials_dir: a.job?.jobDir ?? join(a.trialDir, ".."),
    timeout_multiplier: a.timeoutMultiplier,
    agent_timeout_multiplier: null,
    verifier_timeout_multiplier: null,
    agent_setup_timeout_multiplier: null,
    environment_build_timeout_multiplier: null,
    agent: agentConfig(agentName(a.agent), model, a.agent.kind === "switchyard" ? (a.job?.agentKwargs ?? {}) : {}),
    environment: environmentConfig(a.env, { strict_env: a.strictEnv }),
    verifier: { ...VERIFIER_CONFIG },
    artifacts: [],
    job_id: a.job?.jobId ?? null,
  };
}

function baseProvenance(agent: AgentSpec, project: string | null): Provenance {
  return {
    harness: {
      name: agentName(agent),
      version: agent.kind === "switchyard" ? SWITCHYARD_VERSION : BUILTIN_AGENT_VERSION,
    },
    endpoint_host: null,
    loopback: false,
    project,
    reasoning_effort: null,
  };
}

export function baseResult(a: BaseArgs): TrialResult {
  const model = agentModel(a.agent);
  return {
    id: randomUUID(),
    task_name: a.task.name,
    trial_name: a.trialName,
    trial_uri: pathToFileURL(a.trialDir).href,
    task_dir: a.task.dir,
    source: a.task.source,
    task_checksum: a.job?.taskChecksum ?? "",
    config: trialConfig(a),
    agent_info: {
      name: agentName(a.agent),
      version: a.agent.kind === "switchyard" ? SWITCHYARD_VERSION : BUILTIN_AGENT_VERSION,
      model_info: modelInfo(model),
    },
    category: a.task.category,
    difficulty: a.task.difficulty,
    agent: agentName(a.agent),
    model,
    attempt: a.attempt,
    verifier_result: null,
    reward: null,
    passed: false,
    exception_info: null,
    agent_result: null,
    started_at: a.startedAt,
    finished_at: a.startedAt,
    environment_setup: null,
    agent_setup: null,
    agent_execution: null,
    verifier: null,
    fidelity: { reduced: false, notes: [] },
    provenance: baseProvenance(a.agent, a.job?.project ?? null),
  };
}
