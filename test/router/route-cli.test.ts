import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openResultsStore } from "../../src/ledger/results-store.ts";

const BIN = new URL("../../bin/switchyard.js", import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), "sy-route-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));

function cli(db: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, SWITCHYARD_NO_USER_CONFIG: "1", SWITCHYARD_RESULTS_DB: db },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("route --json prints the decision with the fallback chain", () => {
  const r = cli(join(root, "absent.sqlite"), "route", "Install nginx and serve /app/site on port 8080", "--json");
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.equal(d.model, "openai/gpt-5.5");
  assert.equal(d.strategy, "rules");
  assert.equal(d.taskClass, "terminal");
  assert.deepEqual(d.fallbackChain, ["openai/gpt-5.5", "openai/gpt-5.4"]);
  assert.equal(d.verdicts.length, 4);
  // No store there: none was read, and the output says where it looked.
  assert.equal(d.evidenceStore, undefined);
  assert.equal(d.storeLookedAt, join(root, "absent.sqlite"));
  const explained = cli(join(root, "absent.sqlite"), "route", "Install nginx", "--explain");
  assert.ok(explained.stdout.includes(`no results store at ${join(root, "absent.sqlite")}`), explained.stdout);
});

test("route --explain shows scores, every strategy's verdict, evidence and the fallback chain", () => {
  const db = join(root, "results.sqlite");
  const s = openResultsStore(db);
  const record = (taskId: string, passed: boolean, exception: string | null) =>
    s.recordTrial({
      jobId: "j",
      taskId,
      category: "system-administration",
      model: "openai/gpt-5.5",
      trial: 1,
      reward: passed ? 1 : 0,
      passed,
      exception,
      costUsd: 0.2,
      inputTokens: 1,
      cacheTokens: 0,
      outputTokens: 1,
      durationMs: 1,
      finishedAt: "2026-11-20T00:00:00Z",
      project: root,
      loopback: false,
      fidelity: "full",
    });
  for (let i = 0; i < 6; i++) record(`t${i}`, i < 5, null);
  // Trials that did not really run (src/core/verdict.ts): even "passed" with a reward, they are never evidence.
  for (let i = 0; i < 3; i++) record(`u${i}`, true, "EnvironmentSetupError: RUN apt-get failed");
  s.close();
  const plain = cli(db, "route", "Install nginx and serve /app/site on port 8080");
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(plain.stdout.includes(`bench evidence for class terminal (results store ${db})`), plain.stdout);
  const json = JSON.parse(cli(db, "route", "Install nginx and serve /app/site on port 8080", "--json").stdout);
  assert.equal(json.evidenceStore, db);
  assert.equal(json.storeLookedAt, db);
  assert.deepEqual(
    json.evidence.map((e: { passes: number; trials: number }) => `${e.passes}/${e.trials}`),
    ["5/6"],
  );
  assert.deepEqual(
    json.excludedEvidence.map((e: { kind: string; trials: number }) => `${e.kind} ${e.trials}`),
    ["unscored 3"],
  );
  const r = cli(db, "route", "Install nginx and serve /app/site on port 8080", "--explain");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^openai\/gpt-5\.5 {2}\(evidence; class terminal/);
  assert.match(r.stdout, /Task class scores \(classifier probability[^\n]*\n {2}terminal/);
  assert.match(r.stdout, /✓ evidence/);
  assert.match(r.stdout, /· rules +skipped/);
  assert.match(r.stdout, /openai\/gpt-5\.5 +5\/6 passed, 95% CI \[0\.44, 0\.97\]/);
  assert.ok(r.stdout.includes(`Bench evidence for terminal (${db}):`), r.stdout);
  assert.match(r.stdout, /unscored +3 trial\(s\) of openai\/gpt-5\.5: did not really run/);
  assert.match(r.stdout, /Fallback chain: openai\/gpt-5\.5 → openai\/gpt-5\.4/);
});

test("route --model wins over everything", () => {
  const r = cli(join(root, "absent.sqlite"), "route", "Install nginx", "--model", "gpt-5.4", "--json");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).strategy, "explicit");
  assert.equal(JSON.parse(r.stdout).model, "openai/gpt-5.4");
});
