import { mkdirSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { InstalledAgentRunner } from "../bench/agents/prepare.ts";
import type { DispatchedTrial } from "../bench/job.ts";
import type { BenchTask } from "../bench/task.ts";
import { type ModelAgentRunner, runTrial } from "../bench/trial.ts";
import { SWITCHYARD_VERSION } from "../bench/version.ts";
import { ConfigError, errorMessage } from "../core/errors.ts";
import { writeFailedTrial } from "./materialize.ts";
import { packFolder } from "./pack.ts";
import { type JobMeta, QUEUE_NAME, type QueuedTrial, type TrialOutcome, type WorkerInfo } from "./protocol.ts";
import { openRedis } from "./redis.ts";
import { JobState, recordResult } from "./store.ts";
import { fetchTask, loadQueuedRow, loadQueuedTask } from "./task-cache.ts";
import { installedAgentFor, judgeFor, modelAgentsFor } from "./worker-agents.ts";

/**
 * `switchyard worker`: takes trials from the queue and runs each exactly as an in-process trial runs (bench's
 * runTrial, in this machine's own local or docker environment), then stores the result and the trial folder in
 * Redis for the coordinator. A trial whose result is already stored is not run again; a trial of a job over its
 * dollar budget is skipped. BullMQ holds a lock on each trial while it runs; a worker that dies (SIGKILL, a lost
 * machine) stops renewing it, and after `lockDurationMs` the stalled-job check of any live worker (every
 * `stalledIntervalMs`) puts the trial back for another worker.
 */
export interface WorkerOptions {
  url: string;
  /** Trials run at the same time (`-n`). */
  concurrency: number;
  /** Default: host:pid. */
  name?: string;
  cacheDir: string;
  /** Where trial folders are built (removed once stored). Default: a temp folder. */
  workDir?: string;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  onEvent?: (ev: WorkerEvent) => void;
  signal?: AbortSignal;
}

export type WorkerEvent =
  | { type: "ready"; worker: WorkerInfo }
  | { type: "trial_started"; trialName: string; jobName: string }
  | { type: "trial_finished"; trialName: string; outcome: TrialOutcome; passed: boolean | null }
  | { type: "trial_failed"; trialName: string; message: string }
  | { type: "note"; message: string };

/** A BullMQ job's settings must outlast a stall but not hide a dead worker for long. */
export const DEFAULT_LOCK_MS = 30_000;
export const DEFAULT_STALLED_INTERVAL_MS = 15_000;

/** Resolves when the worker stops: on `signal`, or with a ConfigError when it refuses a job of another version. */
export async function runWorker(opts: WorkerOptions): Promise<void> {
  const info: WorkerInfo = {
    id: opts.name ?? `${hostname()}:${process.pid}`,
    host: hostname(),
    pid: process.pid,
    version: SWITCHYARD_VERSION,
  };
  const emit = opts.onEvent ?? (() => {});
  const redis = openRedis(opts.url, { name: `switchyard-worker-${info.id}` });
  const workRoot = opts.workDir ?? join(tmpdir(), `switchyard-worker-${process.pid}`);
  mkdirSync(workRoot, { recursive: true });
  const jobs = new JobState(redis);
  let refusal: ConfigError | undefined;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });

  const processor = async (job: Job<QueuedTrial, TrialOutcome>, token?: string): Promise<TrialOutcome> => {
    const t = job.data;
    const meta = await jobs.meta(t.jobKey);
    if (!meta) throw new UnrecoverableError(`job ${t.jobKey}: its settings are gone from Redis`);
    if (meta.version !== SWITCHYARD_VERSION || t.protocol !== meta.protocol) {
      // Put the trial back for a worker of the right version, and stop taking trials: this one would refuse them all.
      await jobs.event(t.jobKey, {
        type: "refused",
        trial: t.trialId,
        worker: info.id,
        reason: versionsLine(meta.version),
      });
      await job.moveToDelayed(Date.now() + 1000, token);
      refusal ??= new ConfigError(
        `job "${meta.jobName}" was started by switchyard ${meta.version}; this worker is switchyard ${SWITCHYARD_VERSION}`,
        { field: "--queue", hint: `run switchyard ${meta.version} on this machine (the coordinator's version)` },
      );
      stop();
      throw new DelayedError();
    }
    if (await jobs.hasResult(t.jobKey, t.trialId)) return { status: "duplicate", trialId: t.trialId };
    if (await jobs.overBudget(t.jobKey, meta)) {
      await jobs.event(t.jobKey, { type: "skipped", trial: t.trialId, worker: info.id, reason: "budget" });
      return { status: "skipped", trialId: t.trialId, reason: "budget" };
    }
    await jobs.event(t.jobKey, { type: "started", trial: t.trialId, worker: info.id });
    emit({ type: "trial_started", trialName: t.trialName, jobName: meta.jobName });
    const env = opts.env ?? process.env;
    const task = await queuedTask(t, env).catch((err: unknown) => {
      throw new UnrecoverableError(errorMessage(err));
    });
    task.source = t.task.source;
    const agents = await agentsFor(t, meta);
    const trialDir = join(workRoot, t.jobKey, t.trialName);
    const scratchDir = join(workRoot, "scratch", t.trialId);
    const spec: DispatchedTrial = {
      task,
      agent: t.agent,
      attempt: t.attempt,
      trialName: t.trialName,
      trialDir,
      timeoutMultiplier: t.timeoutMultiplier,
      strictEnv: t.strictEnv,
      env: t.env,
      job: {
        jobId: t.jobKey,
        jobDir: meta.jobDir,
        taskChecksum: t.task.checksum,
        agentKwargs: t.agentKwargs,
        project: t.project,
      },
    };
    try {
      // A judge this machine cannot build fails the trial that needs one before its agent spends anything.
      const r =
        agents.judge instanceof Error && needsJudge(task, t.agent.kind)
          ? writeFailedTrial(spec, "VerifierError", onWorker(agents.judge))
          : await runTrial({
              ...spec,
              scratchDir,
              ...(agents.model ? { runModelAgent: agents.model } : {}),
              ...(agents.installed ? { runInstalledAgent: agents.installed } : {}),
              ...(agents.judge && !(agents.judge instanceof Error) ? { judge: agents.judge } : {}),
            });
      const folder = packFolder(trialDir, { maxFileBytes: meta.artifactMaxBytes });
      const recorded = await recordResult(redis, t.jobKey, {
        protocol: meta.protocol,
        trialId: t.trialId,
        result: r,
        folder,
        omitted: folder.omitted,
        worker: info,
        deliveries: job.attemptsStarted ?? 1,
        route: t.route,
      });
      const outcome: TrialOutcome = recorded
        ? { status: "recorded", trialId: t.trialId }
        : { status: "duplicate", trialId: t.trialId };
      emit({ type: "trial_finished", trialName: t.trialName, outcome, passed: r.reward === null ? null : r.passed });
      return outcome;
    } finally {
      rmSync(trialDir, { recursive: true, force: true });
      rmSync(scratchDir, { recursive: true, force: true });
    }
  };

  // A task folder by its checksum; a row from its suite's folder, by that folder's checksum and then its own.
  const queuedTask = async (t: QueuedTrial, env: NodeJS.ProcessEnv): Promise<BenchTask> => {
    const load = { mcpUrls: t.run.mcpUrls, env };
    const rows = t.task.rows;
    if (!rows) return loadQueuedTask(await fetchTask(redis, t.task, opts.cacheDir), t.task, load);
    const folder = await fetchTask(redis, { name: rows.name, checksum: rows.checksum }, opts.cacheDir);
    return loadQueuedRow(folder, { ...t.task, rows }, load);
  };

  // A worker that cannot run the agent (no key for it here, a CLI it cannot install) records that as the trial's
  // AgentSetupError, with this worker named, as an in-process trial records a failed agent start.
  const onWorker = (err: unknown) =>
    `on worker ${info.id}: ${errorMessage(err)}${err instanceof ConfigError && err.hint ? ` (fix: ${err.hint})` : ""}`;
  const refuse = (err: unknown) => async () => {
    throw new Error(onWorker(err));
  };
  const agentsFor = async (t: QueuedTrial, meta: JobMeta) => {
    const args = {
      redis,
      trial: t,
      meta,
      env: opts.env ?? process.env,
      ...(opts.configFile ? { configFile: opts.configFile } : {}),
    };
    const judge = await judgeFor(args).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (t.agent.kind === "switchyard") {
      const model: ModelAgentRunner = await modelAgentsFor(args).catch(refuse);
      return { model, judge };
    }
    if (t.agent.kind === "installed") {
      const onInstall = (message: string) => emit({ type: "note", message });
      // A CLI that could not be installed here fails in the runner: its AgentSetupError names this worker too.
      const installed: InstalledAgentRunner = await installedAgentFor({ ...args, onInstall }).then(
        (run): InstalledAgentRunner =>
          (a) =>
            run(a).catch((err: unknown) => refuse(err)()),
        refuse,
      );
      return { installed, judge };
    }
    return { judge };
  };

  // BullMQ does not close a connection it was given: disconnected below, after worker.close().
  const bullConnection = openRedis(opts.url, { name: `switchyard-worker-${info.id}-bullmq` });
  const worker = new Worker<QueuedTrial, TrialOutcome>(QUEUE_NAME, processor, {
    connection: bullConnection,
    concurrency: opts.concurrency,
    name: info.id,
    lockDuration: opts.lockDurationMs ?? DEFAULT_LOCK_MS,
    stalledInterval: opts.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    // A trial may lose its worker twice (two machines lost) before it is failed for good.
    maxStalledCount: 2,
    removeOnComplete: { count: 0 },
    autorun: false,
  });
  worker.on("failed", (job, err) => {
    if (job && !(err instanceof DelayedError))
      emit({ type: "trial_failed", trialName: job.data.trialName, message: err.message });
  });
  worker.on("error", () => {});
  opts.signal?.addEventListener("abort", () => stop(), { once: true });
  if (opts.signal?.aborted) stop();
  const running = worker.run();
  await worker.waitUntilReady();
  emit({ type: "ready", worker: info });
  await stopped;
  // In-flight trials finish first (a second Ctrl-C kills the process; BullMQ then retries them elsewhere).
  await worker.close();
  await running.catch(() => {});
  bullConnection.disconnect();
  redis.disconnect();
  rmSync(workRoot, { recursive: true, force: true });
  if (refusal) throw refusal;
}

/** The task has claims only a judge can score (bench's MCP-Atlas preflight decides the rest). */
function needsJudge(task: BenchTask, agentKind: string): boolean {
  const atlas = task.mcpAtlas;
  return !!atlas && !atlas.skip && agentKind !== "nop" && atlas.spec.claims.some((c) => !c.match);
}

function versionsLine(coordinator: string): string {
  return `worker is switchyard ${SWITCHYARD_VERSION}, the job's coordinator ${coordinator}`;
}
