import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { exceptionInfo, taskConfig } from "../bench/harbor-models.ts";
import type { DispatchedTrial } from "../bench/job.ts";
import { baseResult } from "../bench/trial-base.ts";
import { type TrialResult, writeJsonAtomic, writeTrialFiles } from "../bench/trial-result.ts";
import { unpackFolder } from "./pack.ts";
import type { AutoRoute, ResultEnvelope } from "./protocol.ts";

/**
 * A worker's result, landed in the coordinator's job folder exactly as a local trial leaves its folder: the
 * worker's files (transcript.jsonl, trial.jsonl, agent/, verifier/, exception.txt) unpacked, and config.json,
 * result.json and switchyard.json rewritten with the coordinator's paths (task folder, trial folder, job folder)
 * where the worker had its own. `queue.json` beside them says who ran the trial, how often it was delivered and
 * which artifacts were left out (over the size cap), with their sizes, and for `--agent auto` the route the
 * coordinator chose (model, strategy, task class, and the results store it read).
 */
export const QUEUE_FILE = "queue.json";

export function materializeTrial(trial: DispatchedTrial, env: ResultEnvelope): TrialResult {
  const dir = trial.trialDir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  unpackFolder(env.folder, dir, `trial ${trial.trialName} from worker ${env.worker.id}`);
  const r: TrialResult = {
    ...env.result,
    trial_uri: pathToFileURL(dir).href,
    task_dir: trial.task.dir,
    config: {
      ...env.result.config,
      task: taskConfig(trial.task.dir, trial.task.source ?? null),
      trials_dir: trial.job?.jobDir ?? env.result.config.trials_dir,
    },
  };
  writeQueueFile(dir, {
    trial_id: env.trialId,
    worker: env.worker,
    deliveries: env.deliveries,
    omitted_artifacts: env.omitted,
    ...(env.route ? { route: routeRecord(env.route) } : {}),
  });
  writeJsonAtomic(join(dir, "config.json"), r.config);
  writeTrialFiles(dir, r);
  return r;
}

/** `--agent auto`: the model the coordinator chose and the results store the choice came from. */
function routeRecord(r: AutoRoute): Record<string, unknown> {
  return { model: r.model, strategy: r.strategy, task_class: r.taskClass, store: r.store, looked_in: r.lookedIn };
}

function writeQueueFile(dir: string, v: Record<string, unknown>): void {
  writeFileSync(join(dir, QUEUE_FILE), `${JSON.stringify(v, null, 2)}\n`);
}

/**
 * A trial BullMQ gave up on (its worker was lost more often than maxStalledCount, or the worker could not get the
 * task): recorded as the trial's InternalError with BullMQ's reason, so the job's totals stay honest and
 * --resume reruns it.
 */
export function writeLostTrial(trial: DispatchedTrial, trialId: string, reason: string): TrialResult {
  const r = writeFailedTrial(trial, "InternalError", `the queue gave up on this trial: ${reason}`);
  writeQueueFile(trial.trialDir, {
    trial_id: trialId,
    worker: null,
    deliveries: null,
    omitted_artifacts: [],
    lost: reason,
  });
  return r;
}

/**
 * A trial that fails before it runs (unscored), built as bench builds a trial before it runs (trial-base.ts): its
 * folder holds config.json, result.json and exception.txt.
 */
export function writeFailedTrial(trial: DispatchedTrial, type: string, message: string): TrialResult {
  const { trialDir, task } = trial;
  rmSync(trialDir, { recursive: true, force: true });
  mkdirSync(trialDir, { recursive: true });
  const at = new Date().toISOString();
  const r = baseResult({
    task: { name: task.name, dir: task.dir, category: null, difficulty: null, source: task.source ?? null },
    agent: trial.agent,
    attempt: trial.attempt,
    trialName: trial.trialName,
    trialDir,
    startedAt: at,
    timeoutMultiplier: trial.timeoutMultiplier,
    env: trial.env ?? "local",
    strictEnv: trial.strictEnv,
    job: trial.job,
  });
  r.exception_info = exceptionInfo(type, message, at);
  r.finished_at = at;
  writeJsonAtomic(join(trialDir, "config.json"), r.config);
  writeFileSync(join(trialDir, "exception.txt"), r.exception_info.exception_traceback);
  writeTrialFiles(trialDir, r);
  return r;
}
