import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  assertTranscriptEnds,
  assertUnchanged,
  makeWorkspace,
  runDir,
  runWithMock,
  snapshot,
  tempDir,
} from "./helpers.ts";

/**
 * One model response is bounded in size, tokens and time: a model that never stops (or a server that ignores the
 * output cap) is stopped by the response's own limits, not only by the run's timeout, and a long answer is
 * stored once.
 */
describe("faults: response limits", () => {
  const tmp = tempDir("sy-faults-resp-");
  after(() => tmp.cleanup());

  it("a response past run.max_response_bytes is stopped (exit 3, says which limit), nothing lost", async () => {
    const ws = makeWorkspace(join(tmp.dir, "bytes"));
    const before = snapshot(ws);
    const run = await runWithMock({
      ws,
      extraToml: "[run]\nmax_response_bytes = 100000\n",
      script: { turns: [{ text: "z".repeat(600_000) }] },
    });
    try {
      assert.equal(run.result.code, 3, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "provider_error");
      const final = events.at(-1);
      assert.ok(final?.type === "final");
      assert.match(final.message, /passed 100000 bytes \(run\.max_response_bytes\)/);
      assert.equal(run.server.requests.length, 1, "not re-asked: it would most likely do it again");
      assertUnchanged(ws, before);
    } finally {
      await run.close();
    }
  });

  it("a response that keeps streaming past run.response_timeout_s is stopped before the run's timeout", async () => {
    const ws = makeWorkspace(join(tmp.dir, "slow"));
    const run = await runWithMock({
      ws,
      extraToml: "[run]\nresponse_timeout_s = 2\n",
      args: ["--timeout", "600"],
      // 400 words, 0.5 s each: 200 s of streaming.
      script: { turns: [{ text: "word ".repeat(400), latency_ms_per_token: 500 }] },
    });
    try {
      assert.equal(run.result.code, 3, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "provider_error");
      const final = events.at(-1);
      assert.ok(final?.type === "final");
      assert.match(final.message, /longer than 2 s \(run\.response_timeout_s\)/);
    } finally {
      await run.close();
    }
  });

  it("run.max_response_tokens goes out as the request's output cap, and the server's cut answer is kept", async () => {
    const ws = makeWorkspace(join(tmp.dir, "tokens"));
    const run = await runWithMock({
      ws,
      extraToml: "[run]\nmax_response_tokens = 50\n",
      script: { turns: [{ text: "t".repeat(4000), usage: { input: 100, output: 1000 } }] },
    });
    try {
      assert.equal(run.result.code, 0, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "done");
      assert.equal((run.server.requests[0]?.body as { max_tokens?: number } | undefined)?.max_tokens, 50);
      const response = events.find((e) => e.type === "model_response");
      assert.ok(response?.type === "model_response");
      assert.equal(response.usage.output, 50);
      assert.equal(response.stopReason, "max_tokens");
    } finally {
      await run.close();
    }
  });

  it("a long final answer is stored once in the transcript; the final event and summary carry its start", async () => {
    const ws = makeWorkspace(join(tmp.dir, "long-answer"));
    const answer = `${"The answer. ".repeat(5000)}END-OF-ANSWER-MARKER`;
    const run = await runWithMock({ ws, script: { turns: [{ text: answer }] } });
    try {
      assert.equal(run.result.code, 0, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "done");
      const text = readFileSync(join(runDir(ws, run.runId), "transcript.jsonl"), "utf8");
      assert.equal(text.split("END-OF-ANSWER-MARKER").length - 1, 1, "the whole answer is written once");
      const final = events.at(-1);
      assert.ok(final?.type === "final");
      assert.ok(final.message.length < 3000);
      assert.match(final.message, /^The answer\. /);
      assert.match(final.message, /the whole answer is in the last model_response event/);
      const summary = JSON.parse(readFileSync(join(runDir(ws, run.runId), "summary.json"), "utf8"));
      assert.ok(summary.message.length < 3000);
    } finally {
      await run.close();
    }
  });
});
