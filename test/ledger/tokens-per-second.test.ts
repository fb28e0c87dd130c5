import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { streamRate } from "../../src/agent/model-turn.ts";
import { runJob } from "../../src/bench/job.ts";
import { prepareModelAgents } from "../../src/bench/switchyard-agent.ts";
import { defaultConfig } from "../../src/core/config.ts";
import type { Usage } from "../../src/core/usage.ts";
import { openResultsStore } from "../../src/ledger/results-store.ts";
import { BIN, cli, makeJsRepo } from "../agent/cli-helpers.ts";
import { mock, mockEnv, tempDir } from "../agent/helpers.ts";

/**
 * Output tokens per second over the streaming phase: measured per response (with a scripted clock), carried on
 * model_response, aggregated per model in `switchyard cost` and in the bench report beside TTFT.
 */
const ROOT = new URL("../../", import.meta.url).pathname;
const usage = (u: Partial<Usage>): Usage => ({ input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0, ...u });
const tmp = tempDir("sy-tps-");
after(() => tmp.cleanup());

describe("tokens per second", () => {
  it("is output tokens over the time from the first delta to the last, hidden reasoning left out", () => {
    const times = [1_000, 1_500, 2_000];
    const at = (): number => times.shift() ?? 2_000;
    const r = streamRate(at);
    r.see({ type: "text_delta", text: "a" });
    r.see({ type: "retry", attempt: 1, delayMs: 0, error: {} as never });
    r.see({ type: "tool_call_start", id: "c", name: "bash" });
    r.see({ type: "tool_call_delta", id: "c", delta: "{}" });
    assert.equal(r.tokensPerSecond(usage({ output: 100 })), 100, "100 tokens over 1 s");
    assert.equal(r.tokensPerSecond(usage({ output: 100, reasoning: 40 })), 60, "reasoning was not streamed");
    const streamed = streamRate(
      (
        (t) => () =>
          (t += 250)
      )(0),
    );
    streamed.see({ type: "reasoning_delta", text: "hm" });
    streamed.see({ type: "text_delta", text: "a" });
    assert.equal(streamed.tokensPerSecond(usage({ output: 100, reasoning: 40 })), 400, "streamed reasoning counts");
    const one = streamRate(() => 5);
    one.see({ type: "text_delta", text: "everything at once" });
    assert.equal(one.tokensPerSecond(usage({ output: 50 })), undefined, "one chunk has no rate");
    assert.equal(streamRate(() => 5).tokensPerSecond(usage({ output: 50 })), undefined);
  });

  it("a run records it per response and `switchyard cost` shows it per model beside TTFT", async () => {
    const server = await mock({
      turns: [
        { text: "one two three four five six seven eight", usage: { input: 10, output: 40 }, latency_ms_per_token: 15 },
      ],
    });
    try {
      const ws = join(tmp.dir, "run");
      makeJsRepo(ws);
      const env = mockEnv(server.url);
      const r = await cli(["run", "say something", "--workspace", ws, "--json", "--model", "openai/gpt-5.5"], env);
      assert.equal(r.code, 0, r.stderr);
      const resp = r.events.find((e) => e.type === "model_response") as unknown as {
        latency: { ttftMs?: number; outputTokensPerSecond?: number };
      };
      const tps = resp.latency.outputTokensPerSecond;
      assert.ok(tps !== undefined && Number.isFinite(tps) && tps > 0, `tokens/s ${tps}`);
      const runId = r.events[0]?.runId ?? "";
      const cost = await cli(["cost", runId, "--workspace", ws], env);
      assert.equal(cost.code, 0, cost.stderr);
      assert.match(cost.stdout, /latency: TTFT \d+ ms, output \d+(\.\d)? tok\/s \(mean of 1 response\)/);
      const raw = spawnSync(process.execPath, [BIN, "cost", runId, "--workspace", ws, "--json"], {
        env,
        encoding: "utf8",
      });
      const json = JSON.parse(raw.stdout);
      assert.equal(json.totals.byModel["openai/gpt-5.5"].latency.meanOutputTokensPerSecond, tps);
    } finally {
      await server.close();
    }
  });

  it("the bench report's out tok/s column has a figure for a model agent, not –; the results store has it", async () => {
    const out = mkdtempSync(join(tmpdir(), "sy-tps-bench-"));
    chmodSync(out, 0o711);
    const server = await mock({
      turns: [{ text: "I will not do anything here at all", usage: { output: 30 }, latency_ms_per_token: 10 }],
    });
    try {
      const env = { ...process.env, OPENAI_API_KEY: "test", OPENAI_BASE_URL: `${server.url}/v1` };
      const runModelAgent = await prepareModelAgents(["openai/gpt-5.5"], { config: defaultConfig(), env });
      const { jobDir } = await runJob({
        paths: [join(ROOT, "tasks", "examples", "files-organize-inbox")],
        agents: [{ kind: "switchyard", model: "openai/gpt-5.5" }],
        k: 1,
        n: 1,
        resume: false,
        timeoutMultiplier: 1,
        env: "local",
        strictEnv: false,
        reports: true,
        outDir: out,
        jobName: "tps",
        resultsDb: join(out, "results.sqlite"),
        runModelAgent,
      });
      const store = openResultsStore(join(out, "results.sqlite"));
      const [row0] = store.trials({ model: "openai/gpt-5.5" });
      store.close();
      assert.ok(row0, "the trial has a row in the results store");
      assert.ok(typeof row0.outputTokensPerSecond === "number" && row0.outputTokensPerSecond > 0, JSON.stringify(row0));
      assert.ok(typeof row0.ttftMs === "number" && row0.ttftMs >= 0, JSON.stringify(row0));
      const report = readFileSync(join(jobDir, "report.md"), "utf8");
      const lines = report.split("\n").filter((l) => l.startsWith("|"));
      const header = lines.find((l) => l.includes("out tok/s"));
      assert.ok(header, report);
      const cells = (l: string) => l.split("|").map((c) => c.trim());
      const col = cells(header).indexOf("out tok/s");
      const row = lines.find((l) => l.includes("openai/gpt-5.5") && cells(l).length === cells(header).length);
      assert.ok(row, report);
      assert.match(cells(row)[col] ?? "", /^\d+(\.\d+)?$/, `out tok/s cell: ${cells(row)[col]}`);
    } finally {
      await server.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
