import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { type Browser, chromium } from "playwright-core";
import { openResultsStore, type TrialRow } from "../../src/ledger/results-store.ts";
import { MIGRATIONS } from "../../src/ledger/results-store-pg.ts";
import { openStore } from "../../src/ledger/trial-store.ts";
import { type RunningView, startView } from "../../src/view/server.ts";
import { BIN, cleanEnv, cli } from "../cli/cli-helpers.ts";
import { createDatabase, freePort, type Service, startPostgres } from "../queue/services.ts";

/**
 * `switchyard view` over a Postgres results store, in real Chromium against a private postgres: the store page
 * shows the same tables, columns and rows as the same trials in a SQLite store; viewing never migrates or changes
 * the database; the command reads SWITCHYARD_STORE as the bench does; an unreachable URL is one clear error.
 */
const tmp = mkdtempSync(join(tmpdir(), "sy-view-pg-"));
const jobs = join(tmp, "jobs");
mkdirSync(jobs);
let pgService: Service;
let browser: Browser;
const views: RunningView[] = [];

const base: TrialRow = {
  jobId: "job-1",
  taskId: "a-task",
  category: "terminal",
  model: "openai/gpt-5.5",
  trial: 1,
  reward: 1,
  passed: true,
  exception: null,
  costUsd: 0.0061,
  inputTokens: 900,
  cacheTokens: 100,
  outputTokens: 50,
  durationMs: 1500,
  finishedAt: "2026-12-01T00:00:00.000Z",
  project: "/srv/p",
  endpointHost: "api.openai.com",
  loopback: false,
  harness: "switchyard",
  harnessVersion: "0.1.0",
  taskChecksum: "c0ffee",
  fidelity: "full",
  fidelityNotes: [],
  reasoningEffort: "high",
  ttftMs: 412.5,
  outputTokensPerSecond: 87.25,
};
// Recorded out of key order, with ids whose byte order ("B" < "a") differs from a locale's.
const ROWS: TrialRow[] = [
  { ...base, taskId: "a-task", trial: 2, reward: 0, passed: false, exception: "AgentTimeoutError", costUsd: null },
  { ...base, taskId: "B-task", model: "oracle", harness: "oracle", endpointHost: null, loopback: null },
  base,
  {
    ...base,
    jobId: "job-0",
    reward: null,
    passed: false,
    exception: "VerifierTimeoutError",
    fidelity: "reduced",
    fidelityNotes: ["RUN apt-get skipped"],
    reasoningEffort: null,
    ttftMs: null,
    outputTokensPerSecond: null,
  },
];

/** A fresh database per test, so tests do not see each other's rows. */
const database = (name: string) => createDatabase(pgService, name);

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

async function view(store: string): Promise<string> {
  const v = await startView({ paths: [jobs], store });
  views.push(v);
  return v.url;
}

/** The store page as Chromium renders it: per table its name, headers and cell texts. */
async function storePage(url: string): Promise<{ note: string; tables: Record<string, string[][]> }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  const res = await page.goto(`${url}/store`);
  assert.equal(res?.status(), 200);
  const tables: Record<string, string[][]> = {};
  for (const t of await page.locator("table.store").all()) {
    const name = ((await t.getAttribute("class")) ?? "").replace(/^.*store-/, "");
    const head = await t.locator("thead th").allTextContents();
    const body: string[][] = [];
    for (const tr of await t.locator("tbody tr").all()) body.push(await tr.locator("td").allTextContents());
    tables[name] = [head, ...body];
  }
  const note = (await page.locator(".store-source").textContent()) ?? "";
  await page.close();
  assert.deepEqual(problems, []);
  return { note, tables };
}

before(async () => {
  pgService = await startPostgres();
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
  for (const v of views) await v.close();
  await pgService?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test("the store page shows a Postgres store exactly as the same trials in SQLite", async () => {
  const url = await database("viewsame");
  const file = join(tmp, "same.sqlite");
  const pgStore = await openStore(url);
  const sqlite = openResultsStore(file);
  for (const r of ROWS) {
    await pgStore.recordTrial(r);
    sqlite.recordTrial(r);
  }
  await pgStore.close();
  sqlite.close();

  const fromPg = await storePage(await view(url));
  const fromSqlite = await storePage(await view(file));
  assert.deepEqual(Object.keys(fromPg.tables), ["trials"], "bookkeeping tables are not shown");
  assert.deepEqual(fromPg.tables, fromSqlite.tables);
  assert.match(fromPg.note, new RegExp(`^${url.replace(/[/.]/g, "\\$&")} \\(postgres, schema v3; read-only\\)$`));
  assert.match(fromSqlite.note, /\(sqlite, schema v3; read-only\)$/);

  // And both equal the database's rows in key order, cell for cell.
  const [head = [], ...cells] = fromPg.tables.trials ?? [];
  const rows = await query<Record<string, unknown>>(
    url,
    `SELECT * FROM trials ORDER BY project COLLATE "C", job_id COLLATE "C", task_id COLLATE "C", model COLLATE "C", trial`,
  );
  assert.equal(cells.length, ROWS.length);
  assert.deepEqual(
    cells,
    rows.map((r) => head.map((h) => String(r[h] ?? ""))),
  );
  // Byte order, as SQLite sorts: "B-task" before "a-task".
  assert.deepEqual(
    cells.map((c) => `${c[head.indexOf("job_id")]}/${c[head.indexOf("task_id")]}/${c[head.indexOf("trial")]}`),
    ["job-0/a-task/1", "job-1/B-task/1", "job-1/a-task/1", "job-1/a-task/2"],
  );
});

test("viewing never migrates or writes a Postgres store: an old schema stays as it is, a read-only database is fine", async () => {
  const url = await database("viewold");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(MIGRATIONS[0] ?? "");
  await c.query("CREATE TABLE switchyard_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)");
  await c.query("INSERT INTO switchyard_schema_migrations VALUES (1, now())");
  await c.query(
    `INSERT INTO trials VALUES ('j', 't', 'terminal', 'oracle', 1, 1, 1, NULL, NULL, 0, 0, 0, 10, '2026-11-01T00:00:00Z')`,
  );
  await c.end();
  // Any write in this database now fails: opening it as the bench does (which migrates) is refused; viewing is not.
  await query(pgService.url, "ALTER DATABASE viewold SET default_transaction_read_only = on");
  await assert.rejects(openStore(url), /read-only transaction/);

  const shown = await storePage(await view(url));
  assert.match(shown.note, /\(postgres, schema v1; read-only\)$/);
  const [head = [], ...cells] = shown.tables.trials ?? [];
  assert.ok(!head.includes("project"), "the v1 columns, not migrated ones");
  assert.deepEqual(cells, [
    ["j", "t", "terminal", "oracle", "1", "1", "1", "", "", "0", "0", "0", "10", "2026-11-01T00:00:00Z"],
  ]);

  const versions = await query<{ version: number }>(url, "SELECT version FROM switchyard_schema_migrations");
  assert.deepEqual(
    versions.map((v) => v.version),
    [1],
  );
  const cols = await query<{ n: string }>(
    url,
    "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'trials' AND column_name = 'project'",
  );
  assert.equal(cols[0]?.n, "0");
});

test("a user who may not read the store's table gets a clear error page, not an empty store", async () => {
  const url = await database("viewperm");
  const s = await openStore(url);
  await s.recordTrial(base);
  await s.close();
  await query(url, "CREATE ROLE viewer LOGIN");
  const asViewer = url.replace("//switchyard@", "//viewer@");
  const res = await fetch(`${await view(asViewer)}/store`);
  assert.equal(res.status, 404);
  const html = await res.text();
  assert.match(
    html,
    /cannot read the Postgres results store at postgres:\/\/viewer@[^:]+:\d+\/viewperm: permission denied/,
  );
  assert.match(html, /may SELECT from the store&#39;s tables/);
});

test("switchyard view reads SWITCHYARD_STORE like the bench, and names the store it serves", async () => {
  const url = await database("viewenv");
  const s = await openStore(url);
  await s.recordTrial(base);
  await s.close();
  const env = cleanEnv(join(tmp, "home"), { SWITCHYARD_STORE: url });
  const child: ChildProcess = spawn(process.execPath, [BIN, "view", jobs, "--port", "0"], {
    cwd: tmp,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  const line = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.includes("\n")) resolve(err);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  const m = /switchyard view: (http:\/\/127\.0\.0\.1:\d+) {2}\(read-only; store (\S+);/.exec(line);
  assert.ok(m, line);
  assert.equal(m[2], url);
  const html = await (await fetch(`${m[1]}/store`)).text();
  assert.match(html, /<h2>trials \(1 rows\)<\/h2>/);
  assert.match(html, /c0ffee/);
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGINT");
  assert.equal(await exited, 0);
});

test("an unreachable Postgres store is one clear error naming the URL (password masked) and the fix, exit 2", async () => {
  const port = await freePort();
  const url = `postgres://switchyard:s3cret@127.0.0.1:${port}/nowhere`;
  const r = cli(["view", jobs, "--store", url, "--port", "0"], { cwd: tmp, env: cleanEnv(join(tmp, "home")) });
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.match(
    lines[0] ?? "",
    new RegExp(
      `^switchyard: cannot read the Postgres results store at postgres://switchyard:\\S+@127\\.0\\.0\\.1:${port}/nowhere: `,
    ),
  );
  assert.match(lines[1] ?? "", /^\s+fix: start Postgres there, or fix .* --store \/ SWITCHYARD_STORE/);
  assert.equal(lines.length, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /s3cret|\n\s+at /);
  // The SQLite store file the bench would create is not created by viewing.
  assert.throws(() => statSync(join(tmp, ".switchyard", "results.sqlite")));
});
