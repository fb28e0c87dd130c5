import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { ConfigError } from "../core/errors.ts";
import { redactText } from "../core/redact.ts";
import { IDENTITY_FILE } from "./job-config.ts";
import { reasoningTokens, trialFiles } from "./report-answer.ts";
import { renderHtml, renderMarkdown } from "./report-render.ts";
import { computeStats } from "./stats.ts";
import { readCompleteTrialResult, type TrialResult, writeJsonAtomic } from "./trial-result.ts";

/**
 * Job reports: reads the job folder (Harbor's result.json, Switchyard's switchyard.json and every complete
 * `<job>/<trial>/result.json`), computes the statistics, writes `report.md`, a self-contained `report.html`
 * (inline SVG, no scripts or external assets) and `stats.json` (STATS_FILE; Harbor's result.json keeps Harbor's
 * own JobStats). Trials the job planned but without a complete result (still running, or killed mid-write) are
 * left out and counted in `stats.n_incomplete`. Harbor job folders and Switchyard's older flat job folders read too.
 */

export const STATS_FILE = "stats.json";

export interface LoadedJob {
  /** The job by name, with its start and end times. */
  job: { id: string; started_at?: string | null; finished_at?: string | null };
  trials: TrialResult[];
  /** Tasks skipped with --skip-bad-tasks (from the job's switchyard.json). */
  skipped: Array<{ name: string; error: string }>;
  /** Trial folders named by the job (or found) that have no complete result.json. */
  incomplete: string[];
}

function readJsonFile(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
    return v as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON: ${(err as Error).message}`, {
      file,
      hint: "the job's file is damaged; rerun the job with --resume to rewrite it",
    });
  }
}

function skippedTasks(jobDir: string): Array<{ name: string; error: string }> {
  const identity = readJsonFile(join(jobDir, IDENTITY_FILE));
  const list = Array.isArray(identity?.skipped_tasks) ? (identity.skipped_tasks as unknown[]) : [];
  return list
    .filter((x): x is { name: string; error: string } => {
      const o = x as Record<string, unknown> | null;
      return typeof o?.name === "string" && typeof o.error === "string";
    })
    .map((x) => ({ name: x.name, error: x.error }));
}

function plannedTrials(jobDir: string): string[] | undefined {
  const identity = readJsonFile(join(jobDir, IDENTITY_FILE));
  if (identity && Array.isArray(identity.trials)) return identity.trials.filter((t) => typeof t === "string");
  // Switchyard's flat job result.json before Harbor-format results listed them itself.
  const old = readJsonFile(join(jobDir, "result.json"));
  if (old && Array.isArray(old.trials)) return old.trials.filter((t) => typeof t === "string");
  return undefined;
}

export function loadJob(jobDir: string): LoadedJob {
  if (!existsSync(jobDir) || !statSync(jobDir).isDirectory()) {
    throw new ConfigError(`job directory not found: ${jobDir}`, {
      file: jobDir,
      hint: "pass a job folder written by `switchyard bench` (e.g. jobs/<job-name>)",
    });
  }
  const result = readJsonFile(join(jobDir, "result.json"));
  const planned = plannedTrials(jobDir);
  const names =
    planned && planned.length > 0
      ? planned
      : readdirSync(jobDir, { withFileTypes: true })
          .filter((d) => d.isDirectory() && existsSync(join(jobDir, d.name, "result.json")))
          .map((d) => d.name)
          .sort();
  const trials: TrialResult[] = [];
  const incomplete: string[] = [];
  for (const name of names) {
    const t = readCompleteTrialResult(join(jobDir, name, "result.json"));
    if (t) trials.push(t);
    else incomplete.push(name);
  }
  if (trials.length === 0) {
    throw new ConfigError(`no complete trial results in ${jobDir}`, {
      file: join(jobDir, "result.json"),
      hint: "run `switchyard bench` first, or `switchyard bench --resume` to finish an interrupted job",
    });
  }
  const time = (k: string) => (typeof result?.[k] === "string" ? (result[k] as string) : null);
  return {
    job: { id: basename(resolve(jobDir)), started_at: time("started_at"), finished_at: time("finished_at") },
    trials,
    skipped: skippedTasks(jobDir),
    incomplete,
  };
}

export async function writeReports(jobDir: string): Promise<{ markdown: string; html: string; stats: string }> {
  const { job, trials, incomplete, skipped } = loadJob(jobDir);
  const stats = computeStats(trials);
  const input = {
    job,
    trials,
    stats,
    skipped,
    files: trialFiles(jobDir, trials),
    reasoning: reasoningTokens(jobDir, trials),
  };
  const markdown = join(jobDir, "report.md");
  const html = join(jobDir, "report.html");
  const statsFile = join(jobDir, STATS_FILE);
  writeFileSync(markdown, redactText(renderMarkdown(input)));
  writeFileSync(html, redactText(renderHtml(input)));
  writeJsonAtomic(statsFile, { ...stats, n_incomplete: incomplete.length });
  return { markdown, html, stats: statsFile };
}
