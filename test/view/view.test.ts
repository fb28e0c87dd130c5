import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { encodePng } from "../../src/computer/png.ts";
import type { RunEvent } from "../../src/core/events.ts";
import { type RunningView, startView } from "../../src/view/server.ts";
import { BIN, cleanEnv, ROOT } from "../cli/cli-helpers.ts";

/**
 * `switchyard view` in real Chromium over a real bench job (oracle and nop on two example tasks, results store in
 * a temp file). One trial gets a model conversation with a screenshot and a diff. Pages load without console
 * errors, the store page's rows equal the store's, and a broken job folder shows a clear error page. With
 * SWITCHYARD_UPDATE_SCREENSHOTS=1 the test writes the README's screenshot (docs/view.png).
 */
const tmp = mkdtempSync(join(tmpdir(), "sy-view-"));
const jobs = join(tmp, "jobs");
const db = join(tmp, "results.sqlite");
const TASKS = ["csv-sales-summary", "log-error-summary"].map((t) => join(ROOT, "tasks/examples", t));
// A 320×120 "screenshot": a title bar and a button, drawn pixel by pixel and encoded with the project's PNG encoder.
const SHOT_W = 320;
const SHOT_H = 120;
const PNG = (() => {
  const data = Buffer.alloc(SHOT_W * SHOT_H * 3, 0xf4);
  const fill = (x0: number, y0: number, x1: number, y1: number, rgb: [number, number, number]) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data.set(rgb, (y * SHOT_W + x) * 3);
  };
  fill(0, 0, SHOT_W, 22, [0x20, 0x25, 0x2b]);
  fill(24, 50, 150, 80, [0x00, 0x72, 0xb2]);
  fill(170, 50, 296, 80, [0xdd, 0xdd, 0xdd]);
  return encodePng({ width: SHOT_W, height: SHOT_H, data }).toString("base64");
})();

let browser: Browser;
let view: RunningView;
let jobId = "";
let dbMtime = 0;

function transcript(runId: string): string {
  const base = { runId, ts: "2026-12-01T00:00:00.000Z" };
  const model = { provider: "openai", id: "gpt-5.5", protocol: "openai-responses" as const };
  const usage = { input: 900, cacheRead: 100, cacheWrite: 0, output: 50, reasoning: 10 };
  const cost = { input: 0.0045, cacheRead: 0.00005, cacheWrite: 0, output: 0.0015, total: 0.0061, priced: true };
  const events: RunEvent[] = [
    {
      ...base,
      seq: 0,
      step: 0,
      type: "run_started",
      task: "Summarise the sales CSV",
      model,
      workspace: "/app",
      sandbox: "bwrap",
      limits: {},
    },
    {
      ...base,
      seq: 1,
      step: 1,
      type: "model_response",
      model,
      stopReason: "tool_use",
      usage,
      cost,
      latency: { totalMs: 1200 },
      message: {
        role: "assistant",
        content: [
          { type: "reasoning", text: "Look at the screen first." },
          { type: "text", text: "I will take a screenshot, then fix the script." },
          { type: "tool_call", id: "c1", name: "computer", arguments: { actions: [{ action: "screenshot" }] } },
          { type: "tool_call", id: "c2", name: "bash", arguments: { command: "python3 summary.py && echo ok" } },
        ],
      },
    },
    {
      ...base,
      seq: 2,
      step: 1,
      type: "tool_result",
      durationMs: 80,
      result: {
        type: "tool_result",
        callId: "c1",
        name: "computer",
        isError: false,
        content: [{ type: "image", mediaType: "image/png", data: PNG }],
      },
    },
    {
      ...base,
      seq: 3,
      step: 1,
      type: "tool_result",
      durationMs: 30,
      result: {
        type: "tool_result",
        callId: "c2",
        name: "bash",
        isError: false,
        content: [{ type: "text", text: "total 42\nok\n" }],
      },
    },
    {
      ...base,
      seq: 4,
      step: 1,
      type: "final",
      endState: "done",
      exitCode: 0,
      message: "Fixed the summary.",
      steps: 1,
      usage,
      cost,
      durationMs: 1500,
    },
  ];
  return `${events.map((e) => JSON.stringify(e)).join("\n")}\n`;
}

before(async () => {
  const env = cleanEnv(join(tmp, "home"), { SWITCHYARD_RESULTS_DB: db });
  const r = spawnSync(process.execPath, [BIN, "bench", ...TASKS, "--agent", "oracle,nop", "--out", jobs], {
    cwd: tmp,
    env,
    encoding: "utf8",
    timeout: 240_000,
  });
  assert.equal(r.status, 0, r.stderr);
  jobId = readdirSync(jobs)[0] ?? "";
  const trial = join(jobs, jobId, "csv-sales-summary__oracle__1");
  writeFileSync(join(trial, "transcript.jsonl"), transcript("r1"));
  mkdirSync(join(trial, "agent"), { recursive: true });
  writeFileSync(
    join(trial, "agent", "diff.patch"),
    "diff --git a/summary.py b/summary.py\n--- a/summary.py\n+++ b/summary.py\n@@ -1,2 +1,2 @@\n-print(totl)\n+print(total)\n",
  );
  // A job folder a bench left broken: its result.json is not JSON.
  mkdirSync(join(jobs, "broken-job"));
  writeFileSync(join(jobs, "broken-job", "config.json"), "{}");
  writeFileSync(join(jobs, "broken-job", "result.json"), "{not json");
  dbMtime = statSync(db).mtimeMs;
  view = await startView({ paths: [jobs], store: db });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});

after(async () => {
  await browser?.close();
  await view?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Open a page, failing on console errors, page errors and requests that leave the viewer. */
async function open(path: string, status = 200): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on("console", (m) => {
    // Chromium logs the error status of the page itself; an error page is expected to have one.
    const own = status !== 200 && m.text().includes(`status of ${status}`);
    if (m.type() === "error" && !own) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("request", (r) => {
    if (!r.url().startsWith(view.url) && !r.url().startsWith("data:")) problems.push(`request to ${r.url()}`);
  });
  const res = await page.goto(`${view.url}${path}`);
  assert.equal(res?.status(), status, path);
  assert.deepEqual(problems, [], `${path}: ${problems.join("; ")}`);
  return page;
}

test("switchyard view (the command) listens on 127.0.0.1, serves the jobs and stops on Ctrl-C", async () => {
  const { spawn } = await import("node:child_process");
  const env = cleanEnv(join(tmp, "home"), { SWITCHYARD_RESULTS_DB: db });
  const child = spawn(process.execPath, [BIN, "view", jobs, "--port", "0"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /switchyard view: (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  const res = await fetch(`${url}/`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), new RegExp(jobId));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  assert.equal(await exited, 0);
});

describe("switchyard view in Chromium", () => {
  test("the jobs list shows the job with its agents, and the broken one as an error", async () => {
    const page = await open("/");
    const links = await page.locator("table.jobs a.job").allTextContents();
    assert.ok(links.includes(jobId) && links.includes("broken-job"), links.join(","));
    const row = page.locator("table.jobs tr", { has: page.locator(`a.job:text-is("${jobId}")`) });
    assert.match((await row.textContent()) ?? "", /oracle, nop|nop, oracle/);
    assert.match((await row.textContent()) ?? "", /2\/4 \(50%\)/);
    await page.close();
  });

  test("the job page: headline, task × agent matrix with drill-down, filters", async () => {
    const page = await open(`/jobs/${jobId}`);
    assert.match(
      (await page.locator(".job-source").textContent()) ?? "",
      new RegExp(`^read from ${join(jobs, jobId)};`),
    );
    assert.match((await page.locator(".headline").textContent()) ?? "", /^oracle solves the most: 2\/2 trials passed/);
    const cells = page.locator("table.matrix a.cell");
    assert.equal(await cells.count(), 4);
    assert.equal(await page.locator('a.cell[data-task="csv-sales-summary"][data-model="oracle"]').textContent(), "1/1");
    await page.locator('a.cell[data-task="csv-sales-summary"][data-model="nop"]').click();
    await page.waitForURL(/task=csv-sales-summary/);
    assert.deepEqual(await page.locator("table.trials a.trial").allTextContents(), ["csv-sales-summary__nop__1"]);
    await page.selectOption('select[name="outcome"]', "passed");
    await page.selectOption('select[name="task"]', "");
    await page.selectOption('select[name="model"]', "");
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/outcome=passed/);
    assert.deepEqual((await page.locator("table.trials a.trial").allTextContents()).sort(), [
      "csv-sales-summary__oracle__1",
      "log-error-summary__oracle__1",
    ]);
    await page.close();
  });

  test("a trial page renders the conversation with its screenshot, the diff highlighted, and the verifier output", async () => {
    const page = await open(`/jobs/${jobId}/trials/csv-sales-summary__oracle__1`);
    assert.match((await page.locator(".msg.assistant .reasoning").textContent()) ?? "", /Look at the screen first/);
    assert.match((await page.locator(".msg.assistant .text").textContent()) ?? "", /take a screenshot/);
    assert.deepEqual(await page.locator(".msg.assistant .call").allTextContents(), [
      "computer: screenshot",
      "$ python3 summary.py && echo ok",
    ]);
    assert.match((await page.locator(".msg.assistant .step-cost").textContent()) ?? "", /\$0\.0061/);
    const img = page.locator(".msg.tool img.shot");
    assert.equal(await img.count(), 1);
    assert.equal(await img.evaluate((e) => (e as HTMLImageElement).naturalWidth), SHOT_W, "the screenshot decodes");
    assert.match((await page.locator(".msg.tool").nth(1).textContent()) ?? "", /exit 0 · 2 lines: total 42 … ok/);
    assert.equal(await page.locator("pre.diff .add").textContent(), "+print(total)");
    assert.equal(await page.locator("pre.diff .del").textContent(), "-print(totl)");
    assert.match((await page.locator("pre.verifier").textContent()) ?? "", /passed/);
    if (process.env.SWITCHYARD_UPDATE_SCREENSHOTS === "1") {
      await page.screenshot({ path: join(ROOT, "docs", "view.png"), fullPage: false });
    }
    await page.close();
    const raw = await fetch(`${view.url}/jobs/${jobId}/trials/csv-sales-summary__oracle__1/files/agent/diff.patch`);
    assert.match(await raw.text(), /^diff --git/);
    const outside = await fetch(
      `${view.url}/jobs/${jobId}/trials/csv-sales-summary__oracle__1/files/..%2F..%2Fconfig.json`,
    );
    assert.equal(outside.status, 404, "files outside the trial folder are not served");
  });

  test("the store page's rows equal the store's, and viewing never changes the store", async () => {
    const conn = new DatabaseSync(db, { readOnly: true });
    const rows = conn.prepare("SELECT * FROM trials ORDER BY project, job_id, task_id, model, trial").all() as Array<
      Record<string, unknown>
    >;
    conn.close();
    assert.equal(rows.length, 4);
    const page = await open("/store");
    assert.equal(await page.locator(".store-source").textContent(), `${db} (sqlite, schema v3; read-only)`);
    const shown = page.locator("table.store-trials tbody tr");
    assert.equal(await shown.count(), rows.length);
    const headers = await page.locator("table.store-trials thead th").allTextContents();
    for (const [i, row] of rows.entries()) {
      const cells = await shown.nth(i).locator("td").allTextContents();
      assert.deepEqual(
        cells,
        headers.map((h) => String(row[h] ?? "")),
      );
    }
    await page.close();
    const compare = await open("/compare");
    assert.deepEqual(await compare.locator("table.compare tbody tr td:first-child").allTextContents(), [
      "oracle",
      "nop",
    ]);
    await compare.close();
    assert.equal(statSync(db).mtimeMs, dbMtime, "the store file was not written");
  });

  test("a broken job folder and an unknown job show a clear error page", async () => {
    const page = await open("/jobs/broken-job", 404);
    assert.match(
      (await page.locator(".error-page .what").textContent()) ?? "",
      /^switchyard: .*broken-job\/result\.json: not valid JSON/,
    );
    assert.match((await page.locator(".error-page .fix").textContent()) ?? "", /^fix: /);
    await page.close();
    const missing = await open("/jobs/nope", 404);
    assert.match((await missing.locator(".error-page .what").textContent()) ?? "", /no job "nope"/);
    await missing.close();
  });
});
