import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, join, resolve, sep } from "node:path";
import { loadJob } from "../bench/report.ts";
import { groupLabel } from "../bench/stats.ts";
import { isScored, type TrialResult } from "../bench/trial-result.ts";
import { ConfigError } from "../core/errors.ts";

/**
 * What `switchyard view` reads: job folders (as `switchyard bench` writes them) and the results store, SQLite or
 * Postgres, read-only (store-tables.ts). Nothing here writes; a job folder is re-read on every request, so a running bench shows up
 * as it goes.
 */
export interface ViewSources {
  /** Job folders, or folders whose subfolders are jobs. */
  paths: string[];
  /** The results store: a SQLite file or a `postgres://` URL (store-tables.ts); absent or missing file = none. */
  store?: string;
}

export interface JobEntry {
  id: string;
  dir: string;
}

function isJobDir(dir: string): boolean {
  return existsSync(join(dir, "config.json")) || existsSync(join(dir, "result.json"));
}

/** Every job under the given paths, newest first (by folder mtime). */
export function listJobs(sources: ViewSources): JobEntry[] {
  const out = new Map<string, JobEntry & { t: number }>();
  for (const p of sources.paths) {
    const dir = resolve(p);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    const dirs = isJobDir(dir)
      ? [dir]
      : readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isDirectory() && isJobDir(join(dir, e.name)))
          .map((e) => join(dir, e.name));
    for (const d of dirs) {
      const id = basename(d);
      if (!out.has(id)) out.set(id, { id, dir: d, t: statSync(d).mtimeMs });
    }
  }
  return [...out.values()].sort((a, b) => b.t - a.t || a.id.localeCompare(b.id)).map(({ id, dir }) => ({ id, dir }));
}

export function findJob(sources: ViewSources, id: string): JobEntry {
  const job = listJobs(sources).find((j) => j.id === id);
  if (!job) {
    throw new ConfigError(`no job "${id}" under ${sources.paths.join(", ")}`, {
      hint: "pick a job from the jobs list, or start the viewer with the folder that holds it: switchyard view <dir>",
    });
  }
  return job;
}

export interface ViewTrial {
  result: TrialResult;
  group: string;
  outcome: "passed" | "failed" | "error";
}

export function loadTrials(job: JobEntry): { trials: ViewTrial[]; incomplete: string[] } {
  const { trials, incomplete } = loadJob(job.dir);
  return {
    trials: trials.map((result) => ({
      result,
      group: groupLabel(result),
      outcome: !isScored(result) ? "error" : result.passed ? "passed" : "failed",
    })),
    incomplete,
  };
}

/** A file inside a trial folder; refuses anything that resolves outside it (symlinks included). */
export function trialFile(job: JobEntry, trial: string, rel: string): string | undefined {
  const base = join(job.dir, trial);
  if (!existsSync(base) || trial.includes("/") || trial.startsWith(".")) return undefined;
  const file = join(base, rel);
  if (!existsSync(file)) return undefined;
  const real = realpathSync(file);
  const root = realpathSync(base);
  return real === root || !real.startsWith(root + sep) || !statSync(real).isFile() ? undefined : real;
}

export function readText(file: string | undefined, max = 2_000_000): string | undefined {
  if (!file) return undefined;
  const text = readFileSync(file, "utf8");
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}
