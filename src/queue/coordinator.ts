import { hostname } from "node:os";
import { basename } from "node:path";
import { Queue, QueueEvents } from "bullmq";
import { agentVersion, INSTALLED_AGENTS, type InstalledAgentName } from "../bench/agents/catalog.ts";
import type { DispatchedTrial, TrialDispatcher } from "../bench/job.ts";
import type { TrialResult } from "../bench/trial-result.ts";
import { SWITCHYARD_VERSION } from "../bench/version.ts";
import { defaultConfig } from "../core/config.ts";
import { errorMessage } from "../core/errors.ts";
import { materializeTrial, writeLostTrial } from "./materialize.ts";
import {
  type AutoRoute,
  type JobMeta,
  keys,
  PROTOCOL,
  QUEUE_NAME,
  type QueuedTrial,
  type RateLimit,
  type RowsFolder,
  type RunSettings,
  trialId,
} from "./protocol.ts";
import { openRedis } from "./redis.ts";
import type { AutoRouter } from "./route-auto.ts";
import { JobState, readResult, toStreamEvent } from "./store.ts";
import { publishRows, publishTask } from "./task-cache.ts";

/**
 * The coordinator's side of `switchyard bench --queue`: a TrialDispatcher for bench's runJob. It publishes the
 * job's settings and task folders, enqueues every trial still to run under its deterministic id (a trial already
 * queued, running or finished by a worker while no coordinator was watching is not enqueued again), then follows
 * the job's event stream: each stored result is landed in the job folder and handed to the job once. It returns
 * when every trial has a result, was skipped for the budget, or the signal aborted (the queue keeps going; re-run
 * the command to collect what finished meanwhile).
 */
export interface QueueDispatchOptions {
  url: string;
  /** The job's dollar budget across all workers: once spent, no further trial starts (in-flight ones finish). */
  budgetUsd: number | null;
  rateLimits: RateLimit[];
  artifactMaxBytes: number;
  /** What each trial carries of the bench's per-run settings (protocol.ts RunSettings). Default: the defaults. */
  run?: JobRunSettings;
  /** Routes `--agent auto` here, before enqueueing (route-auto.ts). Default: with ./switchyard.toml. */
  route?: AutoRouter;
  onProgress?: (ev: QueueProgress) => void;
}

export interface JobRunSettings extends Omit<RunSettings, "installed"> {
  /** The CLI version each installed agent of the job runs at (the coordinator's pin: flag, env or config). */
  installedVersions: Partial<Record<InstalledAgentName, string>>;
}

export type QueueProgress =
  | { type: "enqueued"; added: number; alreadyQueued: number; collected: number }
  | { type: "routed"; tasks: number; models: Record<string, number>; store: string | null; lookedIn: string }
  | { type: "started"; trialName: string; worker: string }
  | { type: "finished"; trialName: string; worker: string; result: TrialResult }
  | { type: "lost"; trialName: string }
  | { type: "skipped"; trialName: string; reason: string }
  | { type: "refused"; worker: string; reason: string }
  | { type: "budget_reached"; spentUsd: number; budgetUsd: number; notDispatched: number };

const LIVE_STATES = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);

export function createQueueDispatcher(opts: QueueDispatchOptions): TrialDispatcher {
  return async (trials, ctx) => {
    const first = trials[0];
    if (!first?.job) return;
    const jobKey = first.job.jobId;
    const progress = opts.onProgress ?? (() => {});
    const redis = openRedis(opts.url, { name: "switchyard-coordinator" });
    // BullMQ leaves a connection it was given open on close(): each is disconnected here at the end.
    const conns = [redis];
    const dup = () => {
      const c = redis.duplicate();
      c.on("error", () => {});
      conns.push(c);
      return c;
    };
    const reader = dup();
    const queue = new Queue<QueuedTrial>(QUEUE_NAME, { connection: dup() });
    const events = new QueueEvents(QUEUE_NAME, { connection: dup() });
    const state = new JobState(redis);
    const run = opts.run ?? defaultRunSettings();
    const byId = new Map(trials.map((t) => [trialIdOf(t), t]));
    const outstanding = new Set(byId.keys());
    const collecting = new Set<string>();
    let stopping = false;
    let finished = false;
    let checkDone = () => {};
    const done = new Promise<void>((resolve) => {
      checkDone = () => {
        if (outstanding.size === 0 || ctx.signal?.aborted) resolve();
      };
      ctx.signal?.addEventListener("abort", () => checkDone(), { once: true });
    });

    const collect = async (id: string) => {
      const trial = byId.get(id);
      if (!trial || !outstanding.has(id) || collecting.has(id)) return;
      collecting.add(id);
      try {
        const env = await readResult(redis, jobKey, id);
        if (!env || !outstanding.has(id)) return;
        outstanding.delete(id);
        const r = materializeTrial(trial, env);
        progress({ type: "finished", trialName: trial.trialName, worker: env.worker.id, result: r });
        await ctx.accept(r);
      } finally {
        collecting.delete(id);
      }
      await enforceBudget();
      checkDone();
    };
    const giveUp = async (id: string, reason: string) => {
      const trial = byId.get(id);
      if (!trial || !outstanding.has(id)) return;
      if (await state.hasResult(jobKey, id)) return collect(id);
      outstanding.delete(id);
      await ctx.accept(writeLostTrial(trial, id, reason));
      checkDone();
    };
    const enforceBudget = async () => {
      if (opts.budgetUsd === null || stopping) return;
      const spent = await state.spend(jobKey);
      if (spent < opts.budgetUsd) return;
      stopping = true;
      let notDispatched = 0;
      for (const id of [...outstanding]) {
        const job = await queue.getJob(id);
        const st = job ? await job.getState() : "unknown";
        if (st === "active") continue;
        await job?.remove().catch(() => {});
        outstanding.delete(id);
        notDispatched++;
      }
      progress({ type: "budget_reached", spentUsd: spent, budgetUsd: opts.budgetUsd, notDispatched });
      checkDone();
    };

    events.on("failed", ({ jobId, failedReason }) => {
      if (byId.has(jobId)) void giveUp(jobId, failedReason).catch(warn);
    });
    events.on("stalled", ({ jobId }) => {
      const t = byId.get(jobId);
      if (t) progress({ type: "lost", trialName: t.trialName });
    });
    const warn = (err: unknown) => ctx.emit({ type: "warning", message: `queue: ${errorMessage(err)}` });

    try {
      await events.waitUntilReady();
      const meta: JobMeta = {
        protocol: PROTOCOL,
        version: SWITCHYARD_VERSION,
        jobName: basename(first.job.jobDir),
        jobDir: first.job.jobDir,
        coordinator: `${hostname()}:${process.pid}`,
        budgetUsd: opts.budgetUsd,
        rateLimits: opts.rateLimits,
        artifactMaxBytes: opts.artifactMaxBytes,
      };
      await redis.hset(keys.meta(jobKey), "json", JSON.stringify(meta));
      const rowsOf = await publishFolders(redis, trials);
      // Results stored while no coordinator watched (a killed one, or workers finishing after Ctrl-C).
      let collected = 0;
      const stored = new Set(await redis.hkeys(keys.results(jobKey)));
      for (const id of byId.keys()) {
        if (stored.has(id)) {
          await collect(id);
          collected++;
        }
      }
      await enforceBudget();
      let added = 0;
      let alreadyQueued = 0;
      // --agent auto: one choice per task, made here with this machine's store (route-auto.ts).
      let route: AutoRouter | undefined;
      const routes = new Map<string, AutoRoute>();
      const routeOf = async (t: DispatchedTrial): Promise<AutoRoute | null> => {
        if (t.agent.kind !== "switchyard" || t.agent.model !== "auto") return null;
        const hit = routes.get(t.task.name);
        if (hit) return hit;
        route ??= opts.route ?? (await defaultRouter());
        const r = await route(t.task.instruction);
        routes.set(t.task.name, r);
        return r;
      };
      for (const [id, t] of byId) {
        if (!outstanding.has(id) || stopping) continue;
        const job = await queue.getJob(id);
        const st = job ? await job.getState() : "unknown";
        if (LIVE_STATES.has(st)) {
          alreadyQueued++;
          continue;
        }
        // Finished in BullMQ without a stored result (skipped for a budget since raised, or failed): run it again.
        await job?.remove().catch(() => {});
        await queue.add(t.trialName, queuedTrial(t, id, run, rowsOf.get(t), await routeOf(t)), {
          jobId: id,
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600 },
          attempts: 1,
        });
        added++;
      }
      const routed = [...routes.values()];
      if (routed[0]) {
        const models: Record<string, number> = {};
        for (const r of routed) models[r.model] = (models[r.model] ?? 0) + 1;
        const { store, lookedIn } = routed[0];
        progress({ type: "routed", tasks: routed.length, models, store, lookedIn });
      }
      progress({ type: "enqueued", added, alreadyQueued, collected });
      checkDone();
      const follow = followStream(
        reader,
        jobKey,
        () => finished || ctx.signal?.aborted === true,
        async (ev) => {
          const t = byId.get(ev.trial);
          if (ev.type === "finished") await collect(ev.trial);
          else if (ev.type === "started" && t && outstanding.has(ev.trial)) {
            progress({ type: "started", trialName: t.trialName, worker: ev.worker });
            ctx.emit({ type: "trial_started", name: t.trialName });
          } else if (ev.type === "skipped" && t && outstanding.has(ev.trial)) {
            outstanding.delete(ev.trial);
            progress({ type: "skipped", trialName: t.trialName, reason: ev.reason });
            checkDone();
          } else if (ev.type === "refused") progress({ type: "refused", worker: ev.worker, reason: ev.reason });
        },
      ).catch(warn);
      await done;
      finished = true;
      reader.disconnect();
      await follow;
    } finally {
      await events.close().catch(() => {});
      await queue.close().catch(() => {});
      for (const c of conns) c.disconnect();
    }
  };
}

/** Tails the job's event stream from the start (a re-run coordinator sees what happened before it). */
async function followStream(
  reader: ReturnType<typeof openRedis>,
  jobKey: string,
  stop: () => boolean,
  on: (ev: NonNullable<ReturnType<typeof toStreamEvent>>) => Promise<void>,
): Promise<void> {
  let last = "0";
  while (!stop()) {
    const res = (await reader.xread("BLOCK", 1000, "STREAMS", keys.events(jobKey), last).catch(() => null)) as Array<
      [string, Array<[string, string[]]>]
    > | null;
    for (const [, entries] of res ?? []) {
      for (const [id, fields] of entries) {
        last = id;
        const ev = toStreamEvent(fields);
        if (ev) await on(ev);
      }
    }
  }
}

function trialIdOf(t: DispatchedTrial): string {
  return trialId({
    jobId: t.job?.jobId ?? "",
    taskChecksum: t.job?.taskChecksum ?? "",
    agent: t.agent,
    attempt: t.attempt,
  });
}

function defaultRunSettings(): JobRunSettings {
  const { run, responses } = defaultConfig();
  return { config: { run, responses }, judge: null, mcpUrls: {}, allowHosts: "", installedVersions: {} };
}

/**
 * Each task folder once under its Harbor checksum; the rows of an MCP-Atlas-style suite with their shared folder,
 * once per folder (and rows file given alone), under that folder's own checksum. Returns each row trial's folder.
 */
async function publishFolders(
  redis: ReturnType<typeof openRedis>,
  trials: DispatchedTrial[],
): Promise<Map<DispatchedTrial, RowsFolder>> {
  const published = new Set<string>();
  const folders = new Map<string, RowsFolder>();
  const rowsOf = new Map<DispatchedTrial, RowsFolder>();
  for (const t of trials) {
    const origin = t.task.mcpAtlas?.origin;
    if (origin) {
      const key = `${t.task.dir}\0${origin.manifest ? "" : origin.file}`;
      let folder = folders.get(key);
      if (!folder) {
        folder = await publishRows(redis, t.task.dir, origin);
        folders.set(key, folder);
      }
      rowsOf.set(t, folder);
      continue;
    }
    const sum = t.job?.taskChecksum ?? "";
    if (published.has(sum)) continue;
    published.add(sum);
    await publishTask(redis, t.task.dir, sum);
  }
  return rowsOf;
}

async function defaultRouter(): Promise<AutoRouter> {
  const [{ loadConfig }, { coordinatorRouter }] = await Promise.all([
    import("../core/config.ts"),
    import("./route-auto.ts"),
  ]);
  return coordinatorRouter(loadConfig({}));
}

function queuedTrial(
  t: DispatchedTrial,
  id: string,
  run: JobRunSettings,
  rows: RowsFolder | undefined,
  route: AutoRoute | null,
): QueuedTrial {
  const { installedVersions, ...settings } = run;
  const a = t.agent;
  return {
    protocol: PROTOCOL,
    jobKey: t.job?.jobId ?? "",
    trialId: id,
    trialName: t.trialName,
    task: {
      name: t.task.name,
      checksum: t.job?.taskChecksum ?? "",
      source: t.task.source ?? null,
      ...(rows ? { rows } : {}),
    },
    route,
    agent: t.agent,
    attempt: t.attempt,
    timeoutMultiplier: t.timeoutMultiplier,
    strictEnv: t.strictEnv,
    env: t.env ?? "local",
    agentKwargs: t.job?.agentKwargs ?? {},
    project: t.job?.project ?? null,
    run: {
      ...settings,
      installed:
        a.kind === "installed"
          ? {
              agent: a.agent,
              package: INSTALLED_AGENTS[a.agent].package,
              version: installedVersions[a.agent] ?? agentVersion(a.agent),
            }
          : null,
    },
  };
}
