import { existsSync } from "node:fs";
import { ConfigError } from "../core/errors.ts";
import { totalTokens } from "../core/usage.ts";
import type { LoopLimits, LoopPrior } from "./loop.ts";
import { createRedactor } from "./redact.ts";
import type { RunSummary } from "./review.ts";
import { findRun, readJson } from "./review.ts";
import { openRunDisk } from "./run-disk.ts";
import { takeLock } from "./run-lock.ts";
import type { CommonRunOptions, RunMeta, RunOutcome } from "./session.ts";
import { checkWorkspace, drive, emitter, envRequest, makeClient } from "./session.ts";
import { readTranscript, rebuildHistory, repairTranscriptTail, TranscriptWriter } from "./transcript.ts";

/**
 * `run --continue <run-id> "<follow-up>"`: one more user turn on a finished run, on the same copy of the
 * workspace and the same conversation, before its diff is applied. The follow-up is recorded in the transcript
 * (`follow_up` event) so resume, cost and the viewer see it. Each follow-up gets the run's limits afresh: steps,
 * tokens and budget are counted on top of what the run had already used.
 */
export interface ContinueRunOptions extends CommonRunOptions {
  runId: string;
  workspace: string;
  followUp: string;
  /** Overrides of the original limits for this follow-up. */
  limits?: Partial<LoopLimits>;
}

export async function continueRun(opts: ContinueRunOptions): Promise<RunOutcome> {
  const text = opts.followUp.trim();
  if (!text) {
    throw new ConfigError("--continue needs a follow-up message", {
      hint: `switchyard run --continue ${opts.runId} "now also update the docs"`,
    });
  }
  const workspace = checkWorkspace(opts.workspace);
  const paths = findRun(workspace, opts.runId);
  const meta = readJson<RunMeta>(paths.meta);
  const summary = existsSync(paths.summary) ? readJson<RunSummary>(paths.summary) : undefined;
  if (summary?.status === "applied" || summary?.status === "discarded") {
    throw new ConfigError(`run ${opts.runId} was already ${summary.status}; its copy cannot take a follow-up`, {
      hint: "start a new run with the follow-up as its task",
    });
  }
  if (!existsSync(paths.copy)) {
    throw new ConfigError(`run ${opts.runId} has no copy of the workspace left`, {
      hint: "start a new run with the follow-up as its task",
    });
  }
  // A line torn by a kill would swallow the follow-up's first event (src/agent/transcript.ts).
  repairTranscriptTail(paths.transcript);
  const state = rebuildHistory(readTranscript(paths.transcript));
  if (!state.final) {
    throw new ConfigError(`run ${opts.runId} has not finished`, {
      hint: `resume it first: switchyard resume ${opts.runId}`,
    });
  }
  takeLock(paths);
  const base: LoopLimits = { ...meta.limits, ...stripUndefined(opts.limits ?? {}) };
  const spentUsd = state.final.cost.priced ? state.final.cost.total : 0;
  const limits: LoopLimits = {
    ...base,
    maxSteps: state.steps + base.maxSteps,
    ...(base.maxTokens !== undefined ? { maxTokens: totalTokens(state.usage) + base.maxTokens } : {}),
    ...(base.budgetUsd !== undefined ? { budgetUsd: spentUsd + base.budgetUsd } : {}),
  };
  const client = await makeClient(meta.model, opts, meta);
  // The follow-up runs under the run's disk quota, like a resume (src/agent/run-disk.ts).
  const disk = await openRunDisk({ paths, sizeMb: meta.diskMb ?? opts.config.run.disk_mb, workspace, resume: true });
  const environment = await opts.environment(envRequest(paths, meta, opts.config, disk)).catch(async (err) => {
    await disk.finish().catch(() => undefined);
    throw err;
  });
  const writer = new TranscriptWriter({
    file: paths.transcript,
    runId: meta.runId,
    redact: createRedactor(opts.env ?? process.env),
    nextSeq: state.nextSeq,
  });
  const emit = emitter(writer, opts.onEvent);
  emit({ type: "follow_up", text }, state.steps);
  const prior: LoopPrior = {
    steps: state.steps,
    usage: state.usage,
    lastContextTokens: state.lastContextTokens,
    measuredMessages: state.history.length,
    budgetWarned: false,
  };
  return drive({
    meta: { ...meta, limits },
    paths,
    client,
    environment,
    writer,
    emit,
    opts,
    history: [...state.history, { role: "user", content: [{ type: "text", text }] }],
    prior,
    disk,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
