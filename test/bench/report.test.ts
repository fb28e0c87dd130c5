import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { writeReports } from "../../src/bench/report.ts";
import { type TrialResult, writeTrialFiles } from "../../src/bench/trial-result.ts";
import { trial } from "./stats-fixture.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const CATEGORIES = { "fix-a": "patch-python", "fix-b": "patch-python", "logs-a": "text-processing", "git-a": "git" };
/** model → [pass probability pattern per (task, attempt), cost per trial (null = unpriced)] */
const MODELS: Array<{ model: string; passes: (task: number, attempt: number) => boolean; cost: number | null }> = [
  { model: "openai/gpt-a", passes: (t, a) => (t + a) % 4 !== 0, cost: 0.05 },
  { model: "anthropic/claude-b", passes: (t) => t < 2, cost: 0.02 },
  { model: "google/gemini-c", passes: (t, a) => t === 0 && a === 1, cost: 0.004 },
  { model: "ollama/qwen-local", passes: (t) => t !== 3, cost: null },
];

let dir: string;
let jobDir: string;
let trials: TrialResult[];

function writeFixtureJob(): void {
  jobDir = join(dir, "job-1");
  mkdirSync(jobDir, { recursive: true });
  trials = [];
  for (const { model, passes, cost } of MODELS) {
    Object.entries(CATEGORIES).forEach(([task, category], ti) => {
      for (const attempt of [1, 2]) {
        const ok = passes(ti, attempt);
        const name = `${task}__${model.replace("/", "-")}__${attempt}`;
        trials.push(
          trial({
            task_name: task,
            trial_name: name,
            category,
            model,
            attempt,
            reward: ok ? 1 : 0,
            passed: ok,
            agentResult: { cost_usd: cost },
          }),
        );
      }
    });
  }
  // One trial still running: listed by the job, no complete result.
  const names = [...trials.map((t) => t.trial_name), "git-a__running__1"];
  for (const t of trials) {
    mkdirSync(join(jobDir, t.trial_name));
    writeTrialFiles(join(jobDir, t.trial_name), t);
  }
  mkdirSync(join(jobDir, "git-a__running__1"));
  writeFileSync(join(jobDir, "git-a__running__1", "result.json"), '{"trial_name": "git-a__run');
  const job = {
    id: "8d5e1c2a-3b4f-4a6d-9e7f-0a1b2c3d4e5f",
    started_at: "2026-01-01T00:00:00Z",
    finished_at: "2026-01-01T00:10:00Z",
    n_total_trials: names.length,
    stats: { n_trials: trials.length, n_errors: 0, evals: {} },
  };
  writeFileSync(join(jobDir, "result.json"), JSON.stringify(job));
  writeFileSync(join(jobDir, "switchyard.json"), JSON.stringify({ format: "switchyard.job.v1", trials: names }));
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "switchyard-report-"));
  writeFixtureJob();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("writeReports writes report.md, report.html and stats.json, leaving Harbor's result.json alone", async () => {
  const harborJob = readFileSync(join(jobDir, "result.json"), "utf8");
  const paths = await writeReports(jobDir);
  assert.equal(paths.markdown, join(jobDir, "report.md"));
  assert.equal(readFileSync(join(jobDir, "result.json"), "utf8"), harborJob, "Harbor's JobResult is not touched");
  const job = { stats: JSON.parse(readFileSync(paths.stats, "utf8")) };
  assert.equal(job.stats.n_trials, 32);
  assert.equal(job.stats.n_incomplete, 1);
  const byLabel = Object.fromEntries(job.stats.groups.map((g: { label: string }) => [g.label, g]));
  // gpt-a: (t + a) % 4 !== 0 fails only at (t=3, a=1) and (t=2, a=2) → 6/8
  assert.equal(byLabel["openai/gpt-a"].n_passed, 6);
  assert.ok(Math.abs(byLabel["openai/gpt-a"].cost.per_solved_usd - 0.4 / 6) < 1e-9);
  assert.equal(byLabel["ollama/qwen-local"].cost.known, false);
  assert.equal(byLabel["google/gemini-c"].pass_at_k["2"], 0.25);

  const md = readFileSync(paths.markdown, "utf8");
  assert.match(md, /^# Bench report: job-1\n\n\*\*\S+\*\* solves the most: /);
  assert.match(md, /\| openai\/gpt-a \| 8 \| 6 \| 0 \| 75\.0% \|/);
  assert.match(md, /\| ollama\/qwen-local \|.*\| unknown \|/);
  assert.match(md, /\| git \| 1\/2 \(50\.0%\) \| 0\/2 \(0\.0%\) \| 0\/2 \(0\.0%\) \| 0\/2 \(0\.0%\) \|/);

  const html = readFileSync(paths.html, "utf8");
  assert.doesNotMatch(
    html,
    /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/,
    "self-contained: no scripts or remote URLs",
  );
});

test("report.html draws the charts in headless Chromium", async () => {
  const { html } = await writeReports(jobDir);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`file://${html}`);
    assert.deepEqual(requests, [`file://${html}`], "no other resource is loaded");

    // Scatter: one point + error bar + label per model with a known cost per solved task (not ollama).
    const plotted = ["openai/gpt-a", "anthropic/claude-b", "google/gemini-c"];
    const points = page.locator("svg.scatter circle.point");
    assert.equal(await points.count(), 3);
    assert.deepEqual(await points.evaluateAll((els) => els.map((e) => e.getAttribute("data-label"))), plotted);
    assert.equal(await page.locator("svg.scatter g.error-bar").count(), 3);
    assert.deepEqual(await page.locator("svg.scatter text.point-label").allTextContents(), plotted);
    assert.match((await page.locator("#scatter .chart-note").textContent()) ?? "", /ollama\/qwen-local/);
    // Higher pass rate is drawn higher: gpt-a (75%) above gemini-c (12.5%).
    const cy = async (label: string) =>
      Number(await page.locator(`svg.scatter circle.point[data-label="${label}"]`).getAttribute("cy"));
    assert.ok((await cy("openai/gpt-a")) < (await cy("google/gemini-c")));

    // Bars: 4 models × 3 categories, category labels and a legend entry per model.
    const bars = page.locator("svg.bars rect.bar");
    assert.equal(await bars.count(), 12);
    assert.deepEqual(await page.locator("svg.bars text.category-label").allTextContents(), [
      "git",
      "patch-python",
      "text-processing",
    ]);
    assert.equal(await page.locator("svg.bars g.legend-item").count(), 4);
    const tallest = page.locator('svg.bars rect.bar[data-label="anthropic/claude-b"][data-category="patch-python"]');
    const shortest = page.locator('svg.bars rect.bar[data-label="anthropic/claude-b"][data-category="git"]');
    const [tb, sb] = [await tallest.boundingBox(), await shortest.boundingBox()];
    assert.ok(tb && sb && tb.height > sb.height * 50, "100% bar is much taller than the 0% bar");

    for (const sel of ["svg.scatter", "svg.bars", "svg.scatter circle.point", "svg.bars rect.bar"]) {
      const boxes = await page.locator(sel).evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return r.width * r.height;
        }),
      );
      assert.ok(boxes.length > 0 && boxes.every((a) => a > 0), `${sel} has a non-zero bounding box`);
    }
    assert.equal(await page.locator("table.summary tbody tr").count(), 4);
    assert.equal(await page.locator("table.trials tbody tr").count(), 32);
  } finally {
    await browser.close();
  }
});

test("switchyard report <job-dir> regenerates the reports; a missing folder is a usage error", () => {
  rmSync(join(jobDir, "report.md"), { force: true });
  const ok = spawnSync(process.execPath, [join(ROOT, "bin", "switchyard.ts"), "report", jobDir], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, `${join(jobDir, "report.md")}\n${join(jobDir, "report.html")}\n`);
  assert.match(readFileSync(join(jobDir, "report.md"), "utf8"), /anthropic\/claude-b/);

  const missing = join(dir, "nope");
  const bad = spawnSync(process.execPath, [join(ROOT, "bin", "switchyard.ts"), "report", missing], {
    encoding: "utf8",
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /job directory not found: .*nope/);
  assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/, "no stack trace");

  const empty = join(dir, "empty-job");
  mkdirSync(empty);
  const none = spawnSync(process.execPath, [join(ROOT, "bin", "switchyard.ts"), "report", empty], { encoding: "utf8" });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no complete trial results/);
});

test("tool calls, failed calls and argument errors per task × model, per-task means and MCP definition tokens", async () => {
  const job = join(dir, "job-tools");
  mkdirSync(job, { recursive: true });
  const mk = (task: string, attempt: number, calls: number, failed: number, argErrors: number, defTokens?: number) =>
    trial({
      task_name: task,
      trial_name: `${task}__m__${attempt}`,
      model: "openai/gpt-t",
      attempt,
      agentResult: {
        n_tool_calls: calls,
        n_failed_tool_calls: failed,
        n_argument_errors: argErrors,
        ...(defTokens === undefined ? {} : { tool_definition_tokens: defTokens }),
      },
    });
  // Task "a" has two attempts (2 and 4 calls), task "b" one (9): per trial 15/3 = 5.0, per task (3 + 9)/2 = 6.0.
  const list = [mk("a", 1, 2, 1, 0, 300), mk("a", 2, 4, 1, 2, 300), mk("b", 1, 9, 4, 1, 0), trial({ agent: "nop" })];
  for (const t of list) {
    mkdirSync(join(job, t.trial_name), { recursive: true });
    writeTrialFiles(join(job, t.trial_name), t);
  }
  const paths = await writeReports(job);
  const stats = JSON.parse(readFileSync(paths.stats, "utf8"));
  const g = stats.groups.find((x: { label: string }) => x.label === "openai/gpt-t");
  assert.equal(g.tools.calls_per_trial, 5);
  assert.equal(g.tools.calls_per_task, 6);
  assert.equal(g.tools.failed_per_task, (1 + 4) / 2);
  assert.equal(g.tools.argument_errors_per_task, (1 + 1) / 2);
  assert.equal(g.tools.definition_tokens_per_trial, 200);
  const nop = stats.groups.find((x: { label: string }) => x.label === "nop");
  assert.equal(nop.tools.calls_per_task, null, "no agent_result, no tool figures");

  const md = readFileSync(paths.markdown, "utf8");
  assert.match(md, /tool calls \/ failed \/ arg errors per task \| MCP tool-def tokens \/ trial \|/);
  assert.match(md, /\| openai\/gpt-t \|.*\| 6\.0 \/ 2\.5 \/ 1\.0 \| 200 \| 0 \|/);
  assert.match(md, /\| a \| cat \| openai\/gpt-t \| 2 \|.*\| 4 \/ 1 \/ 2 \| 300 \| {2}\|/);
  assert.match(md, /\| b \| cat \| openai\/gpt-t \| 1 \|.*\| 9 \/ 4 \/ 1 \| 0 \| {2}\|/);
  assert.match(md, /\| t1 \| cat \| nop \|.*\| – \| – \| {2}\|/);
});

test("a job folder from before Harbor-format results (flat result.json files) still gets its reports", async () => {
  const job = join(dir, "old-job");
  const old = (name: string, agent: string, reward: number) => ({
    task_name: "t",
    trial_name: name,
    task_id: "/tasks/t",
    category: "cat",
    difficulty: null,
    agent,
    model: null,
    attempt: 1,
    verifier_result: { rewards: { reward } },
    reward,
    passed: reward >= 1,
    exception_info: null,
    agent_result: null,
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: "2026-01-01T00:00:05.000Z",
    environment_setup: null,
    agent_execution: null,
    verifier: null,
    fidelity: { reduced: true, notes: ["RUN apt-get skipped"] },
  });
  for (const [name, agent, reward] of [
    ["t__oracle__1", "oracle", 1],
    ["t__nop__1", "nop", 0],
  ] as const) {
    mkdirSync(join(job, name), { recursive: true });
    writeFileSync(join(job, name, "result.json"), JSON.stringify(old(name, agent, reward)));
  }
  writeFileSync(join(job, "result.json"), JSON.stringify({ id: "old-job", trials: ["t__oracle__1", "t__nop__1"] }));
  const paths = await writeReports(job);
  const stats = JSON.parse(readFileSync(paths.stats, "utf8"));
  const byLabel = Object.fromEntries(stats.groups.map((g: { label: string }) => [g.label, g]));
  assert.equal(byLabel.oracle.n_passed, 1);
  assert.equal(byLabel.nop.n_passed, 0);
  assert.equal(byLabel.oracle.n_reduced_fidelity, 1);
});

test("reports show per-trial fidelity notes and offline explanations, and keep unscored errors apart from reward 0", async () => {
  const job = join(dir, "notes-job");
  const offline = "reward likely limited by the offline environment: numpy was not installed (RUN pip install numpy)";
  const list = [
    trial({
      task_name: "np",
      trial_name: "np__oracle__1",
      agent: "oracle",
      reward: 0,
      passed: false,
      verifier_result: { rewards: { reward: 0 } },
      fidelity: { reduced: true, notes: ["RUN pip install numpy skipped (needs network)", offline] },
    }),
    trial({
      task_name: "crash",
      trial_name: "crash__oracle__1",
      agent: "oracle",
      reward: null,
      passed: false,
      verifier_result: null,
      exception_info: {
        exception_type: "EnvironmentSetupError",
        exception_message: "RUN make failed",
        exception_traceback: "",
        occurred_at: "2026-01-01T00:00:00Z",
      },
    }),
    trial({ task_name: "zero", trial_name: "zero__oracle__1", agent: "oracle", reward: 0, passed: false }),
  ];
  for (const t of list) {
    mkdirSync(join(job, t.trial_name), { recursive: true });
    writeTrialFiles(join(job, t.trial_name), t);
  }
  const paths = await writeReports(job);
  const md = readFileSync(paths.markdown, "utf8");
  assert.match(
    md,
    /1 trial\(s\) did not really run \(an infrastructure, provider or agent error\): unscored, not reward 0, and left out of every rate/,
  );
  assert.match(md, /1 trial\(s\) ran with reduced environment fidelity, 1 with a reward likely limited by the offline/);
  assert.match(
    md,
    /## Errors \(unscored: infrastructure or agent errors, not reward 0\)\n\n- crash__oracle__1: EnvironmentSetupError: RUN make failed/,
  );
  assert.match(md, /## Fidelity notes\n\n- np__oracle__1 \(reward 0\):\n {2}- RUN pip install numpy skipped/);
  assert.match(md, /\*\*reward likely limited by the offline environment: numpy was not installed/);
  // The summary counts the error apart: 3 trials, 0 passed, 1 unscored.
  assert.match(md, /\| oracle \| 3 \| 0 \| 1 \|/);
  assert.match(md, /\| crash \|.*\| unscored \(error\) \|/);
  const html = readFileSync(paths.html, "utf8");
  assert.match(html, /<h2>Fidelity notes<\/h2>/);
  assert.match(html, /<strong>reward likely limited by the offline environment: numpy/);
  assert.match(html, /<h2>Errors \(unscored/);

  const { renderSummary } = await import("../../src/cli/render-bench.ts");
  const text = renderSummary(list, job);
  assert.match(text, /agent\s+trials\s+passed\s+failed\s+errors \(unscored\)/);
  assert.match(text, /oracle\s+3\s+0\s+2\s+1\s/);
  assert.match(text, /crash__oracle__1: EnvironmentSetupError: RUN make failed \(unscored\)/);
  assert.match(text, /reduced fidelity:\n {2}np__oracle__1 \(reward 0\):\n {4}- RUN pip install numpy skipped/);
  assert.match(text, /- reward likely limited by the offline environment/);
});
