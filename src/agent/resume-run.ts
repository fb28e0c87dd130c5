import { existsSync } from "node:fs";
import { ConfigError, errorMessage } from "../core/errors.ts";
import type { Message } from "../core/messages.ts";
import type { LoopLimits, LoopPrior } from "./loop.ts";
import type { RunPaths } from "./review.ts";
import { findRun, readJson } from "./review.ts";
import { openRunDisk } from "./run-disk.ts";
import { takeLock } from "./run-lock.ts";
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
import { readTranscript, rebuildHistory, repairTranscriptTail, TranscriptWriter } from "./transcript.ts";

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
function readMeta(paths: RunPaths, runId: string): RunMeta {
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
 * result is answered "interrupted" (the model decides whether to repeat it) and never re-executed.
 */
export async function resumeRun(opts: ResumeRunOptions): Promise<RunOutcome> {
  const workspace = checkWorkspace(opts.workspace);
  const paths = findRun(workspace, opts.runId);
  const meta = readMeta(paths, opts.runId);
  readResumable(paths, opts.runId);
  takeLock(paths);
  // Before anything is appended: a line torn by a kill would swallow the first event written after it.
  const repair = repairTranscriptTail(paths.transcript);
  const state = rebuildHistory(readTranscript(paths.transcript));
  if (state.final?.endState === "done") {
    throw new ConfigError(`run ${opts.runId} already finished (done)`, {
      hint: `review it with: switchyard apply ${opts.runId}  (or discard it)`,
    });
  }
  const limits: LoopLimits = { ...meta.limits, ...stripUndefined(opts.limits ?? {}) };
  const client = await makeClient(meta.model, opts, meta);
  const disk = await openRunDisk({
    paths,
    sizeMb: meta.diskMb ?? opts.config.run.disk_mb,
    workspace,
    resume: true,
  });
  const environment = await withDisk(disk, () => opts.environment(envRequest(paths, meta, opts.config, disk)));
  const writer = new TranscriptWriter({
    file: paths.transcript,
    runId: meta.runId,
    redact: redactorFor(opts),
    nextSeq: state.nextSeq,
  });
  const emit = emitter(writer, opts.onEvent);
  if (repair) {
    emit(
      {
        type: "warning",
        code: "transcript_repaired",
        message:
          repair.action === "dropped"
            ? `the transcript's last line was torn by a kill (${repair.bytes} bytes, not valid JSON) and was dropped: ${repair.fragment}`
            : `the transcript's last line had no newline (${repair.bytes} bytes); it was terminated`,
      },
      state.steps,
    );
  }
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
  const prior: LoopPrior = {
    steps: state.steps,
    usage: state.usage,
    lastContextTokens: state.lastContextTokens,
    measuredMessages: state.history.length,
    budgetWarned: state.budgetWarned,
  };
  return drive({
    meta: { ...meta, limits },
    paths,
    client,
    environment,
    writer,
    emit,
    opts,
    history: state.history,
    prior,
    disk,
  });
}

function findResult(history: Message[], callId: string) {
  for (const m of history) {
    if (m.role !== "tool") continue;
    const r = m.content.find((x) => x.callId === callId);
    if (r) return r;
  }
  return undefined;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
