import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, test } from "node:test";
import pg from "pg";
import { defaultConfig } from "../../src/core/config.ts";
import { ConfigError } from "../../src/core/errors.ts";
import { openResultsStore, SCHEMA_VERSION, type TrialRow } from "../../src/ledger/results-store.ts";
import { MIGRATIONS, openPostgresStore } from "../../src/ledger/results-store-pg.ts";
import { maskUrl, openStore, storeLocation } from "../../src/ledger/trial-store.ts";
import { routeWithEvidence } from "../../src/router/route-with-evidence.ts";
import { createDatabase, freePort, type Service, startPostgres } from "../queue/services.ts";

let pgService: Service;
const root = mkdtempSync(join(tmpdir(), "sy-pgstore-"));
before(async () => {
  pgService = await startPostgres();
});
after(async () => {
  await pgService?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A fresh database per test, so tests do not see each other's rows. */
const database = (name: string) => createDatabase(pgService, name);

const base: TrialRow = {
  jobId: "j1",
  taskId: "hello-world",
  category: "terminal",
  model: "openai/gpt-5.5",
  trial: 1,
  reward: 1,
  passed: true,
  exception: null,
  costUsd: 0.012,
  inputTokens: 1000,
  cacheTokens: 200,
  outputTokens: 50,
  durationMs: 1234,
  finishedAt: "2026-11-20T10:00:00.000Z",
  project: "/srv/project",
  endpointHost: "api.openai.com",
  loopback: false,
  harness: "switchyard",
  harnessVersion: "0.1.0",
  taskChecksum: "ab12",
  fidelity: "full",
  fidelityNotes: [],
  reasoningEffort: null,
};

const timedOut: TrialRow = {
  ...base,
  trial: 2,
  passed: false,
  reward: 0,
  exception: "AgentTimeoutError",
  costUsd: null,
};

test("Postgres: rows round-trip as in SQLite, upsert on the trial's key is idempotent, filters match", async () => {
  const url = await database("roundtrip");
  const s = await openStore(url);
  assert.equal(s.path, url);
  await s.recordTrial(base);
  // The project is part of the key: the same trial of another project is another row.
  await s.recordTrial({ ...base, project: "/srv/other", loopback: true, fidelity: "reduced", fidelityNotes: ["x"] });
  await s.recordTrial({ ...timedOut, ttftMs: 412.5, outputTokensPerSecond: 87.25 });
  await s.recordTrial({ ...base, reward: 0.5, passed: false });
  const rows = await s.trials();
  assert.equal(rows.length, 3);
  assert.deepEqual(
    rows.find((r) => r.trial === 1 && r.project === base.project),
    { ...base, reward: 0.5, passed: false },
  );
  const other = rows.find((r) => r.project === "/srv/other");
  assert.deepEqual([other?.loopback, other?.fidelity, other?.fidelityNotes], [true, "reduced", ["x"]]);
  assert.equal(rows.find((r) => r.trial === 2)?.exception, "AgentTimeoutError");
  assert.equal(rows.find((r) => r.trial === 2)?.costUsd, null);
  assert.deepEqual(
    [rows.find((r) => r.trial === 2)?.ttftMs, rows.find((r) => r.trial === 2)?.outputTokensPerSecond],
    [412.5, 87.25],
  );
  assert.equal((await s.trials({ project: "/srv/other" })).length, 1);
  assert.equal((await s.trials({ model: "anthropic/claude-opus-4-7" })).length, 0);
  assert.equal((await s.trials({ category: "terminal", jobId: "j1" })).length, 3);
  assert.equal((await s.trials({ since: "2026-11-21T00:00:00Z" })).length, 0);
  await s.close();

  // The same rows through the SQLite store come back identical, in the same order.
  const lite = openResultsStore(join(root, "same.sqlite"));
  lite.recordTrial({ ...timedOut, ttftMs: 412.5, outputTokensPerSecond: 87.25 });
  lite.recordTrial({ ...base, reward: 0.5, passed: false });
  const again = await openStore(url);
  assert.deepEqual(await again.trials({ project: base.project }), lite.trials());
  lite.close();
  await again.close();
});

test("Postgres: the same table and columns as the SQLite store; migrations are versioned and run once", async () => {
  const url = await database("schema");
  // Three coordinators opening a fresh database at once: the advisory lock serialises the migration.
  const stores = await Promise.all([openPostgresStore(url), openPostgresStore(url), openPostgresStore(url)]);
  await Promise.all(stores.map((s) => s.close()));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const cols = await c.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'trials' ORDER BY ordinal_position",
  );
  openResultsStore(join(root, "cols.sqlite")).close();
  const file = new DatabaseSync(join(root, "cols.sqlite"));
  const liteCols = (file.prepare("PRAGMA table_info(trials)").all() as Array<{ name: string }>).map((r) => r.name);
  const litePk = (file.prepare("PRAGMA table_info(trials)").all() as Array<{ name: string; pk: number }>)
    .filter((r) => r.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((r) => r.name);
  file.close();
  assert.deepEqual(
    cols.rows.map((r) => r.column_name),
    liteCols,
  );
  const pk = await c.query<{ attname: string }>(
    `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
     WHERE i.indrelid = 'trials'::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
  );
  assert.deepEqual(
    pk.rows.map((r) => r.attname),
    litePk,
  );
  const versions = await c.query<{ version: number }>("SELECT version FROM switchyard_schema_migrations");
  assert.deepEqual(
    versions.rows.map((r) => r.version),
    Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
  );
  // A database migrated by a newer switchyard is refused with the versions named.
  await c.query("INSERT INTO switchyard_schema_migrations (version) VALUES ($1)", [SCHEMA_VERSION + 1]);
  await c.end();
  await assert.rejects(openPostgresStore(url), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, new RegExp(`schema v${SCHEMA_VERSION + 1} is newer than this switchyard`));
    return true;
  });
});

test("Postgres: a v1 database is migrated to the current schema in place, its rows kept with unknown provenance", async () => {
  const url = await database("fromv1");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(MIGRATIONS[0] ?? "");
  await c.query("CREATE TABLE switchyard_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)");
  await c.query("INSERT INTO switchyard_schema_migrations (version) VALUES (1)");
  await c.query(
    `INSERT INTO trials VALUES ('j0', 'old', 'terminal', 'openai/gpt-5.4', 1, 1, 1, NULL, 0.1, 10, 0, 5, 100, '2026-01-01T00:00:00Z')`,
  );
  await c.end();
  const s = await openPostgresStore(url);
  const rows = await s.trials();
  await s.close();
  assert.equal(rows.length, 1);
  assert.deepEqual(
    [rows[0]?.taskId, rows[0]?.project, rows[0]?.loopback, rows[0]?.fidelity, rows[0]?.harness],
    ["old", "", null, null, null],
  );
});

test("an unreachable Postgres is one ConfigError naming the URL (password masked) and the fix", async () => {
  const port = await freePort();
  const url = `postgres://bench:s3cret@127.0.0.1:${port}/results`;
  await assert.rejects(openStore(url), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(
      err.message,
      new RegExp(
        `cannot reach the Postgres results store at postgres://bench:\\*\\*\\*@127\\.0\\.0\\.1:${port}/results`,
      ),
    );
    assert.doesNotMatch(err.message, /s3cret/);
    assert.match(err.hint ?? "", /start Postgres/);
    return true;
  });
  assert.equal(maskUrl(url).includes("s3cret"), false);
});

test("a reachable database that refuses writes is not called unreachable: the error says recording needs write rights", async () => {
  const url = await database("readonlydb");
  const admin = new pg.Client({ connectionString: pgService.url });
  await admin.connect();
  await admin.query("ALTER DATABASE readonlydb SET default_transaction_read_only = on");
  await admin.end();
  await assert.rejects(openStore(url), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /^cannot set up the Postgres results store at .*readonlydb: .*read-only transaction/);
    assert.doesNotMatch(err.message, /cannot reach/);
    assert.match(err.hint ?? "", /may create tables and write/);
    return true;
  });
});

test("the store is chosen by --store, SWITCHYARD_STORE, SWITCHYARD_RESULTS_DB, then [results] store; the router reads Postgres", async () => {
  assert.equal(storeLocation({ flag: "postgres://a/b", env: { SWITCHYARD_STORE: "/x.sqlite" } }), "postgres://a/b");
  assert.equal(
    storeLocation({ env: { SWITCHYARD_STORE: "postgres://h/db", SWITCHYARD_RESULTS_DB: "/y" } }),
    "postgres://h/db",
  );
  assert.equal(storeLocation({ env: { SWITCHYARD_RESULTS_DB: "/y.sqlite" }, store: "postgres://c/d" }), "/y.sqlite");
  assert.equal(storeLocation({ env: {}, project: "/p", store: "postgres://c/d" }), "postgres://c/d");
  assert.equal(storeLocation({ env: {}, project: "/p" }), "/p/.switchyard/results.sqlite");

  const url = await database("router");
  const s = await openStore(url);
  const row = (model: string, i: number, passed: boolean, costUsd: number): TrialRow => ({
    ...base,
    category: "patch",
    taskId: `t${i}`,
    model,
    trial: i,
    passed,
    reward: passed ? 1 : 0,
    costUsd,
    project: process.cwd(),
  });
  for (let i = 0; i < 20; i++) await s.recordTrial(row("openai/gpt-5.4", i, i >= 1, 0.5));
  for (let i = 0; i < 20; i++) await s.recordTrial(row("anthropic/claude-opus-4-7", i, i >= 1, 4));
  await s.close();
  const task = "Fix the bug in src/parser.ts where parseDate returns NaN for ISO strings";
  const routed = await routeWithEvidence(task, {
    config: defaultConfig(),
    explicitModel: "auto",
    env: { SWITCHYARD_STORE: url },
  });
  assert.equal(routed.decision.strategy, "evidence");
  assert.equal(routed.decision.model, "openai/gpt-5.4");
  assert.equal(routed.storePath, maskUrl(url));
});
