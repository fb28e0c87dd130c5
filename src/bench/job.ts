import { createHash, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError, errorMessage } from "../core/errors.ts";
import { releaseStaleMounts } from "../sandbox/disk-quota.ts";
import { type AgentSpec, agentLabel, agentSlug } from "./agent-spec.ts";
import type { InstalledAgentRunner } from "./agents/prepare.ts";
import { DOCKER_MODEL_AGENT_MESSAGE } from "./docker-env.ts";
import { harborJobStats } from "./harbor-job-stats.ts";
import { agentConfig, environmentConfig, type HarborJobResult, jobConfig } from "./harbor-models.ts";
import {
  type AgentLimits,
  assertSameJob,
  failedJobTask,
  hashJobConfig,
  IDENTITY_FILE,
  IDENTITY_FORMAT,
  type JobConfig,
  jobTask,
  newestJob,
  readCompleteJob,
  readJobConfig,
  refuseDispatchedRows,
  timestampName,
} from "./job-config.ts";
import type { ClaimJudge } from "./mcp-atlas/judge.ts";
import { runPool } from "./pool.ts";
import { openTrialRecorder, type TrialRecorder } from "./record-trial.ts";
import { type BenchTask, isTaskDir, loadSuite, refuseBadTasks } from "./task.ts";
import { type ModelAgentRunner, runTrial, type TrialSpec } from "./trial.ts";
import {
  RESULT_FILE,
  readCompleteTrialResult,
  type TrialResult,
  toHarborTrial,
  writeJsonAtomic,
} from "./trial-result.ts";

/**
 * A bench job: every task × agent × attempt as one trial, run by a pool of `n` workers. Output layout, as Harbor
 * writes a job (harbor/job.py): `<out>/<job>/{config.json (Harbor's JobConfig), result.json (JobResult),
 * switchyard.json (the job's identity for --resume), <task>__<agent-slug>__<attempt>/{config.json (TrialConfig),
 * result.json (TrialResult), switchyard.json, transcript.jsonl, trial.jsonl, agent/, verifier/}}`. Trial names
 * are deterministic (Harbor draws a random suffix) so that --resume finds each trial's folder. With `resume`, trials whose result.json is complete are kept (also those with exception_info, as
 * Harbor keeps errored trials; an interrupted trial writes no result.json and reruns) and the rest rerun from
 * scratch; every kept trial is upserted into the results store again, so the store holds exactly one row per
 * trial. A changed job configuration is refused: a task edited on disk, other agents, another -k (raising -k
 * is refused too, not extended: start a new job) or another timeout multiplier. A row of an MCP-Atlas-style suite
 * has its own checksum (job-config.ts taskDigest): an edited row is not refused, its trials rerun and the others
 * are kept.
 */
export interface JobOptions {
  paths: string[];
  agents: AgentSpec[];
  k: number;
  n: number;
  outDir: string;
  /** Default: a timestamp (YYYY-MM-DD__HH-MM-SS); with resume, the newest job in outDir. */
  jobName?: string;
  resume: boolean;
  timeoutMultiplier: number;
  env: "local" | "docker";
  strictEnv: boolean;
  runModelAgent?: ModelAgentRunner;
  /** Runs installed CLI agents (`--agent codex:…`; src/bench/agents/prepare.ts). */
  runInstalledAgent?: InstalledAgentRunner;
  /** The model agents' per-trial limits, recorded in config.json so that --resume refuses a change. */
  agentLimits?: AgentLimits;
  /** Skip task folders that cannot be loaded (listed in the job's switchyard.json) instead of refusing the job. */
  skipBadTasks?: boolean;
  /** The project the bench runs for (recorded as provenance). Default: the current folder. */
  project?: string;
  /**
   * Results store: a SQLite path or a `postgres://` URL; false to skip it. Default: the project's store
   * (SWITCHYARD_STORE, SWITCHYARD_RESULTS_DB honoured, else `<project>/.switchyard/results.sqlite`).
   */
  resultsDb?: string | false;
  /** An already opened store (the CLI opens it first, so that an unreachable one fails before any trial). */
  recorder?: TrialRecorder;
  /**
   * Runs the trials somewhere else instead of the in-process pool (src/queue/ sends them to workers). It gets every
   * trial still to run and hands each result to `accept`, which takes each trial once.
   */
  dispatch?: TrialDispatcher;
  /** Write report.md/report.html at the end (default true). */
  reports?: boolean;
  onEvent?: (ev: JobEvent) => void;
  signal?: AbortSignal;
  /** Judges the claims of MCP-Atlas-style tasks that carry no exact match (`--judge`, src/bench/mcp-atlas/). */
  judge?: ClaimJudge;
  /** MCP server name → URL of a running server, for MCP-Atlas Harbor bundles (`--mcp-url NAME=URL`). */
  mcpUrls?: Record<string, string>;
}

/** The job in numbers (the `--json` job line; Harbor's JobResult is what result.json holds). */
export interface JobResult {
  /** The job's name (its folder). */
  id: string;
  /** Harbor's JobResult.id (a UUID). */
  job_id: string;
  started_at: string;
  finished_at: string | null;
  n_trials: number;
  n_completed: number;
  n_errors: number;
  trials: string[];
}

export type JobEvent =
  | { type: "job_started"; jobId: string; jobDir: string; total: number; alreadyComplete: number; resumed: boolean }
  | { type: "warning"; message: string }
  | { type: "trial_started"; name: string }
  | { type: "trial_finished"; result: TrialResult; done: number; total: number; resumed: boolean }
  | { type: "job_finished"; result: JobResult; jobDir: string };

export interface JobOutcome {
  jobDir: string;
  result: JobResult;
  trials: TrialResult[];
  /** Tasks that could not be loaded and were skipped (--skip-bad-tasks). */
  skipped: Array<{ name: string; path: string; error: string }>;
}

/** A trial as a dispatcher gets it: everything runTrial needs but what belongs to the machine that runs it. */
export type DispatchedTrial = Omit<TrialSpec, "scratchDir" | "runModelAgent" | "runInstalledAgent" | "signal">;

export type TrialDispatcher = (
  trials: DispatchedTrial[],
  ctx: { accept: (r: TrialResult) => Promise<void>; emit: (ev: JobEvent) => void; signal?: AbortSignal },
) => Promise<void>;

interface PlannedTrial {
  name: string;
  agent: AgentSpec;
  attempt: number;
  task: BenchTask;
}

export async function runJob(opts: JobOptions): Promise<JobOutcome> {
  if (!Number.isInteger(opts.k) || opts.k < 1)
    throw new ConfigError(`-k ${opts.k}: must be a whole number ≥ 1`, { field: "-k" });
  if (!Number.isInteger(opts.n) || opts.n < 1)
    throw new ConfigError(`-n ${opts.n}: must be a whole number ≥ 1`, { field: "-n" });
  if (!(opts.timeoutMultiplier > 0)) {
    throw new ConfigError(`--timeout-multiplier ${opts.timeoutMultiplier}: must be a number > 0`, {
      field: "--timeout-multiplier",
    });
  }
  const models = opts.agents.filter((a) => a.kind === "switchyard" || a.kind === "installed");
  if (opts.env === "docker" && models.length > 0) {
    throw new ConfigError(`${DOCKER_MODEL_AGENT_MESSAGE} (asked for ${models.map(agentLabel).join(", ")})`, {
      field: "--env",
      hint: "run model agents with --env local (the default), or use --agent oracle|nop with --env docker",
    });
  }
  const emit = opts.onEvent ?? (() => {});
  const suite = loadSuite(opts.paths, opts.mcpUrls ? { mcpUrls: opts.mcpUrls } : {});
  for (const t of suite.tasks) for (const w of t.warnings) emit({ type: "warning", message: w });
  // A task that cannot be loaded is bad input (exit 2), unless the user asked to skip such tasks.
  if (!opts.skipBadTasks) refuseBadTasks(suite.failures);
  for (const f of suite.failures)
    emit({ type: "warning", message: `task skipped (--skip-bad-tasks): ${f.error.message}` });
  refuseDispatchedRows(suite.tasks, opts.dispatch !== undefined);

  const outDir = resolve(opts.outDir);
  let jobName = opts.jobName;
  if (opts.resume && !jobName) {
    jobName = newestJob(outDir);
    if (!jobName)
      throw new ConfigError(`--resume: no job to resume in ${outDir}`, { hint: "pass --job-name or --out" });
  }
  jobName ??= timestampName();
  if (!/^[A-Za-z0-9._-]+$/.test(jobName)) {
    throw new ConfigError(`--job-name ${jobName}: use letters, digits, ".", "_" and "-" only`, { field: "--job-name" });
  }
  const jobDir = join(outDir, jobName);
  const configFile = join(jobDir, "config.json");
  const identityFile = join(jobDir, IDENTITY_FILE);

  const base: Omit<JobConfig, "hash"> = {
    format: IDENTITY_FORMAT,
    job_name: jobName,
    job_id: randomUUID(),
    tasks: [...suite.tasks.map(jobTask), ...suite.failures.map((f) => failedJobTask(f, !isTaskDir(f.dir)))].sort(
      (a, b) => a.name.localeCompare(b.name),
    ),
    agents: opts.agents.map(agentLabel),
    k: opts.k,
    timeout_multiplier: opts.timeoutMultiplier,
    env: opts.env,
    strict_env: opts.strictEnv,
    n_concurrent: opts.n,
    ...(opts.agentLimits ? { agent_limits: opts.agentLimits } : {}),
  };
  const config: JobConfig = { ...base, hash: hashJobConfig(base) };
  let startedAt = new Date().toISOString();
  let editedRows: string[] = [];
  if (existsSync(configFile) || existsSync(identityFile)) {
    if (!opts.resume) {
      throw new ConfigError(`job "${jobName}" already exists in ${outDir}`, {
        file: jobDir,
        hint: "pass --resume to finish it, or another --job-name",
      });
    }
    const stored = readJobConfig(jobDir);
    editedRows = assertSameJob(stored, config, identityFile);
    config.job_id = stored.job_id;
    const prev = readCompleteJob(join(jobDir, RESULT_FILE));
    if (prev) startedAt = prev.started_at;
  } else if (opts.resume && opts.jobName) {
    throw new ConfigError(`--resume: no job "${jobName}" in ${outDir}`, {
      file: jobDir,
      hint: "check --job-name and --out",
    });
  }
  mkdirSync(jobDir, { recursive: true });
  const limits = opts.agentLimits ? { ...opts.agentLimits } : {};
  writeJsonAtomic(
    configFile,
    jobConfig({
      jobName,
      jobsDir: outDir,
      k: opts.k,
      n: opts.n,
      timeoutMultiplier: opts.timeoutMultiplier,
      environment: environmentConfig(opts.env, { strict_env: opts.strictEnv }),
      agents: opts.agents.map((a) =>
        a.kind === "switchyard" ? agentConfig("switchyard", a.model, limits) : agentConfig(a.kind, null),
      ),
      datasets: suite.datasets,
      tasks: suite.taskDirs,
    }),
  );
  // By task name: the rows of an MCP-Atlas-style suite share one folder but each has its own checksum.
  const checksums = new Map(config.tasks.map((t) => [t.name, t.digest]));
  const project = resolve(opts.project ?? process.cwd());
  // Trial file systems live outside the job folder, in a temp folder the sandbox user can traverse. Named after
  // the job folder so that a resumed job first removes what a killed run left behind.
  const scratchRoot = join(
    tmpdir(),
    `switchyard-bench-${createHash("sha256").update(jobDir).digest("hex").slice(0, 12)}`,
  );
  releaseStaleMounts(scratchRoot);
  rmSync(scratchRoot, { recursive: true, force: true });
  mkdirSync(scratchRoot, { recursive: true });
  chmodSync(scratchRoot, 0o711);

  const planned: PlannedTrial[] = [];
  const all = [...suite.tasks].sort((a, b) => a.name.localeCompare(b.name));
  for (const task of all) {
    for (const agent of opts.agents) {
      for (let attempt = 1; attempt <= opts.k; attempt++) {
        planned.push({ name: `${task.name}__${agentSlug(agent)}__${attempt}`, agent, attempt, task });
      }
    }
  }

  const skipped = suite.failures.map((f) => ({ name: f.name, path: f.dir, error: failureText(f.error) }));
  writeJsonAtomic(identityFile, {
    ...config,
    trials: planned.map((p) => p.name),
    ...(skipped.length ? { skipped_tasks: skipped } : {}),
  });
  const results = new Map<string, TrialResult>();
  const todo: PlannedTrial[] = [];
  const stale = new Map<string, number>();
  for (const p of planned) {
    const done = opts.resume ? readCompleteTrialResult(join(jobDir, p.name, RESULT_FILE)) : undefined;
    // A row task edited since its trial ran (another checksum) reruns; folder tasks cannot differ (refused above).
    const current = checksums.get(p.task.name);
    if (done && p.task.mcpAtlas?.checksum && done.task_checksum !== current) {
      stale.set(p.task.name, (stale.get(p.task.name) ?? 0) + 1);
      todo.push(p);
    } else if (done) results.set(p.name, done);
    else todo.push(p);
  }
  for (const [task, n] of stale) {
    const why = editedRows.includes(task) ? "changed on disk" : "has another checksum than its trials";
    emit({ type: "warning", message: `task ${task} ${why}: its ${n} finished trial(s) run again` });
  }
  const total = planned.length;
  emit({ type: "job_started", jobId: jobName, jobDir, total, alreadyComplete: results.size, resumed: opts.resume });
  const finishedTrials = () => planned.map((p) => results.get(p.name)).filter((r): r is TrialResult => r !== undefined);
  const jobResult = (finished: string | null): JobResult => {
    const rs = finishedTrials();
    return {
      id: jobName,
      job_id: config.job_id,
      started_at: startedAt,
      finished_at: finished,
      n_trials: total,
      n_completed: rs.length,
      n_errors: rs.filter((r) => r.exception_info !== null).length,
      trials: planned.map((p) => p.name),
    };
  };
  // Harbor's JobResult (harbor/job.py writes it without trial_results).
  const writeJobResult = (finished: string | null) => {
    const harbor: HarborJobResult = {
      id: config.job_id,
      started_at: startedAt,
      finished_at: finished,
      n_total_trials: total,
      stats: harborJobStats(finishedTrials().map(toHarborTrial)),
    };
    writeJsonAtomic(join(jobDir, RESULT_FILE), harbor);
  };
  writeJobResult(null);

  let recorder = opts.recorder;
  if (!recorder && opts.resultsDb !== false) {
    try {
      const { storeLocation } = await import("../ledger/trial-store.ts");
      recorder = await openTrialRecorder(opts.resultsDb ?? storeLocation({ project }));
    } catch (err) {
      emit({ type: "warning", message: `results store not available: ${errorMessage(err)}` });
    }
  }
  let warnedDb = false;
  const record = async (r: TrialResult) => {
    try {
      await recorder?.record(jobName, r);
    } catch (err) {
      if (!warnedDb) emit({ type: "warning", message: `results store not updated: ${errorMessage(err)}` });
      warnedDb = true;
    }
  };
  let replayed = 0;
  for (const p of planned) {
    const r = results.get(p.name);
    if (!r) continue;
    // Upserted again on resume: a run killed between a trial's result.json and its store row left it unrecorded.
    await record(r);
    emit({ type: "trial_finished", result: r, done: ++replayed, total, resumed: true });
  }

  const specOf = (p: PlannedTrial): DispatchedTrial => ({
    agent: p.agent,
    attempt: p.attempt,
    trialName: p.name,
    trialDir: join(jobDir, p.name),
    timeoutMultiplier: opts.timeoutMultiplier,
    strictEnv: opts.strictEnv,
    env: opts.env,
    task: p.task,
    job: {
      jobId: config.job_id,
      jobDir,
      taskChecksum: checksums.get(p.task.name) ?? "",
      agentKwargs: limits,
      project,
    },
  });
  // Each trial's result is taken once (a dispatcher may hear of one twice: a retried trial, a replayed event).
  const accept = async (r: TrialResult) => {
    if (opts.signal?.aborted || results.has(r.trial_name)) return;
    results.set(r.trial_name, r);
    await record(r);
    writeJobResult(null);
    emit({ type: "trial_finished", result: r, done: results.size, total, resumed: false });
  };
  if (opts.dispatch) {
    await opts.dispatch(todo.map(specOf), { accept, emit, ...(opts.signal ? { signal: opts.signal } : {}) });
  } else {
    await runPool(todo, opts.n, async (p) => {
      if (opts.signal?.aborted) return;
      emit({ type: "trial_started", name: p.name });
      const r = await runTrial({
        ...specOf(p),
        scratchDir: join(scratchRoot, p.name),
        ...(opts.runModelAgent ? { runModelAgent: opts.runModelAgent } : {}),
        ...(opts.runInstalledAgent ? { runInstalledAgent: opts.runInstalledAgent } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.judge ? { judge: opts.judge } : {}),
      });
      await accept(r);
    });
  }
  if (!opts.recorder) await recorder?.close().catch(() => {});
  rmSync(scratchRoot, { recursive: true, force: true });
  // An interrupted job is not finished: finished_at stays null until --resume completes it.
  const finishedAt = opts.signal?.aborted ? null : new Date().toISOString();
  writeJobResult(finishedAt);
  const final = jobResult(finishedAt);
  if (opts.reports !== false) await writeJobReports(jobDir, emit);
  emit({ type: "job_finished", result: final, jobDir });
  return {
    jobDir,
    result: final,
    trials: planned.map((p) => results.get(p.name)).filter((r): r is TrialResult => !!r),
    skipped,
  };
}

function failureText(e: ConfigError): string {
  return e.message + (e.hint ? ` (fix: ${e.hint})` : "");
}

/** report.md / report.html and the job's statistics (src/bench/report.ts); a failure there is a warning, not a failed job. */
async function writeJobReports(jobDir: string, emit: (ev: JobEvent) => void): Promise<void> {
  try {
    const { writeReports } = await import("./report.ts");
    await writeReports(jobDir);
  } catch (err) {
    emit({ type: "warning", message: `reports not written: ${errorMessage(err)}` });
  }
}
