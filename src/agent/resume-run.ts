import { existsSync, rmSync } from "node:fs";
import { ConfigError, errorMessage } from "../core/errors.ts";
import type { RunEvent } from "../core/events.ts";
import type { Message } from "../core/messages.ts";
import type { FinalEventBody, LoopLimits } from "./loop.ts";
import type { RunPaths, RunSummary } from "./review.ts";
import { findRun, readJson } from "./review.ts";
import { onRunDisk, openRunDisk } from "./run-disk.ts";
import { endRun } from "./run-end.ts";
import { releaseLock, takeLock } from "./run-lock.ts";
import {
  type CommonRunOptions,
  checkWorkspace,
  diskWarning,
  drive,
  emitter,
  envRequest,
  makeClient,
  type RunMeta,
  type RunOutcome,
  redactorFor,
  withDisk,
} from "./session.ts";
import type { ResumeState, TailRepair } from "./transcript.ts";
import { loopPrior, readTranscript, rebuildHistory, repairTranscriptTail, TranscriptWriter } from "./transcript.ts";

/**
 * Resuming a run after a crash, a kill or Ctrl-C: its settings from run.json, its history from the transcript
 * (a tail torn by kill -9 repaired first), then the same drive() a new run uses.
 */

export interface ResumeRunOptions extends CommonRunOptions {
  runId: string;
  workspace: string;
  /** Overrides of the original settings (e.g. a higher --max-steps). */
  limits?: Partial<LoopLimits>;
}

/** A run's run.json (settings, extras) — e.g. to rebuild its environment before `resumeRun`. */
export function readRunMeta(workspace: string, runId: string): RunMeta {
  return readMeta(findRun(checkWorkspace(workspace), runId), runId);
}

/** run.json, or a usage error naming it when it is unreadable (a kill while it was written, a hand edit). */
export function readMeta(paths: RunPaths, runId: string): RunMeta {
  try {
    return readJson<RunMeta>(paths.meta);
  } catch (err) {
    throw new ConfigError(`${paths.meta}: cannot read run ${runId}'s settings: ${errorMessage(err)}`, {
      file: paths.meta,
      hint: `the run cannot be resumed; review what it changed with switchyard apply ${runId}, or switchyard discard ${runId}`,
    });
  }
}

/** The transcript's events, or a usage error when there is nothing to resume from. */
function readResumable(paths: RunPaths, runId: string): ReturnType<typeof readTranscript> {
  const events = existsSync(paths.transcript) ? readTranscript(paths.transcript) : [];
  if (!events.some((e) => e.type === "run_started")) {
    throw new ConfigError(
      `${paths.transcript}: ${existsSync(paths.transcript) ? "has no recorded start" : "is missing"}; run ${runId} cannot be resumed`,
      { file: paths.transcript, hint: `discard it (switchyard discard ${runId}) and start the task again` },
    );
  }
  return events;
}

/**
 * Continue a run from its transcript. Completed steps are not re-run; a tool call that started without a recorded
 * result is answered "interrupted" (the model decides whether to repeat it) and never re-executed. A run whose loop
 * had ended but whose review was not written (it failed, or the process died during it) gets its review written,
 * with no model call.
 */
export async function resumeRun(opts: ResumeRunOptions): Promise<RunOutcome> {
  const workspace = checkWorkspace(opts.workspace);
  const paths = findRun(workspace, opts.runId);
  const meta = readMeta(paths, opts.runId);
  readResumable(paths, opts.runId);
  takeLock(paths);
  // Before anything is appended: a line torn by a kill would swallow the first event written after it.
  const repair = repairTranscriptTail(paths.transcript);
  const events = readTranscript(paths.transcript);
  const state = rebuildHistory(events);
  refuseFinished(paths, opts.runId);
  if (state.final && unreviewed(paths)) return reviewAgain({ workspace, paths, meta, events, state, opts, repair });
  if (state.final?.endState === "done") {
    releaseLock(paths);
    throw new ConfigError(`run ${opts.runId} already finished (done)`, {
      hint: `review it with: switchyard apply ${opts.runId}  (or discard it)`,
    });
  }
  const limits: LoopLimits = { ...meta.limits, ...stripUndefined(opts.limits ?? {}) };
  const { client, disk, environment, writer, emit } = await reopen({ workspace, paths, meta, state, opts });
  if (repair) emit(repairWarning(repair), state.steps);
  emit(
    {
      type: "warning",
      code: "resumed",
      message: `resumed after step ${state.steps}; ${state.interrupted.length} interrupted tool call(s) reported to the model`,
    },
    state.steps,
  );
  for (const call of state.interrupted) {
    const result = findResult(state.history, call.id);
    if (result) emit({ type: "tool_result", result, durationMs: 0 }, state.steps);
  }
  if (disk.unenforced) diskWarning(emit, disk, state.steps);
  return drive({
    meta: { ...meta, limits },
    paths,
    client,
    environment,
    writer,
    emit,
    opts,
    history: state.history,
    prior: loopPrior(state),
    disk,
  });
}

interface Reopening {
  workspace: string;
  paths: RunPaths;
  meta: RunMeta;
  state: ResumeState;
  opts: CommonRunOptions;
}

/**
 * What resume and `run --continue` share once the run is locked and its transcript read: the model client, the
 * run's disk (under its quota), the environment on it, and a transcript writer that appends after the last event.
 */
export async function reopen({ workspace, paths, meta, state, opts }: Reopening) {
  const client = await makeClient(meta.model, opts, meta);
  const sizeMb = meta.diskMb ?? opts.config.run.disk_mb;
  const disk = await openRunDisk({ paths, sizeMb, workspace, resume: true });
  const environment = await withDisk(disk, () => opts.environment(envRequest(paths, meta, opts.config, disk)));
  const writer = new TranscriptWriter({
    file: paths.transcript,
    runId: meta.runId,
    redact: redactorFor(opts),
    nextSeq: state.nextSeq,
  });
  // The run goes on: the summary of its last stop no longer describes it (a kill from here leaves none, so the run
  // reads as interrupted, not as the earlier stop).
  rmSync(paths.summary, { force: true });
  return { client, disk, environment, writer, emit: emitter(writer, opts.onEvent) };
}

/** An applied or discarded run, or one whose copy is gone, has nothing to go on with. */
function refuseFinished(paths: RunPaths, runId: string): void {
  const status = existsSync(paths.summary) ? readSummary(paths)?.status : undefined;
  const gone = !existsSync(paths.copy) && !onRunDisk(paths);
  if (status !== "applied" && status !== "discarded" && !gone) return;
  releaseLock(paths);
  throw new ConfigError(
    `run ${runId} ${status === "applied" ? "was already applied" : "was discarded (its copy is gone)"}; there is nothing to resume`,
    { hint: "start a new run with the task (its transcript and summary stay for switchyard cost)" },
  );
}

function readSummary(paths: RunPaths): RunSummary | undefined {
  try {
    return readJson<RunSummary>(paths.summary);
  } catch {
    return undefined;
  }
}

/** The loop ended (a final) but no review stands: it failed, or the process died while writing it. */
function unreviewed(paths: RunPaths): boolean {
  const summary = existsSync(paths.summary) ? readSummary(paths) : undefined;
  return summary === undefined || summary.status === "review_failed";
}

/** Write the review a run's end did not complete, then end the run as its loop did (no model call). */
async function reviewAgain(r: Reopening & { events: RunEvent[]; repair: TailRepair | undefined }): Promise<RunOutcome> {
  const { paths, meta, state, opts } = r;
  const last = r.events.findLast((e) => e.type === "final" && e.endState !== "review_failed");
  const started = r.events.find((e) => e.type === "run_started");
  if (last?.type !== "final" || started?.type !== "run_started") {
    releaseLock(paths);
    throw new ConfigError(`${paths.transcript}: run ${meta.runId} has no recorded end to review`, {
      file: paths.transcript,
      hint: `discard it (switchyard discard ${meta.runId}) and start the task again`,
    });
  }
  const { runId: _r, seq: _s, step: _t, ts: _ts, ...final } = last;
  const writer = new TranscriptWriter({
    file: paths.transcript,
    runId: meta.runId,
    redact: redactorFor(opts),
    nextSeq: state.nextSeq,
  });
  const emit = emitter(writer, opts.onEvent);
  try {
    if (r.repair) emit(repairWarning(r.repair), state.steps);
    emit(
      {
        type: "warning",
        code: "resumed",
        message: `resumed to write the review (the run's loop had ended ${final.endState}); no model call`,
      },
      state.steps,
    );
    const sizeMb = meta.diskMb ?? opts.config.run.disk_mb;
    const disk = onRunDisk(paths)
      ? await openRunDisk({ paths, sizeMb, workspace: r.workspace, resume: true })
      : undefined;
    const model = `${started.model.provider}/${started.model.id}`;
    const end = { meta, paths, model, emit, redact: redactorFor(opts), reemit: true };
    return await endRun(disk ? { ...end, disk } : end, final as FinalEventBody);
  } finally {
    writer.close();
    releaseLock(paths);
  }
}

function repairWarning(repair: TailRepair) {
  return {
    type: "warning" as const,
    code: "transcript_repaired",
    message:
      repair.action === "dropped"
        ? `the transcript's last line was torn by a kill (${repair.bytes} bytes, not valid JSON) and was dropped: ${repair.fragment}`
        : `the transcript's last line had no newline (${repair.bytes} bytes); it was terminated`,
  };
}

function findResult(history: Message[], callId: string) {
  for (const m of history) {
    if (m.role !== "tool") continue;
    const r = m.content.find((x) => x.callId === callId);
    if (r) return r;
  }
  return undefined;
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
