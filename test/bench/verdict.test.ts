import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { headlineOf, taskMatrix } from "../../src/bench/report-answer.ts";
import { computeStats } from "../../src/bench/stats.ts";
import type { TrialResult } from "../../src/bench/trial-result.ts";
import { trialLine } from "../../src/cli/render-bench-progress.ts";
import { isScoredOutcome } from "../../src/core/verdict.ts";
import type { TrialRow } from "../../src/ledger/results-store.ts";
import { comparableEvidence } from "../../src/router/evidence.ts";
import { trial } from "./stats-fixture.ts";
import { removeDir, simpleTask, tempDir } from "./task-fixtures.ts";

const repo = new URL("../../", import.meta.url).pathname;

const failure = (type: string) => ({
  exception_type: type,
  exception_message: `${type} happened`,
  exception_traceback: `${type}: happened`,
  occurred_at: "2026-01-01T00:00:05.000Z",
});

function attempt(task: string, n: number, over: Partial<TrialResult>): TrialResult {
  return trial({ task_name: task, trial_name: `${task}__x__${n}`, attempt: n, ...over });
}

// One model, four tasks: a pass, a verifier-scored fail after an agent timeout, an environment that never built,
// and a provider outage after which the verifier still ran on the untouched environment (reward 0).
const trials = [
  attempt("a", 1, {}),
  attempt("b", 1, {
    reward: 0,
    passed: false,
    verifier_result: { rewards: { reward: 0 } },
    exception_info: failure("AgentTimeoutError"),
  }),
  attempt("c", 1, {
    reward: null,
    passed: false,
    verifier_result: null,
    exception_info: failure("EnvironmentSetupError"),
  }),
  attempt("d", 1, {
    reward: 0,
    passed: false,
    verifier_result: { rewards: { reward: 0 } },
    exception_info: failure("AgentError"),
  }),
];

test("the verdict rule: a reward counts only when nothing but the agent's own time limit interrupted the trial", () => {
  assert.equal(isScoredOutcome(1, null), true);
  assert.equal(isScoredOutcome(0, "AgentTimeoutError"), true, "a timeout is the agent's result");
  assert.equal(isScoredOutcome(null, null), false, "no reward read");
  assert.equal(isScoredOutcome(0, "AgentError"), false, "a provider/agent error is not the model's 0");
  assert.equal(isScoredOutcome(0, "EnvironmentSetupError"), false);
  assert.equal(isScoredOutcome(Number.NaN, null), false);
});

test("a trial that did not really run is unscored in the statistics, never a 0", () => {
  const g = computeStats(trials).groups[0]!;
  assert.equal(g.n_trials, 4);
  assert.equal(g.n_scored, 2);
  assert.equal(g.n_unscored, 2);
  assert.equal(g.n_passed, 1);
  assert.equal(g.pass_rate, 0.5, "1 pass over the 2 scored trials, not 1 over 4");
  assert.equal(g.mean_reward, 0.5);
  assert.equal(g.exceptions.count, 3, "every exception is still counted, scored or not");
  assert.equal(g.cost.total_usd, 0.04, "the money spent on unscored trials still counts");
  assert.equal(g.cost.per_solved_usd, 0.04);
});

test("the headline and the task matrix apply the same rule as the statistics", () => {
  const h = headlineOf(trials);
  assert.equal(h.standings[0]?.scored, 2);
  assert.equal(h.standings[0]?.passRate, 0.5);
  const m = taskMatrix(trials, [h.standings[0]!.group]);
  assert.deepEqual(m.cell("b", h.standings[0]!.group), { passed: 0, scored: 1, errors: 0 });
  assert.deepEqual(m.cell("d", h.standings[0]!.group), { passed: 0, scored: 0, errors: 1 });
});

test("unscored trials are never router evidence, even when every kind of evidence is included", () => {
  const row = (trialNo: number, reward: number | null, exception: string | null): TrialRow => ({
    jobId: "j",
    taskId: "t",
    category: "terminal",
    model: "openai/gpt-5.5",
    trial: trialNo,
    reward,
    passed: reward === 1,
    exception,
    costUsd: 0.01,
    inputTokens: 1,
    cacheTokens: 0,
    outputTokens: 1,
    durationMs: 1,
    finishedAt: "2026-01-01T00:00:00.000Z",
    project: "/p",
    endpointHost: "api.openai.com",
    loopback: false,
    harness: "switchyard",
    harnessVersion: "0.1.0",
    taskChecksum: null,
    fidelity: "full",
    fidelityNotes: [],
  });
  const rows = [
    row(1, 1, null),
    row(2, 0, "AgentTimeoutError: ran past 60s"),
    row(3, 0, "AgentError: provider_error: 503 after 4 attempts"),
    row(4, null, "EnvironmentSetupError: RUN failed"),
  ];
  for (const include of [[], ["all"] as const]) {
    const out = comparableEvidence(rows, { project: "/p", include: [...include] });
    assert.deepEqual(
      out.rows.map((r) => r.trial),
      [1, 2],
    );
    assert.deepEqual(
      out.excluded.map((e) => [e.kind, e.trials]),
      [["unscored", 2]],
    );
  }
});

test("bench: a model whose endpoint is down leaves its trial unscored, not a 0 against the model", () => {
  const root = tempDir();
  try {
    const suite = join(root, "suite");
    simpleTask(suite, "hello");
    const out = join(root, "jobs");
    const r = spawnSync(
      process.execPath,
      [
        join(repo, "bin", "switchyard.js"),
        "bench",
        suite,
        "--agent",
        "openai/gpt-5.5",
        "--out",
        out,
        "--job-name",
        "down",
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          SWITCHYARD_RESULTS_DB: join(root, "results.sqlite"),
          OPENAI_API_KEY: "test-key",
          OPENAI_BASE_URL: "http://127.0.0.1:9/v1", // nothing listens on the discard port: connection refused
        },
        encoding: "utf8",
        timeout: 180_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const trialDir = join(out, "down", "hello__openai-gpt-5.5__1");
    const result = JSON.parse(readFileSync(join(trialDir, "result.json"), "utf8"));
    assert.equal(result.exception_info?.exception_type, "AgentError", "the provider error is recorded");
    const stats = JSON.parse(readFileSync(join(out, "down", "stats.json"), "utf8"));
    const g = stats.groups[0];
    assert.equal(g.n_unscored, 1);
    assert.equal(g.pass_rate, null, "no scored trial: no pass rate, not 0%");
    assert.match(r.stdout + r.stderr, /errors \(unscored\)/);
    const report = readFileSync(join(out, "down", "report.md"), "utf8");
    assert.match(report, /did not really run/);
  } finally {
    removeDir(root);
  }
});

test("the bench's line per finished trial says unscored for a trial that did not run, and keeps a timeout's reward", () => {
  const [pass, timeout, unbuilt, outage] = trials as [TrialResult, TrialResult, TrialResult, TrialResult];
  assert.match(trialLine(pass), /^✓ a__x__1: passed \(reward 1\)/);
  assert.match(trialLine(timeout), /^✗ b__x__1: failed \(reward 0, agent timed out\)/);
  assert.match(trialLine(unbuilt), /^! c__x__1: EnvironmentSetupError: EnvironmentSetupError happened \(unscored\)/);
  assert.match(trialLine(outage), /\(unscored\)/);
  assert.doesNotMatch(trialLine(outage), /failed/);
});
