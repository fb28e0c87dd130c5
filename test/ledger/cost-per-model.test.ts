import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { renderCostSummary } from "../../src/cli/render-cost.ts";
import { projectDaily, summarizeJob } from "../../src/ledger/summarize.ts";

/**
 * `switchyard cost <job-dir>` projects per model and per task: a job that ran two models, with more trials of one
 * task than of another, must not be priced as one mean over all its trials. Trials are written in both layouts a
 * job folder can hold: Harbor's TrialResult (model under agent_info.model_info, reward under verifier_result, the
 * side file switchyard.json) and Switchyard's flat result.json.
 */
const root = mkdtempSync(join(tmpdir(), "sy-cost-model-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Both models' catalog price is $5 per 1M uncached input tokens: token counts that cost exactly `usd`. */
const inputFor = (usd: number) => Math.round((usd / 5) * 1_000_000);

function harborTrial(
  dir: string,
  t: { task: string; trial: number; cost: number; reward: number | null; exception?: string },
) {
  const d = join(dir, `${t.task}__${t.trial}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(
    join(d, "result.json"),
    JSON.stringify({
      id: `00000000-0000-4000-8000-00000000000${t.trial}`,
      task_name: t.task,
      trial_name: `${t.task}__${t.trial}`,
      trial_uri: `file://${d}`,
      task_id: { path: `/tasks/${t.task}` },
      source: null,
      task_checksum: "x",
      config: {},
      agent_info: { name: "switchyard", version: "0.1.0", model_info: { name: "gpt-5.5", provider: "openai" } },
      agent_result: {
        n_input_tokens: inputFor(t.cost),
        n_cache_tokens: 0,
        n_output_tokens: 0,
        cost_usd: t.cost,
        rollout_details: null,
        metadata: null,
      },
      verifier_result: t.reward === null ? null : { rewards: { reward: t.reward } },
      exception_info: t.exception
        ? { exception_type: t.exception, exception_message: "x", exception_traceback: "", occurred_at: "" }
        : null,
      started_at: "2026-11-20T10:00:00Z",
      finished_at: "2026-11-20T10:01:00Z",
    }),
  );
}

function flatTrial(dir: string, t: { task: string; trial: number; cost: number; passed: boolean }) {
  const d = join(dir, `${t.task}__opus-${t.trial}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(
    join(d, "result.json"),
    JSON.stringify({
      task_name: t.task,
      trial_name: `${t.task}__opus-${t.trial}`,
      agent: "switchyard",
      model: "anthropic/claude-opus-4-7",
      reward: t.passed ? 1 : 0,
      passed: t.passed,
      exception_info: null,
      agent_result: { n_input_tokens: inputFor(t.cost), n_cache_tokens: 0, n_output_tokens: 0, cost_usd: t.cost },
      finished_at: "2026-11-20T10:01:00Z",
    }),
  );
}

/** gpt-5.5: task t1 ×3 at $1 (all pass), t2 ×1 at $5 (fails). opus: t1 and t2 once each at $0.50, both pass. */
function writeMixedJob(dir: string): void {
  for (const trial of [1, 2, 3]) harborTrial(dir, { task: "t1", trial, cost: 1, reward: 1 });
  harborTrial(dir, { task: "t2", trial: 1, cost: 5, reward: 0 });
  flatTrial(dir, { task: "t1", trial: 1, cost: 0.5, passed: true });
  flatTrial(dir, { task: "t2", trial: 1, cost: 0.5, passed: true });
}

describe("cost of a bench job: per model, per task, and per solved task", () => {
  const job = join(root, "mixed");
  writeMixedJob(job);

  it("each model gets its own mean per task (a task's trials averaged first) and its cost per solved task", () => {
    const s = summarizeJob(job);
    const byModel = Object.fromEntries((s.byModelTask ?? []).map((m) => [m.model, m]));
    const gpt = byModel["openai/gpt-5.5"];
    const opus = byModel["anthropic/claude-opus-4-7"];
    assert.ok(gpt && opus, JSON.stringify(s.byModelTask));
    assert.equal(gpt.trials, 4);
    assert.equal(gpt.tasks, 2);
    assert.equal(gpt.solved, 3);
    assert.equal(gpt.perTaskUsd?.toFixed(2), "3.00", "(t1 $1 + t2 $5) / 2 tasks, not $8 / 4 trials");
    assert.equal(gpt.perSolvedUsd?.toFixed(2), "2.67", "$8 over 3 solved trials");
    assert.deepEqual(
      gpt.byTask.map((t) => [t.task, t.trials, t.solved, t.meanUsd]),
      [
        ["t1", 3, 3, 1],
        ["t2", 1, 0, 5],
      ],
    );
    assert.equal(opus.perTaskUsd?.toFixed(2), "0.50");
    assert.equal(opus.perSolvedUsd?.toFixed(2), "0.50");
    assert.equal(s.perTaskUsd, null, "no single per-task figure for a job of two models");
  });

  it("the projection is per model: N tasks a day at each model's per-task cost", () => {
    const p = projectDaily(summarizeJob(job), 100);
    const byModel = Object.fromEntries((p.byModel ?? []).map((m) => [m.model, m]));
    assert.equal(byModel["openai/gpt-5.5"]?.perDayUsd?.toFixed(2), "300.00");
    assert.equal(byModel["anthropic/claude-opus-4-7"]?.perDayUsd?.toFixed(2), "50.00");
    assert.equal(p.perDayUsd, null);
  });

  it("switchyard cost <job-dir> prints a line per model with the projection and the cost per solved task", () => {
    const bin = new URL("../../bin/switchyard.js", import.meta.url).pathname;
    const env = { ...process.env, SWITCHYARD_NO_USER_CONFIG: "1" };
    const r = spawnSync(process.execPath, [bin, "cost", job], { cwd: root, encoding: "utf8", env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /openai\/gpt-5\.5 +2 tasks, 4 trials, 3 solved +per task \$3\.00 +per solved task \$2\.67 +100 tasks a day ≈ \$300\.00/,
    );
    assert.match(
      r.stdout,
      /anthropic\/claude-opus-4-7 +2 tasks, 2 trials, 2 solved +per task \$0\.5000 +per solved task \$0\.5000 +100 tasks a day ≈ \$50\.00/,
    );
    assert.doesNotMatch(r.stdout, /Per task: \$1\.50/, "no single mean over trials of different models");
    const json = spawnSync(process.execPath, [bin, "cost", job, "--json", "--per-day", "10"], {
      cwd: root,
      encoding: "utf8",
      env,
    });
    const parsed = JSON.parse(json.stdout) as { projection: { byModel: Array<{ model: string; perDayUsd: number }> } };
    assert.deepEqual(
      parsed.projection.byModel.map((m) => [m.model, m.perDayUsd.toFixed(2)]),
      [
        ["anthropic/claude-opus-4-7", "5.00"],
        ["openai/gpt-5.5", "30.00"],
      ],
    );
  });

  it("one model with several trials per task: the per-task mean weighs each task once", () => {
    const dir = join(root, "one-model");
    for (const trial of [1, 2, 3, 4]) harborTrial(dir, { task: "cheap", trial, cost: 0.1, reward: 1 });
    harborTrial(dir, { task: "dear", trial: 1, cost: 2.1, reward: 1 });
    const s = summarizeJob(dir);
    assert.equal(s.perTaskUsd?.toFixed(2), "1.10", "(0.10 + 2.10) / 2, not 2.50 / 5");
    assert.equal(projectDaily(s, 100).perDayUsd?.toFixed(2), "110.00");
    assert.equal(s.byModelTask?.[0]?.perSolvedUsd?.toFixed(2), "0.50");
  });

  it("only scored trials are solved: an AgentTimeoutError with reward 1 counts, any other exception does not", () => {
    const dir = join(root, "verdicts");
    harborTrial(dir, { task: "a", trial: 1, cost: 1, reward: 1, exception: "AgentTimeoutError" });
    harborTrial(dir, { task: "a", trial: 2, cost: 1, reward: 1, exception: "VerifierOutputParseError" });
    harborTrial(dir, { task: "b", trial: 1, cost: 1, reward: null, exception: "AgentSetupError" });
    harborTrial(dir, { task: "b", trial: 2, cost: 1, reward: 0 });
    const m = summarizeJob(dir).byModelTask?.[0];
    assert.ok(m, "one model");
    assert.deepEqual([m.trials, m.solved, m.unknownOutcome], [4, 1, 2]);
    assert.equal(m.perSolvedUsd?.toFixed(2), "4.00", "every trial's cost over the one scored pass");
    assert.equal(m.perTaskUsd?.toFixed(2), "1.00", "unscored trials still cost money");
    const text = renderCostSummary(summarizeJob(dir), 100);
    assert.match(text, /4 trials, 1 solved, 2 not scored +per task \$1\.00 +per solved task \$4\.00/);
  });
});
