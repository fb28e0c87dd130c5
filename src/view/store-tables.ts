import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { ConfigError, errorMessage } from "../core/errors.ts";
import { isPostgresUrl, maskUrl } from "../ledger/trial-store.ts";

/**
 * The results store's tables as `switchyard view` shows them, from either engine: the SQLite file (opened
 * read-only, never created) or a Postgres database (one READ ONLY transaction; the schema is never migrated, as
 * opening it for the bench would). Both give the same tables, columns in table order and rows sorted by the
 * table's primary key in byte order (Postgres with COLLATE "C", as SQLite's BINARY), so one store shows the same
 * whichever engine holds it. Bookkeeping is not a table here: the schema version is SQLite's user_version or
 * the highest row of Postgres's switchyard_schema_migrations.
 */
export interface StoreTable {
  name: string;
  columns: string[];
  rows: Array<Record<string, unknown>>;
}

export interface StoreSnapshot {
  /** The file path, or the URL with its password masked. */
  location: string;
  engine: "sqlite" | "postgres";
  schemaVersion: number | null;
  tables: StoreTable[];
}

const MIGRATIONS_TABLE = "switchyard_schema_migrations";

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The store at `location` (a path or a postgres:// URL); undefined when no location or no such file. */
export async function readStore(location: string | undefined): Promise<StoreSnapshot | undefined> {
  if (!location) return undefined;
  if (isPostgresUrl(location)) return readPostgres(location);
  if (!existsSync(location)) return undefined;
  return readSqlite(location);
}

function readSqlite(file: string): StoreSnapshot {
  let conn: DatabaseSync;
  try {
    conn = new DatabaseSync(file, { readOnly: true });
  } catch (err) {
    throw new ConfigError(`${file}: cannot open the results store: ${errorMessage(err)}`, {
      file,
      hint: "check the file is a switchyard results database (--store)",
    });
  }
  try {
    const names = conn
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
      .map((r) => String((r as { name: unknown }).name));
    const tables = names.map((name) => {
      const info = conn.prepare(`PRAGMA table_info(${quote(name)})`).all() as Array<{ name: string; pk: number }>;
      const key = info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => quote(c.name));
      const order = key.length ? ` ORDER BY ${key.join(", ")}` : "";
      const rows = conn.prepare(`SELECT * FROM ${quote(name)}${order}`).all() as Array<Record<string, unknown>>;
      return { name, columns: info.map((c) => c.name), rows };
    });
    const version = conn.prepare("PRAGMA user_version").get() as { user_version?: number } | undefined;
    return { location: file, engine: "sqlite", schemaVersion: version?.user_version ?? null, tables };
  } finally {
    conn.close();
  }
}

function unreachable(url: string, err: unknown): ConfigError {
  return new ConfigError(`cannot read the Postgres results store at ${maskUrl(url)}: ${errorMessage(err)}`, {
    field: "--store",
    hint: "start Postgres there, or fix the host, port, user, password and database in --store / SWITCHYARD_STORE",
  });
}

async function readPostgres(url: string): Promise<StoreSnapshot> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw unreachable(url, err);
  }
  try {
    await client.query("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const names = (
      await client.query<{ name: string }>(
        // pg_catalog, not information_schema: a table the user may not read is listed (and fails clearly), not hidden.
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> $1
         ORDER BY c.relname COLLATE "C"`,
        [MIGRATIONS_TABLE],
      )
    ).rows.map((r) => r.name);
    const tables: StoreTable[] = [];
    for (const name of names) tables.push(await pgTable(client, name));
    const hasMigrations = await client.query("SELECT to_regclass($1) IS NOT NULL AS present", [MIGRATIONS_TABLE]);
    let schemaVersion: number | null = null;
    if ((hasMigrations.rows[0] as { present: boolean }).present) {
      const v = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${MIGRATIONS_TABLE}`);
      schemaVersion = v.rows[0]?.v ?? null;
    }
    await client.query("COMMIT");
    return { location: maskUrl(url), engine: "postgres", schemaVersion, tables };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot read the Postgres results store at ${maskUrl(url)}: ${errorMessage(err)}`, {
      field: "--store",
      hint: "the viewer needs a user that may SELECT from the store's tables in that database (--store / SWITCHYARD_STORE)",
    });
  } finally {
    await client.end().catch(() => {});
  }
}

const TEXT_TYPES = new Set(["text", "character varying", "character"]);

async function pgTable(client: pg.Client, name: string): Promise<StoreTable> {
  const cols = (
    await client.query<{ name: string; type: string }>(
      `SELECT a.attname AS name, a.atttypid::regtype::text AS type FROM pg_attribute a
       WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [name],
    )
  ).rows;
  const key = (
    await client.query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = to_regclass(quote_ident($1)) AND i.indisprimary
       ORDER BY array_position(i.indkey::int2[], a.attnum)`,
      [name],
    )
  ).rows.map((r) => r.name);
  const typeOf = new Map(cols.map((c) => [c.name, c.type]));
  const order = key.map((k) => (TEXT_TYPES.has(typeOf.get(k) ?? "") ? `${quote(k)} COLLATE "C"` : quote(k)));
  const rows = (
    await client.query(`SELECT * FROM ${quote(name)}${order.length ? ` ORDER BY ${order.join(", ")}` : ""}`)
  ).rows as Array<Record<string, unknown>>;
  return { name, columns: cols.map((c) => c.name), rows };
}
