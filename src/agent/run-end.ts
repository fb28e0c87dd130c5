import { rmSync } from "node:fs";
import { join } from "node:path";
import { tallyScreenshots } from "../computer/screenshots.ts";
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
  const { paths, disk } = end;
  let report: DiskReport | undefined;
  let error: string | undefined;
  let review: { changes: Change[]; patch: string } = { changes: [], patch: "" };
  try {
    report = await disk?.finish();
  } catch (err) {
    error = `the agent's copy could not be moved off the run's disk: ${cause(err)}`;
  }
  if (!error) {
    try {
      review = await computeReview(end.meta.workspace, paths);
    } catch (err) {
      dropReview(paths);
      error = `the review could not be written: ${cause(err)}`;
    }
  }
  // A copy that could not be moved off the run's disk is still in its image (resume mounts it again).
  const copy = error && disk && !report ? (disk.image ?? disk.copy) : paths.copy;
  let failure: ReviewFailure | undefined = error
    ? { error, copy, loop: { endState: final.endState, exitCode: final.exitCode, message: final.message } }
    : undefined;
  const disked = report ? { ...report, leftBytes: dirBytes(paths.dir) } : undefined;
  const tally = tallyScreenshots(readTranscript(paths.transcript));
  const screenshots = tally.screenshots > 0 ? tally : undefined;
  const summaryOf = (f: FinalEventBody, why: ReviewFailure | undefined): RunSummary => ({
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
    changes: review.changes,
    ...(screenshots ? { screenshots } : {}),
    ...(f.budget ? { budget: f.budget } : {}),
    ...(disked ? { disk: disked } : {}),
    status: why ? "review_failed" : review.changes.length ? "pending" : "unchanged",
    ...(why ? { reviewFailure: why } : {}),
    finishedAt: new Date().toISOString(),
  });
  if (!failure) {
    try {
      writeSummary(paths, summaryOf(final, undefined), end.redact);
    } catch (err) {
      // Without a summary the review is not what the run reported: apply must not land it.
      dropReview(paths);
      failure = {
        error: `summary.json could not be written: ${cause(err)}`,
        copy,
        loop: { endState: final.endState, exitCode: final.exitCode, message: final.message },
      };
    }
  }
  let ended = final;
  if (failure) {
    ended = failedFinal(final, failure);
    end.emit(ended, ended.steps);
    try {
      writeSummary(paths, summaryOf(ended, failure), end.redact);
    } catch {
      // The transcript's final says what happened; a disk that refuses even this is reported there.
    }
  } else if (end.reemit) {
    end.emit(final, final.steps);
  }
  return {
    runId: end.meta.runId,
    paths,
    final: ended,
    changes: review.changes,
    patch: review.patch,
    ...(screenshots ? { screenshots } : {}),
    ...(disked ? { disk: disked } : {}),
    ...(failure ? { reviewFailure: failure } : {}),
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
