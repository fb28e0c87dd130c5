import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { RunEvent } from "../../src/core/events.ts";
import {
  assertTranscriptEnds,
  assertUnchanged,
  bash,
  makeWorkspace,
  runDir,
  runWithMock,
  snapshot,
  tempDir,
} from "./helpers.ts";

/**
 * Budgets that hold: `--budget-usd` and `--max-tokens` are never exceeded, whatever the model answers. Before each
 * call the output is capped so that its worst case fits what is left (the mock, like the real APIs, stops at the
 * cap); a call whose prompt alone could pass the budget is not sent. The reserve is reported.
 */
const PRICED = (input: number, output: number) =>
  // local/coder with its own price (USD per 1M tokens), overriding the helper's default.
  `\n[[models.local]]\nid = "coder"\nprice = { input = ${input}, cached_input = ${input}, output = ${output} }\n`;

function responses(events: RunEvent[]) {
  return events.filter((e) => e.type === "model_response");
}

describe("faults: hard budgets", () => {
  const tmp = tempDir("sy-faults-budget-");
  after(() => tmp.cleanup());

  it("one call with a huge answer cannot pass --budget-usd (the one-call overshoot)", async () => {
    const ws = makeWorkspace(join(tmp.dir, "one-call"));
    const before = snapshot(ws);
    // $100 per 1M output tokens: the scripted 50,000-token answer would cost $5 against a $0.20 budget.
    const run = await runWithMock({
      ws,
      extraToml: PRICED(1, 100),
      args: ["--budget-usd", "0.2"],
      script: { turns: [{ text: "x".repeat(200_000), usage: { input: 1000, output: 50_000 } }] },
    });
    try {
      assert.equal(run.result.code, 4, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "budget_exhausted");
      const request = events.find((e) => e.type === "model_request");
      assert.ok(request?.type === "model_request" && request.maxOutputTokens !== undefined);
      assert.ok(request.maxOutputTokens < 2000, `the output was capped: ${request.maxOutputTokens}`);
      assert.ok((request.reserveUsd ?? 1) <= 0.2, "the reserve fits the budget");
      const sent = run.server.requests[0]?.body as { max_tokens?: number };
      assert.equal(sent.max_tokens, request.maxOutputTokens, "the cap went out on the wire");
      const final = events.at(-1);
      assert.ok(final?.type === "final");
      assert.ok(final.cost.total <= 0.2, `spent $${final.cost.total}`);
      assert.ok(final.budget && final.budget.limitUsd === 0.2 && final.budget.largestReserveUsd > 0);
      const summary = JSON.parse(readFileSync(join(runDir(ws, run.runId), "summary.json"), "utf8"));
      assert.ok(summary.cost.total <= 0.2);
      assert.equal(summary.budget?.limitUsd, 0.2, "summary.json reports the budget and its reserve");
      assert.ok(summary.budget.largestReserveUsd > 0 && summary.budget.largestReserveUsd <= 0.2);
      assert.match(run.result.stderr, /budget: \$0\.\d+ of \$0\.2 · largest reserve for one call/);
      assertUnchanged(ws, before);
    } finally {
      await run.close();
    }
  });

  it("a run of calls with large outputs never passes --budget-usd, and stops cleanly at the edge", async () => {
    const ws = makeWorkspace(join(tmp.dir, "many-calls"));
    // Each answer: 3,000 output tokens at $10/M = $0.03; a $0.20 budget fits six and a bit.
    const turn = (i: number) => bash(`echo ${i}`, { usage: { input: 500, output: 3000 } });
    const run = await runWithMock({
      ws,
      extraToml: PRICED(1, 10),
      args: ["--budget-usd", "0.2"],
      script: { turns: Array.from({ length: 20 }, (_, i) => turn(i)) },
    });
    try {
      assert.equal(run.result.code, 4, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "budget_exhausted");
      const got = responses(events);
      assert.ok(got.length >= 5, `${got.length} calls`);
      let spent = 0;
      for (const r of got) {
        assert.ok(r.type === "model_response");
        spent += r.cost.total;
        assert.ok(spent <= 0.2 + 1e-12, `spent $${spent} after seq ${r.seq}`);
      }
      const requests = events.filter((e) => e.type === "model_request");
      for (const [i, q] of requests.entries()) {
        assert.ok(q.type === "model_request" && q.maxOutputTokens !== undefined && q.reserveUsd !== undefined);
        const r = got[i];
        if (r?.type === "model_response") assert.ok(r.usage.output <= q.maxOutputTokens, "no answer passed its cap");
      }
      const final = events.at(-1);
      assert.ok(final?.type === "final" && final.cost.total <= 0.2);
      assert.equal(
        events.filter((e) => e.type === "tool_call").length,
        events.filter((e) => e.type === "tool_result").length,
      );
    } finally {
      await run.close();
    }
  });

  it("a call whose prompt alone could pass the budget is not sent (exit 4, nothing spent on it)", async () => {
    const ws = makeWorkspace(join(tmp.dir, "prompt-alone"));
    // $100 per 1M input tokens: the first prompt (system + tools + task, a few thousand tokens at most) fits a
    // $2 budget; the answer's 30,000 prompt tokens are then part of the next prompt ($3 more): not sent.
    const run = await runWithMock({
      ws,
      extraToml: PRICED(100, 100),
      args: ["--budget-usd", "2"],
      script: { turns: [bash("true", { usage: { input: 15_000, output: 5 } }), bash("true")] },
    });
    try {
      assert.equal(run.result.code, 4, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "budget_exhausted");
      assert.equal(run.server.requests.length, 1, "the second request was never sent");
      const final = events.at(-1);
      assert.ok(final?.type === "final");
      assert.match(final.message, /prompt alone could cost/);
      assert.ok(final.cost.total <= 2);
    } finally {
      await run.close();
    }
  });

  it("--max-tokens is never passed either: output is capped to the tokens left", async () => {
    const ws = makeWorkspace(join(tmp.dir, "max-tokens"));
    const run = await runWithMock({
      ws,
      args: ["--max-tokens", "12000"],
      script: {
        turns: [
          bash("echo 1", { usage: { input: 200, output: 3000 } }),
          { text: "y".repeat(80_000), usage: { input: 200, output: 20_000 } },
        ],
      },
    });
    try {
      assert.equal(run.result.code, 4, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "budget_exhausted");
      const final = events.at(-1);
      assert.ok(final?.type === "final");
      const used = final.usage.input + final.usage.cacheRead + final.usage.cacheWrite + final.usage.output;
      assert.ok(used <= 12_000, `used ${used} tokens`);
    } finally {
      await run.close();
    }
  });
});
