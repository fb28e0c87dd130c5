import { existsSync, lstatSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RunSummary } from "./review.ts";
import { readJson, runPaths } from "./review.ts";
import { liveHolder } from "./run-lock.ts";
import type { RunMeta } from "./session.ts";
import { readTranscript, rebuildHistory } from "./transcript.ts";
import { RUNS_DIR } from "./workspace.ts";

/**
 * A workspace's runs as `switchyard runs` lists them, and `runs prune`, which deletes the copies of runs that are
 * finished with (applied, unchanged or discarded). Transcripts and summaries always stay: cost accounting and
 * the viewer read them.
 */
export type RunState =
  /** A live process holds the run's lock. */
  | "running"
  /** No summary and no live process: killed mid-run; `resume` continues it. */
  | "interrupted"
  /** Finished with changes that are neither applied nor discarded yet. */
  | "pending"
  | "applied"
  | "discarded"
  | "unchanged"
  /** Finished, but its review could not be written; `resume` writes it (no model call). */
  | "review_failed";

export interface RunListing {
  runId: string;
  state: RunState;
  /** The end state of a finished run (done, step_limit, …). */
  endState?: string;
  model: string;
  task: string;
  steps: number;
  costUsd: number | null;
  createdAt: string;
  /** Bytes of the run's copy and scratch space (what prune frees). */
  copyBytes: number;
}

export function listRuns(workspace: string): RunListing[] {
  const dir = join(workspace, RUNS_DIR, "runs");
  if (!existsSync(dir)) return [];
  const out: RunListing[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = runPaths(workspace, e.name);
    if (!existsSync(p.meta)) continue;
    const meta = readJson<RunMeta>(p.meta);
    const summary = existsSync(p.summary) ? readJson<RunSummary>(p.summary) : undefined;
    const live = liveHolder(p) !== undefined;
    const steps = summary?.steps ?? stepsFromTranscript(p.transcript);
    out.push({
      runId: meta.runId,
      state: live ? "running" : summary ? summary.status : "interrupted",
      // A failed review is the state; the end state shown beside it is how the loop had ended.
      ...(summary && !live ? { endState: summary.reviewFailure?.loop.endState ?? summary.endState } : {}),
      model: summary?.model ?? meta.model,
      task: meta.task,
      steps,
      costUsd: summary ? (summary.cost.priced ? summary.cost.total : null) : null,
      createdAt: meta.createdAt,
      copyBytes: du(p.copy) + du(p.scratch),
    });
  }
  // Newest first.
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export interface PruneResult {
  removed: RunListing[];
  bytes: number;
}

/** Delete the copies of finished runs whose changes were applied, discarded or were none. */
export function pruneRuns(workspace: string, opts: { dryRun?: boolean } = {}): PruneResult {
  const removed = listRuns(workspace).filter(
    (r) => (r.state === "applied" || r.state === "unchanged" || r.state === "discarded") && r.copyBytes > 0,
  );
  if (!opts.dryRun) {
    for (const r of removed) {
      const p = runPaths(workspace, r.runId);
      rmSync(p.copy, { recursive: true, force: true });
      rmSync(p.scratch, { recursive: true, force: true });
    }
  }
  return { removed, bytes: removed.reduce((n, r) => n + r.copyBytes, 0) };
}

function stepsFromTranscript(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    return rebuildHistory(readTranscript(file)).steps;
  } catch {
    return 0;
  }
}

function du(path: string): number {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st || st.isSymbolicLink()) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, name) => n + du(join(path, name)), 0);
}
