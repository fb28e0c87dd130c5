import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ConfigError } from "../core/errors.ts";
import { migrate, SCHEMA_VERSION } from "./results-schema.ts";

export { SCHEMA_VERSION };

/** One bench trial. The bench writes these; the router's evidence strategy reads them. */
export interface TrialRow {
  jobId: string;
  taskId: string;
  /** Task category (a router task class such as "terminal" or "patch", or a Terminal-Bench category). */
  category: string;
  /** Full model ref "provider/id" (or an agent name such as "oracle"). */
  model: string;
  trial: number;
  reward: number | null;
  passed: boolean;
  exception: string | null;
  costUsd: number | null;
  inputTokens: number;
  cacheTokens: number;
  outputTokens: number;
  durationMs: number;
  /** ISO timestamp. */
  finishedAt: string;
  // Provenance (schema v2). Rows recorded before it have them null ("unknown"); the router leaves those out.
  /** The project the bench ran for (absolute folder); "" when unknown. */
  project?: string;
  /** Host of the model endpoint's base URL; null for oracle/nop or when unknown. */
  endpointHost?: string | null;
  /** The endpoint was on this machine (the mock server, a local model server); null when unknown. */
  loopback?: boolean | null;
  /** The agent harness (switchyard, oracle, nop, an installed agent) and its version. */
  harness?: string | null;
  harnessVersion?: string | null;
  /** Harbor's task checksum (dirhash sha256 of the task folder). */
  taskChecksum?: string | null;
  /** Environment fidelity: "full", or "reduced" with notes; null when unknown. */
  fidelity?: "full" | "reduced" | null;
  fidelityNotes?: string[];
  reasoningEffort?: string | null;
  // Latency (schema v3), from agent_result; absent when none was measured.
  /** Time to first token of the trial's first response, ms. */
  ttftMs?: number | null;
  /** Output tokens per second over the streaming phase (after the first token), mean over the responses. */
  outputTokensPerSecond?: number | null;
}

export interface TrialFilter {
  jobId?: string;
  taskId?: string;
  category?: string;
  model?: string;
  project?: string;
  /** Only rows finished at or after this ISO timestamp. */
  since?: string;
}

/**
 * The results store. Methods may return promises (a networked store such as Postgres does); callers await them.
 * The SQLite store below answers synchronously (SqliteResultsStore).
 */
export interface ResultsStore {
  readonly path: string;
  /** Insert or replace the row keyed by (project, jobId, taskId, model, trial). */
  recordTrial(row: TrialRow): void | Promise<void>;
  trials(filter?: TrialFilter): TrialRow[] | Promise<TrialRow[]>;
  close(): void | Promise<void>;
}

export interface SqliteResultsStore extends ResultsStore {
  recordTrial(row: TrialRow): void;
  trials(filter?: TrialFilter): TrialRow[];
  close(): void;
}

/** Where the store lives: `[results] store` in switchyard.toml. */
export type StoreSetting = "project" | "user" | (string & {});

/** The user-wide store: `$XDG_DATA_HOME/switchyard/results.sqlite` (default ~/.local/share/...). */
export function userResultsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
  return join(base, "switchyard", "results.sqlite");
}

/**
 * The store's path: `SWITCHYARD_RESULTS_DB` when set; else by `[results] store`: "project" (the default,
 * `<project>/.switchyard/results.sqlite`), "user" (userResultsPath) or a file path (relative to the project).
 * Without a project folder (library use), "project" falls back to the user-wide store.
 */
export function resultsPath(opts: { env?: NodeJS.ProcessEnv; project?: string; store?: StoreSetting } = {}): string {
  const env = opts.env ?? process.env;
  if (env.SWITCHYARD_RESULTS_DB) return env.SWITCHYARD_RESULTS_DB;
  const setting = opts.store ?? "project";
  if (setting === "user" || (setting === "project" && opts.project === undefined)) return userResultsPath(env);
  const project = resolve(opts.project ?? process.cwd());
  if (setting === "project") return join(project, ".switchyard", "results.sqlite");
  return isAbsolute(setting) ? setting : join(project, setting);
}

/** @deprecated the user-wide path (or SWITCHYARD_RESULTS_DB); use resultsPath, which defaults to the project. */
export function defaultResultsPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWITCHYARD_RESULTS_DB || userResultsPath(env);
}

/** A row as both engines store it (SQLite here, Postgres in results-store-pg.ts: the same columns). */
export interface DbRow {
  job_id: string;
  task_id: string;
  category: string;
  model: string;
  trial: number;
  reward: number | null;
  passed: number;
  exception: string | null;
  cost_usd: number | null;
  input_tokens: number;
  cache_tokens: number;
  output_tokens: number;
  duration_ms: number;
  finished_at: string;
  project: string;
  endpoint_host: string | null;
  loopback: number | null;
  harness: string | null;
  harness_version: string | null;
  task_checksum: string | null;
  fidelity: string | null;
  fidelity_notes: string | null;
  reasoning_effort: string | null;
  ttft_ms: number | null;
  output_tokens_per_second: number | null;
}

function notes(text: string | null): string[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

export function fromDb(r: DbRow): TrialRow {
  return {
    jobId: r.job_id,
    taskId: r.task_id,
    category: r.category,
    model: r.model,
    trial: r.trial,
    reward: r.reward,
    passed: r.passed !== 0,
    exception: r.exception,
    costUsd: r.cost_usd,
    inputTokens: r.input_tokens,
    cacheTokens: r.cache_tokens,
    outputTokens: r.output_tokens,
    durationMs: r.duration_ms,
    finishedAt: r.finished_at,
    project: r.project,
    endpointHost: r.endpoint_host,
    loopback: r.loopback === null ? null : r.loopback !== 0,
    harness: r.harness,
    harnessVersion: r.harness_version,
    taskChecksum: r.task_checksum,
    fidelity: r.fidelity === "full" || r.fidelity === "reduced" ? r.fidelity : null,
    fidelityNotes: notes(r.fidelity_notes),
    reasoningEffort: r.reasoning_effort,
    ...(r.ttft_ms === null ? {} : { ttftMs: r.ttft_ms }),
    ...(r.output_tokens_per_second === null ? {} : { outputTokensPerSecond: r.output_tokens_per_second }),
  };
}

export const COLUMNS = [
  "job_id",
  "task_id",
  "category",
  "model",
  "trial",
  "reward",
  "passed",
  "exception",
  "cost_usd",
  "input_tokens",
  "cache_tokens",
  "output_tokens",
  "duration_ms",
  "finished_at",
  "project",
  "endpoint_host",
  "loopback",
  "harness",
  "harness_version",
  "task_checksum",
  "fidelity",
  "fidelity_notes",
  "reasoning_effort",
  "ttft_ms",
  "output_tokens_per_second",
] as const;
export const KEY = ["project", "job_id", "task_id", "model", "trial"];

export function toDb(row: TrialRow): Array<string | number | null> {
  const b = (v: boolean | null | undefined) => (v === null || v === undefined ? null : v ? 1 : 0);
  return [
    row.jobId,
    row.taskId,
    row.category,
    row.model,
    row.trial,
    row.reward,
    row.passed ? 1 : 0,
    row.exception,
    row.costUsd,
    row.inputTokens,
    row.cacheTokens,
    row.outputTokens,
    Math.round(row.durationMs),
    row.finishedAt,
    row.project ?? "",
    row.endpointHost ?? null,
    b(row.loopback),
    row.harness ?? null,
    row.harnessVersion ?? null,
    row.taskChecksum ?? null,
    row.fidelity ?? null,
    row.fidelityNotes ? JSON.stringify(row.fidelityNotes) : null,
    row.reasoningEffort ?? null,
    row.ttftMs ?? null,
    row.outputTokensPerSecond ?? null,
  ];
}

/** Open (creating if needed) the SQLite results store. The schema is created/migrated on open. */
export function openResultsStore(path: string = defaultResultsPath()): SqliteResultsStore {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
    migrate(db, path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${path}: cannot open results store: ${(err as Error).message}`, {
      file: path,
      hint: "check the file is a switchyard results database, or set SWITCHYARD_RESULTS_DB to another path",
    });
  }
  const updates = COLUMNS.filter((c) => !KEY.includes(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(", ");
  const upsert = db.prepare(`
    INSERT INTO trials (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})
    ON CONFLICT (${KEY.join(", ")}) DO UPDATE SET ${updates}
  `);
  return {
    path,
    recordTrial(row) {
      upsert.run(...toDb(row));
    },
    trials(filter = {}) {
      const where: string[] = [];
      const args: string[] = [];
      const eq: Array<[keyof TrialFilter, string]> = [
        ["jobId", "job_id"],
        ["taskId", "task_id"],
        ["category", "category"],
        ["model", "model"],
        ["project", "project"],
      ];
      for (const [key, col] of eq) {
        const v = filter[key];
        if (v !== undefined) {
          where.push(`${col} = ?`);
          args.push(v);
        }
      }
      if (filter.since !== undefined) {
        where.push("finished_at >= ?");
        args.push(filter.since);
      }
      const sql = `SELECT * FROM trials ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
                   ORDER BY job_id, task_id, model, trial`;
      return (db.prepare(sql).all(...args) as unknown as DbRow[]).map(fromDb);
    },
    close() {
      if (db.isOpen) db.close();
    },
  };
}
