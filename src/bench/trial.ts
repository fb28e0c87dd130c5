import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errorMessage } from "../core/errors.ts";
import { redactText } from "../core/redact.ts";
import { type AgentSpec, agentLabel } from "./agent-spec.ts";
import { runInstalledPhase } from "./agents/installed-phase.ts";
import type { InstalledAgentRunner } from "./agents/prepare.ts";
import { createDockerEnvironment, DOCKER_MODEL_AGENT_MESSAGE } from "./docker-env.ts";
import { resolveEnvTemplates } from "./env-template.ts";
import { modelInfo } from "./harbor-models.ts";
import { createLocalEnvironment, isLocalEnvironment, type LocalEnvironment } from "./local-env.ts";
import type { AtlasAgentOutput } from "./mcp-atlas/agent.ts";
import type { ClaimJudge } from "./mcp-atlas/judge.ts";
import { atlasPreflight } from "./mcp-atlas/preflight.ts";
import type { McpAtlasTask } from "./mcp-atlas/task.ts";
import { explainOfflineFailures, explanationLogs, offlineVerdictMessage } from "./offline-explain.ts";
import { leftoverNote, withLeftoverReport } from "./oracle-leftovers.ts";
import { readReward } from "./reward.ts";
import { scriptCommand } from "./script-command.ts";
import type { BenchTask } from "./task.ts";
import { metadataString } from "./task-config.ts";
import { type BaseArgs, baseResult, exception } from "./trial-base.ts";
import { placeWorkdirDiff, snapshotWorkdir, type WorkdirSnapshot, writeWorkdirDiff } from "./trial-diff.ts";
import { storageMbOf, withTrialDisk } from "./trial-disk.ts";
import type { TrialEnvironment } from "./trial-environment.ts";
import type { AgentResult, TimeSpan, TrialResult } from "./trial-result.ts";
import { writeJsonAtomic, writeTrialFiles } from "./trial-result.ts";

/**
 * One trial: environment set-up → agent phase (/tests absent, /solution only for the oracle) → tests copied in →
 * verifier (always runs after an agent phase, even one that timed out) → result.json written atomically.
 * Exceptions are recorded, never thrown: a trial always ends with a complete result.json.
 */

/** Runs Switchyard's own agent for one trial (see switchyard-agent.ts); injected so trial.ts stays light. */
export type ModelAgentRunner = (args: {
  task: BenchTask;
  model: string;
  env: LocalEnvironment;
  trialDir: string;
  /** The trial's scratch folder (reachable by the sandbox user); the agent may keep its run files there. */
  scratchDir: string;
  timeoutMs: number;
  signal?: AbortSignal;
}) => Promise<{
  agentResult: AgentResult;
  model: string;
  timedOut: boolean;
  error?: { type: string; message: string };
  /** The model endpoint's base URL, for the trial's provenance. */
  baseUrl?: string;
  reasoningEffort?: string | null;
  /** MCP-Atlas tasks: the answer and the tool calls, for the claims and the diagnostics. */
  mcp?: AtlasAgentOutput;
}>;

/** What every trial of a job shares in Harbor's TrialConfig and the provenance (set by job.ts). */
export interface TrialJobContext {
  /** Harbor's job id (UUID). */
  jobId: string;
  /** The job folder (Harbor's TrialConfig.trials_dir). */
  jobDir: string;
  /** Harbor's task checksum of the task folder. */
  taskChecksum: string;
  /** The model agents' limits, as Harbor's AgentConfig.kwargs. */
  agentKwargs: Record<string, unknown>;
  /** The project the bench runs for (absolute folder). */
  project: string | null;
}

export interface TrialSpec {
  task: BenchTask;
  agent: AgentSpec;
  attempt: number;
  trialName: string;
  trialDir: string;
  /** Host folder for the trial's throwaway file system (removed at the end). */
  scratchDir: string;
  timeoutMultiplier: number;
  strictEnv: boolean;
  /** Default "local" (bwrap). */
  env?: "local" | "docker";
  runModelAgent?: ModelAgentRunner;
  /** Runs an installed CLI agent (src/bench/agents/prepare.ts). */
  runInstalledAgent?: InstalledAgentRunner;
  signal?: AbortSignal;
  job?: TrialJobContext;
  /** Judges the claims of MCP-Atlas tasks that have no exact check (`--judge`). */
  judge?: ClaimJudge;
}

const now = () => new Date().toISOString();

/** Harbor's trial folder: config.json (TrialConfig) first, result.json (+ Switchyard's side file) at the end. */
function writeTrialConfig(trialDir: string, r: TrialResult): void {
  writeJsonAtomic(join(trialDir, "config.json"), r.config);
}

/** Harbor's exception.txt beside result.json when the trial raised. */
function writeFinished(trialDir: string, r: TrialResult): void {
  if (r.exception_info) writeFileSync(join(trialDir, "exception.txt"), r.exception_info.exception_traceback);
  writeTrialFiles(trialDir, r);
}

function specArgs(spec: Omit<TrialSpec, "task" | "scratchDir">, startedAt: string): Omit<BaseArgs, "task"> {
  return {
    agent: spec.agent,
    attempt: spec.attempt,
    trialName: spec.trialName,
    trialDir: spec.trialDir,
    startedAt,
    timeoutMultiplier: spec.timeoutMultiplier,
    env: spec.env ?? "local",
    strictEnv: spec.strictEnv,
    job: spec.job,
  };
}

export async function runTrial(spec: TrialSpec): Promise<TrialResult> {
  const { task, agent, trialName, trialDir } = spec;
  rmSync(trialDir, { recursive: true, force: true });
  mkdirSync(trialDir, { recursive: true });
  const r = baseResult({
    ...specArgs(spec, now()),
    task: {
      name: task.name,
      dir: task.dir,
      category: metadataString(task.config, "category") ?? null,
      difficulty: metadataString(task.config, "difficulty") ?? null,
      source: task.source ?? null,
    },
  });
  writeTrialConfig(trialDir, r);
  // trial.jsonl: the trial's own lifecycle; transcript.jsonl: the agent's run events (Switchyard agent only).
  const lifecycle = join(trialDir, "trial.jsonl");
  writeFileSync(join(trialDir, "transcript.jsonl"), "");
  const log = (ev: Record<string, unknown>) =>
    appendFileSync(lifecycle, `${redactText(JSON.stringify({ ts: now(), ...ev }))}\n`);
  const fail = (type: string, message: string) => {
    if (!r.exception_info) r.exception_info = exception(type, message);
    log({ type: "exception", exception_type: type, message });
  };
  const env: TrialEnvironment =
    spec.env === "docker"
      ? createDockerEnvironment({
          task,
          trialDir,
          scratchDir: spec.scratchDir,
          name: `${trialName}-${Date.now().toString(36)}`,
        })
      : withTrialDisk(
          () => createLocalEnvironment({ task, trialDir, scratchDir: spec.scratchDir }),
          spec.scratchDir,
          storageMbOf(task.config),
        );
  const diffFile = join(spec.scratchDir, "agent-diff.patch");
  // Beside the scratch, not in it: the scratch is the trial's disk quota (trial-disk.ts), the copy is not the task's.
  const diffBase = `${spec.scratchDir}.diff-base`;
  const noDiff = (err: unknown): WorkdirSnapshot => {
    writeFileSync(diffFile, `# no diff: ${errorMessage(err)}\n`);
    return { note: errorMessage(err) };
  };
  const mult = spec.timeoutMultiplier;
  const agentTimeoutMs = Math.round(task.config.agent.timeout_sec * mult * 1000);
  const verifierTimeoutMs = Math.round(task.config.verifier.timeout_sec * mult * 1000);
  try {
    // An MCP-Atlas task that cannot run here (a server needing keys, network or a package) is skipped, unscored.
    const atlasRefusal = task.mcpAtlas ? atlasPreflight(task.mcpAtlas, spec.judge, agent.kind) : undefined;
    if (atlasRefusal) {
      fail(atlasRefusal.type, atlasRefusal.message);
      return finish();
    }
    const planned = (task.docker?.steps ?? []).filter((s) =>
      s.kind === "run"
        ? s.needsNetwork
        : s.kind === "copy" && s.sources.some((src) => /^(https?:\/\/|git@|git:\/\/)/.test(src)),
    );
    if (spec.strictEnv && env.kind === "local" && planned.length > 0) {
      const lines = planned.map((s) => `line ${s.line}`).join(", ");
      fail("EnvironmentUnsupportedError", `--strict-env: Dockerfile steps need network/image (${lines}); task skipped`);
      return finish();
    }
    const setupStart = now();
    try {
      await env.setup({ timeoutMs: Math.round(task.config.environment.build_timeout_sec * mult * 1000) });
    } catch (err) {
      r.environment_setup = { started_at: setupStart, finished_at: now() };
      fail("EnvironmentSetupError", errorMessage(err));
      return finish();
    }
    r.environment_setup = { started_at: setupStart, finished_at: now() };
    log({ type: "environment_ready", workdir: env.workdir, fidelity: env.fidelity });

    // Nothing to install for Switchyard's agents: set-up is instantaneous, as for Harbor's oracle and nop.
    const setupAt = now();
    r.agent_setup = { started_at: setupAt, finished_at: setupAt };
    const agentStart = now();
    log({ type: "agent_started", agent: agentLabel(agent), timeout_ms: agentTimeoutMs });
    const snapshot =
      agent.kind === "nop" ? undefined : await snapshotWorkdir(env, spec.scratchDir, diffBase).catch(noDiff);
    const atlasOut: { output?: AtlasAgentOutput } = {};
    const ranAgent = await runAgentPhase(spec, env, agentTimeoutMs, log, fail, r, atlasOut);
    r.agent_execution = { started_at: agentStart, finished_at: now() };
    if (!ranAgent) return finish();
    if (snapshot) await writeWorkdirDiff(snapshot, env, spec.scratchDir, diffFile).catch(noDiff);
    if (task.mcpAtlas) {
      await scoreAtlas({ ...task, mcpAtlas: task.mcpAtlas }, atlasOut.output);
      return finish();
    }

    const verifierStart = now();
    env.installTests();
    // Harbor (harbor/verifier/verifier.py): `chmod +x /tests/test.sh && /tests/test.sh > /logs/verifier/test-stdout.txt
    // 2>&1` at the environment's WORKDIR, with [verifier.env] resolved from the host. TEST_DIR is what
    // Terminal-Bench 1 test scripts read; Harbor's tests live at /tests.
    const verifierEnv = resolveEnvTemplates(task.config.verifier.env);
    for (const miss of verifierEnv.missing) noteMissingEnv("verifier.env", miss);
    const v = await env.exec("verifier", scriptCommand(join(task.dir, "tests", "test.sh"), "/tests/test.sh"), {
      timeoutMs: verifierTimeoutMs,
      env: { TEST_DIR: "/tests", ...verifierEnv.env },
      outputFile: join(spec.scratchDir, "logs", "verifier", "test-stdout.txt"),
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
    r.verifier = { started_at: verifierStart, finished_at: now() } satisfies TimeSpan;
    env.collectLogs();
    log({ type: "verifier_finished", exit_code: v.exitCode, timed_out: v.timedOut });
    if (v.timedOut) {
      fail(
        "VerifierTimeoutError",
        `tests/test.sh ran past ${verifierTimeoutMs / 1000}s (verifier.timeout_sec × ${mult})`,
      );
    } else {
      const reward = readReward(join(trialDir, "verifier"));
      if (reward.ok) {
        r.verifier_result = { rewards: reward.rewards };
        r.reward = reward.reward;
        r.passed = reward.reward >= 1;
      } else {
        fail(reward.type, `${reward.message} (test.sh exit code ${v.exitCode})`);
      }
    }
    reduceFidelity(r, ...env.shimUses().map((use) => `verifier offline stand-in: ${use}`));
    if (r.reward !== 1 && env.kind === "local" && (env.skippedSteps.length > 0 || task.docker?.from)) {
      const text = explanationLogs(trialDir, agent.kind === "oracle");
      const limits = explainOfflineFailures(text, env.skippedSteps, task.docker?.from);
      reduceFidelity(r, ...limits);
      // A failure that traces to what this offline environment lacks says nothing about the agent: unscored (the
      // reward read stays in verifier_result), never a 0 against it.
      if (limits.length > 0) fail("EnvironmentSetupError", offlineVerdictMessage(limits));
    }
  } catch (err) {
    fail("InternalError", errorMessage(err));
  }
  return finish();

  /** MCP-Atlas tasks: the claims are scored on the host instead of running tests/test.sh. */
  async function scoreAtlas(t: BenchTask & { mcpAtlas: McpAtlasTask }, output: AtlasAgentOutput | undefined) {
    const start = now();
    env.collectLogs();
    const { scoreAtlasTrial } = await import("./mcp-atlas/score-trial.ts");
    try {
      const s = await scoreAtlasTrial({
        task: t,
        r,
        trialDir,
        output,
        ...(spec.judge ? { judge: spec.judge } : {}),
        ...(spec.signal ? { signal: spec.signal } : {}),
      });
      log({ type: "verifier_finished", coverage: s.coverage, passed: s.passed });
    } catch (err) {
      fail(
        err instanceof Error && (err.name === "JudgeMissingError" || err.name === "JudgeFailedError")
          ? "VerifierError"
          : "InternalError",
        errorMessage(err),
      );
    }
    r.verifier = { started_at: start, finished_at: now() };
  }

  function noteMissingEnv(table: string, miss: string): void {
    reduceFidelity(r, `${table} ${miss}; left unset`);
  }

  function finish(): TrialResult {
    r.fidelity = {
      reduced: r.fidelity.reduced || env.fidelity.reduced,
      notes: [...env.fidelity.notes, ...r.fidelity.notes],
    };
    // The structured environment block (trial-environment.ts EnvironmentInfo), with the trial's own notes folded in.
    r.environment = {
      ...env.describe(),
      fidelity: r.fidelity.reduced ? "reduced" : "full",
      notes: [...r.fidelity.notes],
    };
    try {
      env.collectLogs();
      placeWorkdirDiff(diffFile, trialDir);
      rmSync(diffBase, { recursive: true, force: true });
      env.dispose();
    } catch {
      // a leftover scratch folder is not worth failing the trial for
    }
    r.finished_at = now();
    // An interrupted trial (Ctrl-C) is left without result.json so that --resume reruns it.
    if (spec.signal?.aborted) {
      r.exception_info = exception("Interrupted", "the job was interrupted; --resume reruns this trial");
      return r;
    }
    writeFinished(trialDir, r);
    return r;
  }
}

/** Returns false when the verifier must not run (the agent could not even start). */
async function runAgentPhase(
  spec: TrialSpec,
  env: TrialEnvironment,
  timeoutMs: number,
  log: (ev: Record<string, unknown>) => void,
  fail: (type: string, message: string) => void,
  r: TrialResult,
  atlasOut: { output?: AtlasAgentOutput },
): Promise<boolean> {
  const { task, agent } = spec;
  if (agent.kind === "nop") return true;
  if (agent.kind === "oracle" && task.mcpAtlas) {
    const { runAtlasOraclePhase } = await import("./mcp-atlas/oracle.ts");
    return runAtlasOraclePhase(spec, env, timeoutMs, fail, atlasOut);
  }
  if (agent.kind === "oracle") {
    if (!task.hasSolution) {
      fail("AgentSetupError", `${join(task.dir, "solution", "solve.sh")}: missing; the oracle agent needs it`);
      return false;
    }
    // Harbor's OracleAgent: `chmod +x /solution/solve.sh && /solution/solve.sh > /logs/agent/oracle.txt 2>&1` at the
    // WORKDIR, env DEBIAN_FRONTEND=noninteractive plus [solution.env] resolved from the host; a non-zero exit is
    // written to /logs/agent/exit-code.txt (not an exception: the verifier decides).
    const solutionEnv = resolveEnvTemplates(task.config.solution.env);
    reduceFidelity(r, ...solutionEnv.missing.map((miss) => `solution.env ${miss}; left unset`));
    const solve = scriptCommand(join(task.dir, "solution", "solve.sh"), "/solution/solve.sh");
    const res = await env.exec("oracle", env.kind === "local" ? withLeftoverReport(solve) : solve, {
      timeoutMs,
      env: { DEBIAN_FRONTEND: "noninteractive", ...solutionEnv.env },
      outputFile: join(spec.scratchDir, "logs", "agent", "oracle.txt"),
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
    log({ type: "agent_finished", exit_code: res.exitCode, timed_out: res.timedOut });
    if (res.exitCode !== 0 && res.exitCode !== null) {
      writeFileSync(join(spec.scratchDir, "logs", "agent", "exit-code.txt"), String(res.exitCode));
    }
    if (res.timedOut) fail("AgentTimeoutError", `solution/solve.sh ran past ${timeoutMs / 1000}s`);
    const left = leftoverNote(join(spec.scratchDir, "logs", "agent", "oracle.txt"));
    if (left) reduceFidelity(r, left);
    return true;
  }
  if (!isLocalEnvironment(env)) {
    fail("AgentSetupError", `${DOCKER_MODEL_AGENT_MESSAGE} (use --env local)`);
    return false;
  }
  if (agent.kind === "installed") return runInstalledPhase(spec, agent, env, timeoutMs, fail, r);
  if (!spec.runModelAgent) {
    fail("AgentSetupError", `no runner for model agents (model ${agent.model})`);
    return false;
  }
  try {
    const out = await spec.runModelAgent({
      task,
      model: agent.model,
      env,
      trialDir: spec.trialDir,
      scratchDir: spec.scratchDir,
      timeoutMs,
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
    r.agent_result = out.agentResult;
    if (out.mcp) atlasOut.output = out.mcp;
    r.model = out.model;
    r.agent_info.model_info = modelInfo(out.model);
    if (out.baseUrl !== undefined) {
      const { endpointOf } = await import("./endpoint.ts");
      Object.assign(r.provenance, endpointOf(out.baseUrl));
    }
    if (out.reasoningEffort !== undefined) r.provenance.reasoning_effort = out.reasoningEffort;
    if (out.timedOut) fail("AgentTimeoutError", `the agent ran past ${timeoutMs / 1000}s`);
    else if (out.error) fail(out.error.type, out.error.message);
    return true;
  } catch (err) {
    fail("AgentSetupError", errorMessage(err));
    return false;
  }
}

/** Notes that the trial ran with reduced environment fidelity (none: the result is left as it is). */
function reduceFidelity(r: TrialResult, ...notes: string[]): void {
  if (notes.length === 0) return;
  r.fidelity.reduced = true;
  r.fidelity.notes.push(...notes);
}
