import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScreenshotTally } from "../computer/screenshots.ts";
import { ConfigError } from "../core/errors.ts";
import { inScope } from "../core/scope.ts";
import { applyChanges, recoverApply } from "./apply.ts";
import type { FinalEventBody } from "./loop.ts";
import { patchPreview, writePatch } from "./patch.ts";
import { createRedactor, type Redactor } from "./redact.ts";
import { dropRunDisk } from "./run-disk.ts";
import { liveHolder } from "./run-lock.ts";
import type { ReviewFailure } from "./run-types.ts";
import type { Change, Manifest } from "./workspace.ts";
import { diffManifests, dropIgnored, findConflicts, RUNS_DIR, takeManifest } from "./workspace.ts";

/**
 * Review of a run's changes: the diff, summary.json, apply and discard. Layout of a run directory:
 * `<workspace>/.switchyard/runs/<run-id>/{run.json, base.json, transcript.jsonl, diff.patch, review.json,
 * summary.json, work/, scratch/}` where work/ is the agent's copy and base.json the workspace manifest taken at the
 * start. review.json is written last, once diff.patch is complete: it records exactly what the review showed (the
 * changes and the hash of every new entry), and apply lands that or nothing. `apply/` exists only while an apply
 * runs (its stage, backups and journal).
 */
export interface RunPaths {
  dir: string;
  copy: string;
  scratch: string;
  transcript: string;
  meta: string;
  base: string;
  patch: string;
  summary: string;
}

export function runPaths(workspace: string, runId: string): RunPaths {
  const dir = join(workspace, RUNS_DIR, "runs", runId);
  return {
    dir,
    copy: join(dir, "work"),
    scratch: join(dir, "scratch"),
    transcript: join(dir, "transcript.jsonl"),
    meta: join(dir, "run.json"),
    base: join(dir, "base.json"),
    patch: join(dir, "diff.patch"),
    summary: join(dir, "summary.json"),
  };
}

/** review.json: what the review showed. */
export interface ReviewRecord {
  changes: Change[];
  /** hashEntry of each added/modified path in the run's copy when the patch was written. */
  hashes: Manifest;
  patchBytes: number;
  /** The task's scope when it had one (paths outside it are flagged in `changes`). */
  scope?: string[];
  reviewedAt: string;
}

const reviewFile = (p: RunPaths) => join(p.dir, "review.json");
const applyStage = (p: RunPaths) => join(p.dir, "apply");

export interface RunSummary {
  runId: string;
  task: string;
  model: string;
  workspace: string;
  endState: FinalEventBody["endState"];
  exitCode: number;
  message: string;
  steps: number;
  usage: FinalEventBody["usage"];
  cost: FinalEventBody["cost"];
  durationMs: number;
  changes: Change[];
  /** Screenshots the computer tool took (count, bytes, estimated prompt tokens per provider); absent when none. */
  screenshots?: ScreenshotTally;
  /** With --budget-usd / --max-tokens: the limits, what was spent, the largest reserve held for one call. */
  budget?: FinalEventBody["budget"];
  /** The run's disk quota, what it used, and the bytes its folder keeps on the host until discard. */
  disk?: { quotaMb: number; enforced: boolean; usedBytes?: number; scratchBytes: number; leftBytes?: number };
  /** `review_failed`: the run's end could not write its review; `reviewFailure` says why and where the work is. */
  status: "pending" | "applied" | "discarded" | "unchanged" | "review_failed";
  reviewFailure?: ReviewFailure;
  finishedAt: string;
}

/** Locate an existing run; a clear usage error when there is none. */
/** A run id is one path component (run-id.ts makes `20261203-171943-263-1b1a3f`): never `..` or a slash. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function findRun(workspace: string, runId: string): RunPaths {
  if (!RUN_ID.test(runId) || runId.includes("..")) {
    throw new ConfigError(`"${runId}" is not a run id (letters, digits, '.', '_' and '-' only, no path)`, {
      hint: "pass the id as listed by switchyard runs (or ls .switchyard/runs), and --workspace for another directory",
    });
  }
  const p = runPaths(workspace, runId);
  if (!existsSync(p.meta)) {
    throw new ConfigError(`no run "${runId}" in ${join(workspace, RUNS_DIR, "runs")}`, {
      hint: "check the run id (ls .switchyard/runs) and pass --workspace when the run belongs to another directory",
    });
  }
  return p;
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/**
 * What the run changed, compared with the workspace as it was at the start: writes diff.patch (streamed; large
 * binaries summarised), then review.json. Changes outside the task's scope (run.json `scope`) are flagged. The
 * returned patch is the file's text, cut at 8 MiB with a note pointing at the file.
 */
export async function computeReview(workspace: string, p: RunPaths): Promise<{ changes: Change[]; patch: string }> {
  const base = readJson<Manifest>(p.base);
  const after = existsSync(p.copy) ? takeManifest(p.copy) : {};
  const scope = existsSync(p.meta) ? readJson<{ scope?: string[] }>(p.meta).scope : undefined;
  const changes = (existsSync(p.copy) ? dropIgnored(p.copy, diffManifests(base, after)) : []).map((c) =>
    inScope(scope, c.path) ? c : { ...c, outOfScope: true },
  );
  const bytes = await writePatch(workspace, p.copy, changes, p.patch);
  const hashes: Manifest = {};
  for (const c of changes) {
    const h = after[c.path];
    if (c.kind !== "deleted" && h) hashes[c.path] = h;
  }
  const record: ReviewRecord = {
    changes,
    hashes,
    patchBytes: bytes,
    ...(scope ? { scope } : {}),
    reviewedAt: new Date().toISOString(),
  };
  const tmp = `${reviewFile(p)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, reviewFile(p));
  return { changes, patch: bytes ? patchPreview(p.patch, bytes) : "" };
}

/**
 * Write summary.json with secrets redacted like the transcript (its `message` can carry a model's or a
 * provider's text). `redact` defaults to one built from process.env.
 */
export function writeSummary(p: RunPaths, summary: RunSummary, redact: Redactor = createRedactor()): void {
  writeFileSync(p.summary, `${redact(JSON.stringify(summary, null, 2))}\n`);
}

function setStatus(p: RunPaths, status: RunSummary["status"]): void {
  if (!existsSync(p.summary)) return;
  writeSummary(p, { ...readJson<RunSummary>(p.summary), status });
}

export interface ApplyRunOptions {
  /** Refuse when the review flagged changes outside the task's scope (`--strict`). */
  strict?: boolean;
}

/**
 * Land the run's changes in the workspace, all or nothing (apply.ts). Refuses, writing nothing, when: the run has no
 * complete review; its copy changed since the review; a file the run changed was also changed in the workspace
 * since the run started (listing those files); with `strict`, a change is outside the task's scope. An apply that
 * a crash interrupted is rolled back first.
 */
export function applyRun(workspace: string, runId: string, opts: ApplyRunOptions = {}): Change[] {
  const p = findRun(workspace, runId);
  refuseLive(p, runId, "apply");
  recoverApply(applyStage(p));
  const summary = existsSync(p.summary) ? readJson<RunSummary>(p.summary) : undefined;
  if (summary?.status === "applied") {
    throw new ConfigError(`run ${runId} was already applied`, {
      hint: `its changes are in the workspace; see .switchyard/runs/${runId}/diff.patch for what landed`,
    });
  }
  if (summary?.status === "review_failed") {
    throw new ConfigError(
      `run ${runId}'s review could not be written (${summary.reviewFailure?.error ?? "see its summary.json"}); nothing is applied`,
      {
        hint: `its files are kept in ${summary.reviewFailure?.copy ?? p.copy}; fix the cause, then switchyard resume ${runId} writes the review (no model call), or switchyard discard ${runId}`,
      },
    );
  }
  if (summary?.status === "discarded" || !existsSync(p.copy)) {
    throw new ConfigError(`run ${runId} was discarded; there is nothing to apply`, {
      hint: `.switchyard/runs/${runId}/diff.patch still shows what it changed: apply that by hand (git apply) or run the task again`,
    });
  }
  const review = readReview(p, runId, summary !== undefined);
  const base = readJson<Manifest>(p.base);
  const after = takeManifest(p.copy);
  const changes = dropIgnored(p.copy, diffManifests(base, after));
  if (review) checkReviewed(runId, review, changes, after);
  const conflicts = findConflicts(workspace, base, changes);
  if (conflicts.length) {
    // The workspace's state, not a bug: exit 2 like every other refusal (nothing has been written).
    throw new ConfigError(
      `cannot apply run ${runId}: these files changed in the workspace since the run started: ${conflicts.join(", ")}`,
      { hint: `review .switchyard/runs/${runId}/diff.patch and apply it by hand, or revert those files and retry` },
    );
  }
  const flagged =
    review?.changes ?? changes.map((c) => (inScope(review?.scope, c.path) ? c : { ...c, outOfScope: true }));
  const outside = flagged.filter((c) => c.outOfScope).map((c) => c.path);
  if (opts.strict && outside.length) {
    throw new ConfigError(
      `refusing to apply run ${runId} (--strict): ${outside.length} change(s) outside the task's scope (${(review?.scope ?? []).join(", ")}): ${outside.join(", ")}`,
      {
        hint: `review .switchyard/runs/${runId}/diff.patch; apply without --strict to land them anyway, or discard the run`,
      },
    );
  }
  // Nothing to land: the run stays as it is rather than being marked applied.
  if (changes.length === 0) return [];
  applyChanges(workspace, p.copy, changes, { stageDir: applyStage(p), ...(review ? { expected: review.hashes } : {}) });
  setStatus(p, "applied");
  return flagged;
}

/**
 * review.json, or undefined for a run reviewed before it existed (it has a summary.json). A run with neither was
 * never reviewed (the process died between the loop and the review): refused, so nothing lands unseen.
 */
function readReview(p: RunPaths, runId: string, legacy: boolean): ReviewRecord | undefined {
  if (existsSync(reviewFile(p))) return readJson<ReviewRecord>(reviewFile(p));
  if (legacy && existsSync(p.patch)) return undefined;
  throw new ConfigError(`run ${runId} has no complete review: its diff was never written, so nothing is applied`, {
    file: reviewFile(p),
    hint: `switchyard resume ${runId} writes it (no model call when the run had ended); its files are in ${p.copy}; or switchyard discard ${runId}`,
  });
}

/** What would land now must be exactly what the review showed. */
function checkReviewed(runId: string, review: ReviewRecord, changes: Change[], after: Manifest): void {
  const shown = new Map(review.changes.map((c) => [c.path, c.kind]));
  const differ = new Set<string>();
  for (const c of changes) {
    if (shown.get(c.path) !== c.kind || (c.kind !== "deleted" && review.hashes[c.path] !== after[c.path])) {
      differ.add(c.path);
    }
  }
  for (const path of shown.keys()) if (!changes.some((c) => c.path === path)) differ.add(path);
  if (differ.size === 0) return;
  throw new ConfigError(
    `refusing to apply run ${runId}: its copy changed since the review (diff.patch): ${[...differ].sort().join(", ")}`,
    { hint: `what lands must be what was reviewed; restore those files in the run's work/ or discard the run` },
  );
}

/** Delete the run's copy; the transcript and summary stay for cost accounting. */
export function discardRun(workspace: string, runId: string): void {
  const p = findRun(workspace, runId);
  refuseLive(p, runId, "discard");
  recoverApply(applyStage(p));
  dropRunDisk(p);
  rmSync(p.copy, { recursive: true, force: true });
  rmSync(p.scratch, { recursive: true, force: true });
  setStatus(p, "discarded");
}

/**
 * A run a live process still drives (its lock) is neither applied nor discarded: its copy is still changing, and
 * deleting it under the agent would leave that process reviewing nothing while discard reported success.
 */
function refuseLive(p: RunPaths, runId: string, action: "apply" | "discard"): void {
  const pid = liveHolder(p);
  if (pid === undefined || pid === process.pid) return;
  throw new ConfigError(`run ${runId} is still running (pid ${pid}); nothing was done`, {
    hint: `wait for it to end, or stop it (Ctrl-C in its terminal, or kill ${pid}), then switchyard ${action} ${runId}`,
  });
}
