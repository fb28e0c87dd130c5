import type { DatabaseSync } from "node:sqlite";
import { ConfigError } from "../core/errors.ts";

/**
 * The results store's schema, versioned with SQLite's `PRAGMA user_version`: each migration brings a file from
 * version N-1 to N inside one transaction, so a file is either fully migrated or left as it was.
 * - v1: the trials table keyed by (job, task, model, trial).
 * - v2: provenance per trial (project, endpoint host, loopback, harness + version, task checksum, fidelity +
 *   notes, reasoning effort); the key gains the project. v1 rows keep project "" and unknown (NULL) provenance.
 * - v3: latency per trial: time to first token (its first response) and output tokens per second (the mean over
 *   its responses), from agent_result.ttft_ms / output_tokens_per_second; NULL when none was measured (oracle).
 */
export const SCHEMA_VERSION = 3;

const V1 = `
  CREATE TABLE IF NOT EXISTS trials (
    job_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    category TEXT NOT NULL,
    model TEXT NOT NULL,
    trial INTEGER NOT NULL,
    reward REAL,
    passed INTEGER NOT NULL,
    exception TEXT,
    cost_usd REAL,
    input_tokens INTEGER NOT NULL,
    cache_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (job_id, task_id, model, trial)
  );
  CREATE INDEX IF NOT EXISTS trials_category_model ON trials (category, model);
`;

// SQLite cannot change a primary key in place: build the v2 table, copy, swap.
const V2 = `
  CREATE TABLE trials_v2 (
    job_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    category TEXT NOT NULL,
    model TEXT NOT NULL,
    trial INTEGER NOT NULL,
    reward REAL,
    passed INTEGER NOT NULL,
    exception TEXT,
    cost_usd REAL,
    input_tokens INTEGER NOT NULL,
    cache_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    finished_at TEXT NOT NULL,
    project TEXT NOT NULL DEFAULT '',
    endpoint_host TEXT,
    loopback INTEGER,
    harness TEXT,
    harness_version TEXT,
    task_checksum TEXT,
    fidelity TEXT,
    fidelity_notes TEXT,
    reasoning_effort TEXT,
    PRIMARY KEY (project, job_id, task_id, model, trial)
  );
  INSERT INTO trials_v2 (job_id, task_id, category, model, trial, reward, passed, exception, cost_usd, input_tokens,
                         cache_tokens, output_tokens, duration_ms, finished_at)
    SELECT job_id, task_id, category, model, trial, reward, passed, exception, cost_usd, input_tokens, cache_tokens,
           output_tokens, duration_ms, finished_at FROM trials;
  DROP TABLE trials;
  ALTER TABLE trials_v2 RENAME TO trials;
  CREATE INDEX trials_category_model ON trials (category, model);
  CREATE INDEX trials_project ON trials (project);
`;

const V3 = `
  ALTER TABLE trials ADD COLUMN ttft_ms REAL;
  ALTER TABLE trials ADD COLUMN output_tokens_per_second REAL;
`;

const MIGRATIONS: readonly string[] = [V1, V2, V3];

function userVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}

export function migrate(db: DatabaseSync, path: string): void {
  const version = userVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new ConfigError(
      `${path}: results store schema v${version} is newer than this switchyard (v${SCHEMA_VERSION})`,
      {
        file: path,
        hint: "upgrade switchyard, or point SWITCHYARD_RESULTS_DB at another file",
      },
    );
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v];
    if (sql === undefined) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      // Another process may have migrated the file while this one waited for the write lock.
      if (userVersion(db) > v) {
        db.exec("COMMIT");
        continue;
      }
      db.exec(sql);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
  }
}
