import { existsSync } from "node:fs";
import { ConfigError } from "../core/errors.ts";
import { totalTokens } from "../core/usage.ts";
import type { LoopLimits } from "./loop.ts";
import { readMeta, reopen, stripUndefined } from "./resume-run.ts";
import type { RunSummary } from "./review.ts";
import { findRun, readJson } from "./review.ts";
import { onRunDisk } from "./run-disk.ts";
import { takeLock } from "./run-lock.ts";
import type { CommonRunOptions, RunOutcome } from "./session.ts";
import { checkWorkspace, drive } from "./session.ts";
import { loopPrior, readTranscript, rebuildHistory, repairTranscriptTail } from "./transcript.ts";

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
  const meta = readMeta(paths, opts.runId);
  const summary = existsSync(paths.summary) ? readJson<RunSummary>(paths.summary) : undefined;
  if (summary?.status === "applied" || summary?.status === "discarded") {
    throw new ConfigError(`run ${opts.runId} was already ${summary.status}; its copy cannot take a follow-up`, {
      hint: "start a new run with the follow-up as its task",
    });
  }
  if (summary?.status === "review_failed") {
    throw new ConfigError(
      `run ${opts.runId}'s review could not be written (${summary.reviewFailure?.error ?? "see its summary.json"}); a follow-up needs it first`,
      { hint: `fix the cause, then switchyard resume ${opts.runId} writes the review (no model call)` },
    );
  }
  if (!existsSync(paths.copy) && !onRunDisk(paths)) {
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
  // The follow-up runs under the run's disk quota, like a resume (src/agent/run-disk.ts).
  const { client, disk, environment, writer, emit } = await reopen({ workspace, paths, meta, state, opts });
  emit({ type: "follow_up", text }, state.steps);
  return drive({
    meta: { ...meta, limits },
    paths,
    client,
    environment,
    writer,
    emit,
    opts,
    history: [...state.history, { role: "user", content: [{ type: "text", text }] }],
    // Each follow-up may be warned about its budget again.
    prior: loopPrior(state, { budgetWarned: false }),
    disk,
  });
}
