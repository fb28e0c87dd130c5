import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, test } from "node:test";
import { ConfigError } from "../../src/core/errors.ts";
import {
  defaultResultsPath,
  openResultsStore,
  resultsPath,
  SCHEMA_VERSION,
  type TrialRow,
} from "../../src/ledger/results-store.ts";

const root = mkdtempSync(join(tmpdir(), "sy-results-"));
after(() => rmSync(root, { recursive: true, force: true }));

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
  project: "/work/proj",
  endpointHost: "api.openai.com",
  loopback: false,
  harness: "switchyard",
  harnessVersion: "0.1.0",
  taskChecksum: "ab".repeat(32),
  fidelity: "reduced",
  fidelityNotes: ["RUN apt-get install jq skipped (needs network)"],
  reasoningEffort: null,
};

test("schema is versioned and rows round-trip; upsert on (job, task, model, trial) is idempotent", () => {
  const path = join(root, "a", "results.sqlite");
  const s = openResultsStore(path);
  s.recordTrial(base);
  s.recordTrial({ ...base, trial: 2, passed: false, reward: 0, exception: "AgentTimeoutError", costUsd: null });
  s.recordTrial({ ...base, reward: 0.5, passed: false }); // same key as the first: replaces it
  const rows = s.trials();
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { ...base, reward: 0.5, passed: false });
  assert.equal(rows[1]?.exception, "AgentTimeoutError");
  assert.equal(rows[1]?.costUsd, null);
  assert.equal(s.trials({ model: "anthropic/claude-opus-4-7" }).length, 0);
  assert.equal(s.trials({ category: "terminal", jobId: "j1" }).length, 2);
  assert.equal(s.trials({ since: "2026-11-21T00:00:00Z" }).length, 0);
  s.close();
  s.close();
  const db = new DatabaseSync(path);
  assert.deepEqual({ ...(db.prepare("PRAGMA user_version").get() as object) }, { user_version: SCHEMA_VERSION });
  db.close();
  const again = openResultsStore(path);
  assert.equal(again.trials().length, 2, "reopening keeps the rows");
  again.close();
});

test("the store is per project by default; SWITCHYARD_RESULTS_DB, 'user' and a path choose another", () => {
  const env = { HOME: "/home/u" };
  assert.equal(resultsPath({ env, project: "/p" }), "/p/.switchyard/results.sqlite");
  assert.equal(resultsPath({ env, project: "/p", store: "user" }), "/home/u/.local/share/switchyard/results.sqlite");
  assert.equal(resultsPath({ env, project: "/p", store: "data/r.sqlite" }), "/p/data/r.sqlite");
  assert.equal(resultsPath({ env, project: "/p", store: "/abs/r.sqlite" }), "/abs/r.sqlite");
  assert.equal(resultsPath({ env: { ...env, SWITCHYARD_RESULTS_DB: "/x/r.sqlite" }, project: "/p" }), "/x/r.sqlite");
  assert.equal(defaultResultsPath({ SWITCHYARD_RESULTS_DB: "/x/r.sqlite" }), "/x/r.sqlite");
  assert.equal(defaultResultsPath({ HOME: "/home/u" }), "/home/u/.local/share/switchyard/results.sqlite");
});

test("a v1 store file is migrated to the current schema: its rows are kept with unknown provenance and latency, new rows carry theirs", () => {
  const path = join(root, "v1.sqlite");
  const old = new DatabaseSync(path);
  // The v1 schema exactly as switchyard wrote it before provenance was recorded.
  old.exec(`
    CREATE TABLE trials (
      job_id TEXT NOT NULL, task_id TEXT NOT NULL, category TEXT NOT NULL, model TEXT NOT NULL,
      trial INTEGER NOT NULL, reward REAL, passed INTEGER NOT NULL, exception TEXT, cost_usd REAL,
      input_tokens INTEGER NOT NULL, cache_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
      duration_ms INTEGER NOT NULL, finished_at TEXT NOT NULL,
      PRIMARY KEY (job_id, task_id, model, trial)
    );
    CREATE INDEX trials_category_model ON trials (category, model);
    INSERT INTO trials VALUES ('j1', 'hello-world', 'terminal', 'openai/gpt-5.5', 1, 1, 1, NULL, 0.012,
                               1000, 200, 50, 1234, '2026-11-20T10:00:00.000Z');
    PRAGMA user_version = 1;
  `);
  old.close();
  const s = openResultsStore(path);
  const [migrated] = s.trials();
  assert.equal(migrated?.jobId, "j1");
  assert.equal(migrated?.costUsd, 0.012);
  assert.equal(migrated?.project, "");
  assert.equal(migrated?.loopback, null);
  assert.equal(migrated?.fidelity, null);
  assert.equal(migrated?.harness, null);
  assert.equal(migrated?.outputTokensPerSecond, undefined, "no latency measured");
  // Same job/task/model/trial in a project: a row of its own (the key includes the project).
  s.recordTrial(base);
  assert.equal(s.trials().length, 2);
  assert.deepEqual(s.trials({ project: "/work/proj" }), [base]);
  s.close();
  const db = new DatabaseSync(path);
  assert.deepEqual({ ...(db.prepare("PRAGMA user_version").get() as object) }, { user_version: SCHEMA_VERSION });
  db.close();
  assert.equal(SCHEMA_VERSION, 3);
});

test("v3: a trial's TTFT and output tokens per second round-trip; a v2 file gains the columns, its rows kept", () => {
  const path = join(root, "v2.sqlite");
  const s = openResultsStore(path);
  s.recordTrial(base);
  s.recordTrial({ ...base, trial: 2, ttftMs: 412.5, outputTokensPerSecond: 87.25 });
  const rows = s.trials();
  assert.deepEqual(rows[0], base, "a row without latency reads back without it");
  assert.deepEqual([rows[1]?.ttftMs, rows[1]?.outputTokensPerSecond], [412.5, 87.25]);
  s.close();
  // Back to v2 as switchyard wrote it (no latency columns), then reopen: migrated in place.
  const db = new DatabaseSync(path);
  db.exec(`
    ALTER TABLE trials DROP COLUMN ttft_ms;
    ALTER TABLE trials DROP COLUMN output_tokens_per_second;
    PRAGMA user_version = 2;
  `);
  db.close();
  const again = openResultsStore(path);
  assert.deepEqual(again.trials(), [base, { ...base, trial: 2 }]);
  again.recordTrial({ ...base, trial: 3, outputTokensPerSecond: 50 });
  assert.equal(again.trials({ jobId: "j1" })[2]?.outputTokensPerSecond, 50);
  again.close();
});

test("a file that is not a database is a ConfigError naming it", () => {
  const p = join(root, "junk.sqlite");
  writeFileSync(p, "this is not sqlite, just some text that is long enough to have a header ".repeat(10));
  assert.throws(
    () => openResultsStore(p),
    (e) => e instanceof ConfigError && e.message.includes(p),
  );
});
