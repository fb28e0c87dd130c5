import pg from "pg";
import { ConfigError, errorMessage } from "../core/errors.ts";
import {
  COLUMNS,
  type DbRow,
  fromDb,
  KEY,
  type ResultsStore,
  SCHEMA_VERSION,
  type TrialFilter,
  toDb,
} from "./results-store.ts";
import { maskUrl } from "./trial-store.ts";

/**
 * The results store on Postgres (node-postgres): the SQLite store's `trials` table, column for column and with the
 * same key, for a team whose workers and routers share one database. Versioned migrations:
 * `switchyard_schema_migrations` records each applied version; they run in one transaction under an advisory lock,
 * so coordinators opening the store at the same moment do not race. A database migrated by a newer switchyard is
 * refused, as the SQLite store does. Integer columns are INTEGER (int4) so rows read back as numbers, as SQLite's.
 */

/** Migration n brings the schema from version n-1 to n (results-schema.ts describes each version). */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS trials (
     job_id TEXT NOT NULL,
     task_id TEXT NOT NULL,
     category TEXT NOT NULL,
     model TEXT NOT NULL,
     trial INTEGER NOT NULL,
     reward DOUBLE PRECISION,
     passed INTEGER NOT NULL,
     exception TEXT,
     cost_usd DOUBLE PRECISION,
     input_tokens INTEGER NOT NULL,
     cache_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     finished_at TEXT NOT NULL,
     PRIMARY KEY (job_id, task_id, model, trial)
   );
   CREATE INDEX IF NOT EXISTS trials_category_model ON trials (category, model);`,
  // v2: provenance, and the project joins the key. Postgres changes a primary key in place.
  `ALTER TABLE trials
     ADD COLUMN project TEXT NOT NULL DEFAULT '',
     ADD COLUMN endpoint_host TEXT,
     ADD COLUMN loopback INTEGER,
     ADD COLUMN harness TEXT,
     ADD COLUMN harness_version TEXT,
     ADD COLUMN task_checksum TEXT,
     ADD COLUMN fidelity TEXT,
     ADD COLUMN fidelity_notes TEXT,
     ADD COLUMN reasoning_effort TEXT;
   ALTER TABLE trials DROP CONSTRAINT trials_pkey;
   ALTER TABLE trials ADD PRIMARY KEY (project, job_id, task_id, model, trial);
   CREATE INDEX trials_project ON trials (project);`,
  // v3: latency per trial.
  `ALTER TABLE trials
     ADD COLUMN ttft_ms DOUBLE PRECISION,
     ADD COLUMN output_tokens_per_second DOUBLE PRECISION;`,
];

/** Any fixed number: the advisory lock that serialises migrations of one database. */
const MIGRATION_LOCK = 0x5717_a4d;

function unreachable(url: string, err: unknown): ConfigError {
  return new ConfigError(`cannot reach the Postgres results store at ${maskUrl(url)}: ${errorMessage(err)}`, {
    field: "--store",
    hint: "start Postgres there (or fix the host, port, user, password and database in --store / SWITCHYARD_STORE)",
  });
}

/** Reached, but the schema could not be created or migrated there (a read-only database or user, no rights). */
function unwritable(url: string, err: unknown): ConfigError {
  return new ConfigError(`cannot set up the Postgres results store at ${maskUrl(url)}: ${errorMessage(err)}`, {
    field: "--store",
    hint: "recording needs a user that may create tables and write in that database (it is read-only or the rights are missing); `switchyard view` only reads",
  });
}

async function migrate(client: pg.PoolClient, url: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS switchyard_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    );
    const res = await client.query<{ v: number | null }>("SELECT max(version) AS v FROM switchyard_schema_migrations");
    const version = res.rows[0]?.v ?? 0;
    if (version > SCHEMA_VERSION) {
      throw new ConfigError(
        `${maskUrl(url)}: results store schema v${version} is newer than this switchyard (v${SCHEMA_VERSION})`,
        { field: "--store", hint: "upgrade switchyard, or point --store / SWITCHYARD_STORE at another database" },
      );
    }
    for (let v = version + 1; v <= SCHEMA_VERSION; v++) {
      await client.query(MIGRATIONS[v - 1] ?? "");
      await client.query("INSERT INTO switchyard_schema_migrations (version) VALUES ($1)", [v]);
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

const FILTERS: Array<[keyof TrialFilter, string]> = [
  ["jobId", "job_id"],
  ["taskId", "task_id"],
  ["category", "category"],
  ["model", "model"],
  ["project", "project"],
];

/** Connect and migrate; `path` is the URL with its password masked (for messages and `route --explain`). */
export async function openPostgresStore(url: string): Promise<ResultsStore> {
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
  // An idle client losing its connection (a restarted server) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => {});
    throw unreachable(url, err);
  }
  try {
    await migrate(client, url);
    client.release();
  } catch (err) {
    // Released before the pool ends: ending waits for every checked-out client.
    client.release();
    await pool.end().catch(() => {});
    throw err instanceof ConfigError ? err : unwritable(url, err);
  }
  const placeholders = COLUMNS.map((_, i) => `$${i + 1}`).join(", ");
  const updates = COLUMNS.filter((c) => !KEY.includes(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(", ");
  const upsert = `INSERT INTO trials (${COLUMNS.join(", ")}) VALUES (${placeholders})
                  ON CONFLICT (${KEY.join(", ")}) DO UPDATE SET ${updates}`;
  return {
    path: maskUrl(url),
    async recordTrial(row) {
      await pool.query(upsert, toDb(row));
    },
    async trials(filter: TrialFilter = {}) {
      const where: string[] = [];
      const args: string[] = [];
      for (const [key, col] of FILTERS) {
        const v = filter[key];
        if (v !== undefined) {
          args.push(v);
          where.push(`${col} = $${args.length}`);
        }
      }
      if (filter.since !== undefined) {
        args.push(filter.since);
        where.push(`finished_at >= $${args.length}`);
      }
      // COLLATE "C": the byte order SQLite sorts by, whatever the database's locale.
      const sql = `SELECT * FROM trials ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
                   ORDER BY job_id COLLATE "C", task_id COLLATE "C", model COLLATE "C", trial`;
      return (await pool.query<DbRow>(sql, args)).rows.map(fromDb);
    },
    async close() {
      await pool.end().catch(() => {});
    },
  };
}
