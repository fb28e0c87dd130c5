import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { redactText } from "../core/redact.ts";
import { isScoredOutcome } from "../core/verdict.ts";
import type {
  HarborAgentInfo,
  HarborExceptionInfo,
  HarborTimingInfo,
  HarborTrialConfig,
  HarborTrialResult,
} from "./harbor-models.ts";
import type { McpTrialSummary } from "./mcp-atlas/score-trial.ts";
import type { EnvironmentInfo } from "./trial-environment.ts";
import { fromLegacyTrial } from "./trial-result-legacy.ts";

/**
 * One trial as the bench, the reports and the results store see it. On disk it is two files in the trial folder:
 * - `result.json`: exactly Harbor's TrialResult (harbor-models.ts; validated in the tests against the schema in
 *   test/fixtures/harbor/). Switchyard's agent-run statistics (end_state, steps, tool calls, …) sit in
 *   `agent_result.metadata`, the one place in Harbor's TrialResult that keeps keys of its own.
 * - `switchyard.json` (SIDECAR_FILE): what Harbor has no field for — category, difficulty, attempt, the reward
 *   as one number, environment fidelity and the provenance of the answer. A Harbor job (no side file) still reads:
 *   those fields are derived from result.json.
 * `n_input_tokens` counts every prompt token including cache reads and writes; `n_cache_tokens` counts cache
 * reads. `reward` is null when no reward could be read (see exception_info); `passed` is reward >= 1.
 */
export interface TimeSpan {
  started_at: string;
  finished_at: string;
}

/**
 * Harbor's ExceptionInfo. exception_type is one of TaskLoadError | EnvironmentSetupError |
 * EnvironmentUnsupportedError | AgentSetupError | AgentError | AgentTimeoutError | VerifierTimeoutError |
 * RewardFileNotFoundError | RewardFileEmptyError | VerifierOutputParseError | InternalError.
 */
export type ExceptionInfo = HarborExceptionInfo;

/** Harbor's AgentContext counts plus Switchyard's agent-run statistics (written to agent_result.metadata). */
export interface AgentResult {
  n_input_tokens: number;
  n_cache_tokens: number;
  n_output_tokens: number;
  cost_usd: number | null;
  end_state: string;
  steps: number;
  n_tool_calls: number;
  n_failed_tool_calls: number;
  n_argument_errors: number;
  ttft_ms: number | null;
  output_tokens_per_second: number | null;
  /** Tokens (o200k_base) the MCP tool definitions add to every model request (0 without MCP servers). */
  tool_definition_tokens?: number;
  /** Screenshots the computer tool returned (0 for tasks without a computer). */
  n_screenshots?: number;
  /**
   * Estimated prompt tokens of those screenshots when first sent, by the model protocol's formula
   * (src/computer/screenshots.ts); the provider's usage figures stay the billing truth.
   */
  n_screenshot_tokens_est?: number;
  /** Installed agents: "reported" (the CLI's own figure), "computed" (catalog price × usage) or null (no price). */
  cost_source?: "reported" | "computed" | null;
  /** Installed agents: the catalog price of the same usage, beside a reported cost. */
  catalog_cost_usd?: number | null;
  n_cache_write_tokens?: number;
  n_reasoning_tokens?: number;
  /** Installed agents: ms from the CLI's start to its first model request (its start-up). */
  startup_ms?: number | null;
  /** Installed agents: connections the egress allowlist let through / refused ("CONNECT host:port"). */
  egress_allowed?: number;
  egress_refused?: string[];
}

/** "switchyard" is Switchyard's own agent; other names (installed agents, Harbor's agents) are kept as written. */
export type AgentKind = "oracle" | "nop" | "switchyard" | (string & {});

/** An agent that calls a model (and so has tokens and a cost): anything but oracle and nop. */
/** The verdict rule (src/core/verdict.ts): a reward was read and only the agent's own time limit interrupted it. */
export function isScored(t: Pick<TrialResult, "reward" | "exception_info">): boolean {
  return isScoredOutcome(t.reward, t.exception_info?.exception_type);
}

export function isModelAgent(agent: AgentKind): boolean {
  return agent !== "oracle" && agent !== "nop";
}

/**
 * How faithful the trial's environment was to the task's Docker image. `reduced` with notes naming every step
 * skipped or approximated; environments may add fields of their own (kept as written).
 */
export interface Fidelity {
  reduced: boolean;
  notes: string[];
  [extra: string]: unknown;
}

/** Where a trial's answer came from (the router trusts only comparable evidence; see src/router/evidence.ts). */
export interface Provenance {
  /** The agent harness: switchyard (Switchyard's own agent), oracle, nop, or an installed agent; with its version. */
  harness: { name: string; version: string };
  /** Host (and port) of the model endpoint's base URL; null for oracle and nop. */
  endpoint_host: string | null;
  /** The endpoint is on this machine (127.0.0.0/8, ::1, localhost): the mock server or a local model server. */
  loopback: boolean;
  /** The project the bench ran for (absolute folder); evidence from other projects is left out by default. */
  project: string | null;
  /** The model's reasoning effort when known. */
  reasoning_effort: string | null;
}

export interface TrialResult {
  /** Harbor's TrialResult.id (a UUID). */
  id: string;
  task_name: string;
  trial_name: string;
  /** file:// URI of the trial folder. */
  trial_uri: string;
  /** Absolute path of the task folder. */
  task_dir: string;
  /** The dataset (suite folder name) the task came from; null for a task folder given directly. */
  source: string | null;
  /** Harbor's task checksum (dirhash sha256 of the task folder). */
  task_checksum: string;
  config: HarborTrialConfig;
  agent_info: HarborAgentInfo;
  category: string | null;
  difficulty: string | null;
  agent: AgentKind;
  /** "provider/model" for the switchyard agent; null for oracle and nop. */
  model: string | null;
  attempt: number;
  verifier_result: { rewards: Record<string, number> } | null;
  reward: number | null;
  passed: boolean;
  exception_info: ExceptionInfo | null;
  agent_result: AgentResult | null;
  started_at: string;
  finished_at: string;
  environment_setup: TimeSpan | null;
  agent_setup: TimeSpan | null;
  agent_execution: TimeSpan | null;
  verifier: TimeSpan | null;
  fidelity: Fidelity;
  provenance: Provenance;
  /** What the environment was: fidelity with every note and skipped step, resource limits and who applied them. */
  environment?: EnvironmentInfo;
  /** MCP-Atlas-style tasks: claims coverage, pass, the judge's spend and the diagnostics (mcp-atlas/score-trial.ts). */
  mcp?: McpTrialSummary;
}

export const RESULT_FILE = "result.json";
export const SIDECAR_FILE = "switchyard.json";
/** The side file's format marker; bump on an incompatible change. */
export const SIDECAR_FORMAT = "switchyard.trial.v1";

/** Switchyard's side file of a trial (switchyard.json). */
export interface TrialSidecar {
  format: typeof SIDECAR_FORMAT;
  category: string | null;
  difficulty: string | null;
  agent: string;
  model: string | null;
  attempt: number;
  reward: number | null;
  passed: boolean;
  fidelity: Fidelity;
  provenance: Provenance;
  /** The trial's environment block (trial-environment.ts EnvironmentInfo); absent in older side files. */
  environment?: EnvironmentInfo;
  /** MCP-Atlas-style tasks only. */
  mcp?: McpTrialSummary;
}

const COUNT_KEYS = ["n_input_tokens", "n_cache_tokens", "n_output_tokens", "cost_usd"] as const;

/** Harbor's TrialResult for a trial (result.json). */
export function toHarborTrial(r: TrialResult): HarborTrialResult {
  let agentResult: HarborTrialResult["agent_result"] = null;
  if (r.agent_result) {
    const { n_input_tokens, n_cache_tokens, n_output_tokens, cost_usd, ...stats } = r.agent_result;
    agentResult = { n_input_tokens, n_cache_tokens, n_output_tokens, cost_usd, rollout_details: null, metadata: stats };
  } else if (r.agent_execution) {
    // Harbor gives every agent that ran an AgentContext, empty for agents that report nothing (oracle, nop).
    agentResult = emptyAgentContext();
  }
  const span = (s: TimeSpan | null): HarborTimingInfo | null => (s ? { ...s } : null);
  return {
    id: r.id,
    task_name: r.task_name,
    trial_name: r.trial_name,
    trial_uri: r.trial_uri,
    task_id: { path: r.task_dir },
    source: r.source,
    task_checksum: r.task_checksum,
    config: r.config,
    agent_info: r.agent_info,
    agent_result: agentResult,
    verifier_result: r.verifier_result,
    exception_info: r.exception_info,
    started_at: r.started_at,
    finished_at: r.finished_at,
    environment_setup: span(r.environment_setup),
    agent_setup: span(r.agent_setup),
    agent_execution: span(r.agent_execution),
    verifier: span(r.verifier),
  };
}

function emptyAgentContext(): NonNullable<HarborTrialResult["agent_result"]> {
  return {
    n_input_tokens: null,
    n_cache_tokens: null,
    n_output_tokens: null,
    cost_usd: null,
    rollout_details: null,
    metadata: null,
  };
}

export function toSidecar(r: TrialResult): TrialSidecar {
  return {
    format: SIDECAR_FORMAT,
    category: r.category,
    difficulty: r.difficulty,
    agent: r.agent,
    model: r.model,
    attempt: r.attempt,
    reward: r.reward,
    passed: r.passed,
    fidelity: r.fidelity,
    provenance: r.provenance,
    ...(r.environment ? { environment: r.environment } : {}),
    ...(r.mcp ? { mcp: r.mcp } : {}),
  };
}

/**
 * Write JSON so a reader never sees a partial file: temp file in the same folder, then rename. Secrets are
 * redacted (core/redact.ts: an exception message can carry a provider's or a model's text).
 */
export function writeJsonAtomic(file: string, data: unknown): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, `${redactText(JSON.stringify(data, null, 2))}\n`);
  renameSync(tmp, file);
}

/** The side file first, result.json last: a trial counts as complete once its result.json exists. */
export function writeTrialFiles(trialDir: string, r: TrialResult): void {
  writeJsonAtomic(join(trialDir, SIDECAR_FILE), toSidecar(r));
  writeJsonAtomic(join(trialDir, RESULT_FILE), toHarborTrial(r));
}

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isHarborTrial(v: Record<string, unknown>): boolean {
  return (
    typeof v.trial_name === "string" &&
    typeof v.task_name === "string" &&
    typeof v.task_id === "object" &&
    v.task_id !== null &&
    typeof v.agent_info === "object" &&
    v.agent_info !== null &&
    typeof v.finished_at === "string"
  );
}

/**
 * A trial folder's result if its result.json exists and is complete: Harbor's TrialResult (with or without
 * Switchyard's side file), or the flat result.json of Switchyard before Harbor-format results. Undefined for
 * missing, truncated or unrecognised files.
 */
export function readCompleteTrialResult(file: string): TrialResult | undefined {
  const v = readJson(file);
  if (!v) return undefined;
  if (isHarborTrial(v)) {
    const side = readJson(join(file, "..", SIDECAR_FILE));
    return fromHarborTrial(v as unknown as HarborTrialResult, side as TrialSidecar | undefined);
  }
  return fromLegacyTrial(v);
}

function mainReward(rewards: Record<string, number> | null | undefined): number | null {
  if (!rewards) return null;
  if (typeof rewards.reward === "number") return rewards.reward;
  const values = Object.values(rewards).filter((x) => typeof x === "number");
  return values.length === 1 ? (values[0] ?? null) : null;
}

function fullSpan(s: HarborTimingInfo | null | undefined): TimeSpan | null {
  return s?.started_at && s.finished_at ? { started_at: s.started_at, finished_at: s.finished_at } : null;
}

export function fromHarborTrial(h: HarborTrialResult, side?: TrialSidecar): TrialResult {
  const sideOk = side?.format === SIDECAR_FORMAT ? side : undefined;
  const taskDir = "path" in h.task_id && typeof h.task_id.path === "string" ? h.task_id.path : h.task_name;
  const mi = h.agent_info.model_info;
  const reward = sideOk ? sideOk.reward : mainReward(h.verifier_result?.rewards);
  let agentResult: AgentResult | null = null;
  const ctx = h.agent_result;
  const empty = !ctx || Object.values(ctx).every((x) => x === null || x === undefined);
  if (h.agent_result && !empty) {
    const meta = (h.agent_result.metadata ?? {}) as Partial<AgentResult>;
    const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, h.agent_result?.[k] ?? (k === "cost_usd" ? null : 0)]));
    agentResult = {
      end_state: "unknown",
      steps: 0,
      n_tool_calls: 0,
      n_failed_tool_calls: 0,
      n_argument_errors: 0,
      ttft_ms: null,
      output_tokens_per_second: null,
      ...meta,
      ...(counts as Pick<AgentResult, (typeof COUNT_KEYS)[number]>),
    };
  }
  return {
    id: h.id,
    task_name: h.task_name,
    trial_name: h.trial_name,
    trial_uri: h.trial_uri,
    task_dir: taskDir,
    source: h.source ?? null,
    task_checksum: h.task_checksum,
    config: h.config,
    agent_info: h.agent_info,
    category: sideOk?.category ?? null,
    difficulty: sideOk?.difficulty ?? null,
    agent: sideOk?.agent ?? h.agent_info.name,
    model: sideOk ? sideOk.model : mi ? `${mi.provider}/${mi.name}` : null,
    attempt: sideOk?.attempt ?? 1,
    verifier_result: h.verifier_result?.rewards ? { rewards: h.verifier_result.rewards } : null,
    reward,
    passed: sideOk ? sideOk.passed : reward !== null && reward >= 1,
    exception_info: h.exception_info ?? null,
    agent_result: agentResult,
    started_at: h.started_at ?? h.finished_at ?? "",
    finished_at: h.finished_at ?? "",
    environment_setup: fullSpan(h.environment_setup),
    agent_setup: fullSpan(h.agent_setup),
    agent_execution: fullSpan(h.agent_execution),
    verifier: fullSpan(h.verifier),
    fidelity: sideOk?.fidelity ?? { reduced: false, notes: [] },
    provenance: sideOk?.provenance ?? {
      harness: { name: h.agent_info.name, version: h.agent_info.version },
      endpoint_host: null,
      loopback: false,
      project: null,
      reasoning_effort: null,
    },
    ...(sideOk?.environment ? { environment: sideOk.environment } : {}),
    ...(sideOk?.mcp ? { mcp: sideOk.mcp } : {}),
  };
}
