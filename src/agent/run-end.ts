import { rmSync } from "node:fs";
import { join } from "node:path";
import { type ScreenshotTally, tallyScreenshots } from "../computer/screenshots.ts";
import { errorMessage } from "../core/errors.ts";
import type { RunEventBody } from "../core/events.ts";
import { END_STATE_EXIT } from "../core/events.ts";
import type { FinalEventBody } from "./loop.ts";
import type { Redactor } from "./redact.ts";
import type { RunPaths, RunSummary } from "./review.ts";
import { computeReview, writeSummary } from "./review.ts";
import { type DiskReport, dirBytes, type RunDisk } from "./run-disk.ts";
import type { ReviewFailure, RunMeta, RunOutcome } from "./run-types.ts";
import { readTranscript } from "./transcript.ts";
import type { Change } from "./workspace.ts";

/**
 * The end of a run, once its loop has stopped: the copy comes off the run's disk, the review (diff.patch,
 * review.json) and summary.json are written. When the copy cannot be moved or the review cannot be written (a full
 * disk, a file in the copy the review cannot read), the run does not claim its loop's end: a second `final` event
 * ends it `review_failed` (exit 9) with the error and the path of the agent's copy, which is kept; summary.json
 * has status `review_failed`; nothing can be applied until `switchyard resume <id>` writes the review (no model
 * call).
 */
export interface RunEnd {
  meta: RunMeta;
  paths: RunPaths;
  /** `provider/id` of the model that ran. */
  model: string;
  emit: (body: RunEventBody, step: number) => void;
  redact: Redactor;
  disk?: RunDisk;
  /** Emit the loop's final again once the review is written (a resume that redoes the review). */
  reemit?: boolean;
}

export async function endRun(end: RunEnd, final: FinalEventBody): Promise<RunOutcome> {
  const { paths } = end;
  const work = await reviewWork(end);
  const tally = tallyScreenshots(readTranscript(paths.transcript));
  const facts: Facts = {
    changes: work.review.changes,
    ...(tally.screenshots > 0 ? { screenshots: tally } : {}),
    ...(work.report ? { disk: { ...work.report, leftBytes: dirBytes(paths.dir) } } : {}),
  };
  const failed = (error: string): ReviewFailure => ({
    error,
    copy: work.copy,
    loop: { endState: final.endState, exitCode: final.exitCode, message: final.message },
  });
  let failure = work.error === undefined ? undefined : failed(work.error);
  if (!failure) {
    try {
      writeSummary(paths, summaryOf(end, final, facts), end.redact);
    } catch (err) {
      // Without a summary the review is not what the run reported: apply must not land it.
      dropReview(paths);
      failure = failed(`summary.json could not be written: ${cause(err)}`);
    }
  }
  let ended = final;
  if (failure) {
    ended = failedFinal(final, failure);
    try {
      end.emit(ended, ended.steps);
    } catch {
      // A disk that refuses the transcript's last line too: summary.json (below) and the exit code still say it.
    }
    try {
      writeSummary(paths, summaryOf(end, ended, facts, failure), end.redact);
    } catch {
      // The transcript's final says what happened.
    }
  } else if (end.reemit) {
    end.emit(final, final.steps);
  }
  return {
    runId: end.meta.runId,
    paths,
    final: ended,
    patch: work.review.patch,
    ...facts,
    ...(failure ? { reviewFailure: failure } : {}),
  };
}

/** What the review found, and what a run's summary and outcome repeat. */
interface Facts {
  changes: Change[];
  screenshots?: ScreenshotTally;
  disk?: DiskReport & { leftBytes: number };
}

/** Move the copy off the run's disk and write the review; on failure, why, and where the agent's copy is. */
async function reviewWork(end: RunEnd) {
  const { paths, disk } = end;
  const none = { changes: [] as Change[], patch: "" };
  let report: DiskReport | undefined;
  try {
    report = await disk?.finish();
  } catch (err) {
    // Still in the disk image (resume mounts it again).
    const copy = disk?.image ?? disk?.copy ?? paths.copy;
    return { review: none, copy, error: `the agent's copy could not be moved off the run's disk: ${cause(err)}` };
  }
  try {
    return { review: await computeReview(end.meta.workspace, paths), report, copy: paths.copy };
  } catch (err) {
    dropReview(paths);
    return { review: none, report, copy: paths.copy, error: `the review could not be written: ${cause(err)}` };
  }
}

function summaryOf(end: RunEnd, f: FinalEventBody, facts: Facts, failure?: ReviewFailure): RunSummary {
  return {
    runId: end.meta.runId,
    task: end.meta.task,
    model: end.model,
    workspace: end.meta.workspace,
    endState: f.endState,
    exitCode: f.exitCode,
    message: f.message,
    steps: f.steps,
    usage: f.usage,
    cost: f.cost,
    durationMs: f.durationMs,
    ...facts,
    ...(f.budget ? { budget: f.budget } : {}),
    status: failure ? "review_failed" : facts.changes.length ? "pending" : "unchanged",
    ...(failure ? { reviewFailure: failure } : {}),
    finishedAt: new Date().toISOString(),
  };
}

/** The run's final when its review failed: what failed, where the work is, and how the loop had ended. */
function failedFinal(final: FinalEventBody, failure: ReviewFailure): FinalEventBody {
  return {
    ...final,
    endState: "review_failed",
    exitCode: END_STATE_EXIT.review_failed,
    message:
      `${failure.error}; nothing can be applied until the review is written. The agent's copy is kept at ` +
      `${failure.copy} (its loop had ended ${failure.loop.endState}: ${clip(failure.loop.message, 300)})`,
  };
}

/** What went wrong, briefly: a failed command's last line of stderr (cp's "No space left on device"), else the error. */
function cause(err: unknown): string {
  const stderr = (err as { stderr?: unknown } | undefined)?.stderr;
  const last = stderr === undefined ? "" : String(stderr).trim().split("\n").at(-1)?.trim();
  return last || errorMessage(err);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A review cut short must not look complete: apply lands only what a whole review.json describes. */
function dropReview(paths: RunPaths): void {
  for (const file of [join(paths.dir, "review.json"), join(paths.dir, "review.json.tmp"), paths.patch]) {
    try {
      rmSync(file, { force: true });
    } catch {
      // Best effort: review.json is written last (after the patch), so a leftover patch alone lands nothing.
    }
  }
}
