import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ConfigError } from "../core/errors.ts";
import { taskChecksum } from "./dirhash.ts";
import type { HarborJobResult } from "./harbor-models.ts";

/**
 * The job's identity for --resume, kept in the job folder's switchyard.json (IDENTITY_FILE; the job's config.json
 * is Harbor's JobConfig): what was run (tasks with Harbor's checksum of their files, agents, attempts, timeout
 * multiplier, environment, limits). Concurrency is not part of it: resuming with another -n is fine.
 */
export interface JobConfig {
  format: typeof IDENTITY_FORMAT;
  job_name: string;
  /** Harbor's JobResult.id for this job (a UUID), kept across --resume. */
  job_id: string;
  /**
   * Each task with its checksum: Harbor's for a task folder; a row task's own (mcp-atlas/checksum.ts) for a row
   * of an MCP-Atlas-style suite, marked `row` (its trials rerun on --resume when it changed, instead of a refusal).
   */
  tasks: JobTask[];
  agents: string[];
  k: number;
  timeout_multiplier: number;
  env: "local" | "docker";
  strict_env: boolean;
  n_concurrent: number;
  /** Per-trial limits of model agents (absent for oracle/nop-only jobs). */
  agent_limits?: AgentLimits;
  /** Every planned trial's folder name, in order (for reports that must tell missing trials apart). */
  trials?: string[];
  /** Tasks left out with --skip-bad-tasks: folder and the load error. */
  skipped_tasks?: Array<{ name: string; path: string; error: string }>;
  /** sha256 over every field above except job_name, job_id, n_concurrent and skipped_tasks. */
  hash: string;
}

export interface JobTask {
  name: string;
  path: string;
  digest: string;
  row?: true;
}

export const IDENTITY_FILE = "switchyard.json";
export const IDENTITY_FORMAT = "switchyard.job.v1";

export interface AgentLimits {
  max_steps: number;
  budget_usd?: number;
  max_tokens?: number;
  /** The reasoning level model agents ran with (`--reasoning`, `[run] reasoning`); absent = the model's default. */
  reasoning?: string;
}

/**
 * A task's checksum: Harbor's task checksum (dirhash sha256 of the task folder), as recorded in each trial's
 * result.json — except for a row of an MCP-Atlas-style suite, whose rows share one folder: its own checksum
 * (mcp-atlas/checksum.ts), so that editing one row changes no other row's.
 */
export function taskDigest(task: { dir: string; mcpAtlas?: { checksum?: string } }): string {
  return task.mcpAtlas?.checksum ?? taskChecksum(task.dir);
}

/** The job's entry for a task (row tasks marked). */
export function jobTask(task: { name: string; dir: string; mcpAtlas?: { checksum?: string } }): JobTask {
  return {
    name: task.name,
    path: task.dir,
    digest: taskDigest(task),
    ...(task.mcpAtlas?.checksum ? { row: true as const } : {}),
  };
}

/**
 * The entry of a task that could not be loaded: a folder task by its folder's checksum; a row that failed to
 * load (its folder holds a suite, not a task) by its load error, so that an edit of another row leaves it alone.
 */
export function failedJobTask(f: { name: string; dir: string; error: { message: string } }, isRow: boolean): JobTask {
  if (!isRow) return { name: f.name, path: f.dir, digest: taskChecksum(f.dir) };
  const digest = createHash("sha256").update(`row load error\0${f.error.message}`).digest("hex");
  return { name: f.name, path: f.dir, digest, row: true };
}

export function hashJobConfig(c: Omit<JobConfig, "hash">): string {
  const { job_name: _n, job_id: _i, n_concurrent: _c, skipped_tasks: _s, trials: _t, ...rest } = c;
  return createHash("sha256").update(JSON.stringify(rest)).digest("hex").slice(0, 16);
}

/**
 * Throws a ConfigError naming every field that differs between the stored job and this invocation. Row tasks
 * (JobTask.row) may have changed: their names are returned, and their trials rerun (job.ts); any other change is
 * refused.
 */
export function assertSameJob(stored: JobConfig, now: JobConfig, file: string): string[] {
  if (stored.hash === now.hash) return [];
  const rowsNow = new Map(now.tasks.filter((t) => t.row).map((t) => [t.name, t]));
  const edited = stored.tasks
    .filter((t) => rowsNow.has(t.name) && rowsNow.get(t.name)?.digest !== t.digest)
    .map((t) => t.name);
  // The stored job with this invocation's row entries: the same hash = nothing changed but rows.
  const { hash: _h, ...rest } = stored;
  const adjusted = { ...rest, tasks: stored.tasks.map((t) => rowsNow.get(t.name) ?? t) };
  if (edited.length && hashJobConfig(adjusted) === now.hash) return edited;
  const changes: string[] = [];
  const names = (c: JobConfig) => c.tasks.map((t) => t.name);
  const added = names(now).filter((n) => !names(stored).includes(n));
  const removed = names(stored).filter((n) => !names(now).includes(n));
  if (added.length) changes.push(`tasks added: ${added.join(", ")}`);
  if (removed.length) changes.push(`tasks removed: ${removed.join(", ")}`);
  for (const t of now.tasks) {
    const old = stored.tasks.find((s) => s.name === t.name);
    if (old && old.digest !== t.digest && !t.row) changes.push(`task ${t.name} changed on disk`);
  }
  const cmp = (field: keyof JobConfig, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) changes.push(`${field}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
  };
  cmp("agents", stored.agents, now.agents);
  cmp("k", stored.k, now.k);
  cmp("timeout_multiplier", stored.timeout_multiplier, now.timeout_multiplier);
  cmp("env", stored.env, now.env);
  cmp("strict_env", stored.strict_env, now.strict_env);
  cmp("agent_limits", stored.agent_limits, now.agent_limits);
  if (changes.length === 0) changes.push("job configuration hash differs");
  throw new ConfigError(`cannot resume job "${stored.job_name}": its configuration changed (${changes.join("; ")})`, {
    file,
    hint: "resume with the same tasks, --agent, -k, --timeout-multiplier and limits, or start a new job (--job-name)",
  });
}

/**
 * The stored identity of the job in `jobDir`. A job written before Harbor-format results (config.json with
 * Switchyard's own fields, no switchyard.json) and a job written by Harbor itself cannot be resumed: clear errors.
 */
export function readJobConfig(jobDir: string): JobConfig {
  const file = join(jobDir, IDENTITY_FILE);
  const harborConfig = join(jobDir, "config.json");
  if (!existsSync(file)) {
    let old: Record<string, unknown> | undefined;
    try {
      old = JSON.parse(readFileSync(harborConfig, "utf8")) as Record<string, unknown>;
    } catch {
      old = undefined;
    }
    const legacy = old !== undefined && typeof old.hash === "string" && Array.isArray(old.agents);
    throw new ConfigError(
      legacy
        ? `${harborConfig}: this job was written by an older switchyard (before Harbor-format results) and cannot be resumed`
        : `${file}: missing; this folder is not a job written by switchyard bench`,
      {
        file: legacy ? harborConfig : file,
        hint: "start a new job (another --job-name or --out); `switchyard report` still reads the old folder",
      },
    );
  }
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as JobConfig;
    if (v.format !== IDENTITY_FORMAT) throw new Error(`unknown format ${JSON.stringify(v.format)}`);
    return v;
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the job's identity: ${(err as Error).message}`, {
      file,
      hint: "this folder is not a complete bench job; start a new job instead of --resume",
    });
  }
}

/** A job folder name from the time: YYYY-MM-DD__HH-MM-SS. */
export function timestampName(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}__${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

/** The newest job in outDir (by its config.json), which --resume without --job-name finishes. */
export function newestJob(outDir: string): string | undefined {
  if (!existsSync(outDir)) return undefined;
  const jobs = readdirSync(outDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(outDir, e.name, "config.json")))
    .map((e) => ({ name: e.name, t: statSync(join(outDir, e.name, "config.json")).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  return jobs[0]?.name;
}

/** The job's result.json when readable (its started_at survives a --resume). */
export function readCompleteJob(file: string): HarborJobResult | undefined {
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as HarborJobResult;
    return typeof v.started_at === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A dispatcher (the queue) sends the rows of an MCP-Atlas-style suite with their folder (its mcp-atlas.toml, rows
 * files and environment/), which a worker loads again: a rows file that mcp-atlas.toml names outside that folder
 * would not travel with it, so such rows are refused before anything is written or enqueued.
 */
export function refuseDispatchedRows(
  tasks: ReadonlyArray<{ name: string; dir: string; mcpAtlas?: { origin?: { file: string } } }>,
  dispatched: boolean,
): void {
  if (!dispatched) return;
  const outside = tasks.filter((t) => {
    const file = t.mcpAtlas?.origin?.file;
    return file !== undefined && relative(t.dir, file).startsWith("..");
  });
  const first = outside[0]?.mcpAtlas?.origin?.file;
  if (!first) return;
  const names = outside.map((t) => t.name);
  const shown = names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ");
  throw new ConfigError(
    `${first}: MCP-Atlas rows outside their suite folder cannot be sent to queue workers (${shown})`,
    {
      field: "--queue",
      file: first,
      hint: "move the rows file into the folder of mcp-atlas.toml (workers get that folder), or run without --queue",
    },
  );
}
