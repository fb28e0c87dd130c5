import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runLoop } from "../../src/agent/loop.ts";
import type { RunEventBody } from "../../src/core/events.ts";
import type { ToolCall, ToolResult } from "../../src/core/messages.ts";
import type { Tool, ToolContext } from "../../src/core/tool.ts";
import { executeToolCall } from "../../src/tools/index.ts";
import { bashTurn, client, hostWorkdir, mock, recordingTool } from "./helpers.ts";

/**
 * A tool call that throws an unexpected error (not a ToolError the dispatcher turns into a result, not a
 * FatalToolError that ends the run) does not crash the loop: the model gets an error tool result saying the tool
 * failed (Anthropic `is_error: true` on the wire), a `tool_failed` warning and the result are in the events, and
 * the run goes on; the same failing call again and again is stopped by the loop guard. The dispatcher here is the
 * real one with a check after the tool that throws, as the run's disk check does when its statfs fails.
 */
const REF = "anthropic/claude-opus-4-7";

function checkedDispatcher(failOn: string) {
  return async (tools: Tool[], call: ToolCall, ctx: ToolContext): Promise<ToolResult> => {
    const result = await executeToolCall(tools, call, ctx);
    if (call.arguments.command === failOn) throw new Error(`ENOENT: no such file or directory, statfs '/gone'`);
    return result;
  };
}

describe("runLoop: a tool call that throws", () => {
  const tmp = hostWorkdir("sy-tool-failure-");

  async function run(script: Record<string, unknown>) {
    const server = await mock(script);
    const events: RunEventBody[] = [];
    try {
      const final = await runLoop({
        client: client(REF, server.url),
        tools: [recordingTool(join(tmp.dir, "calls.log"))],
        toolContext: tmp.ctx,
        system: "test",
        task: "check the disk",
        limits: { maxSteps: 10 },
        execute: checkedDispatcher("df /app"),
        emit: (e) => events.push(e),
      });
      return { final, events, requests: server.requests };
    } finally {
      await server.close();
    }
  }

  it("becomes an error result the model reads, and the run goes on to its end", async () => {
    const r = await run({ turns: [bashTurn("df /app"), bashTurn("echo ok"), { text: "finished" }] });
    assert.equal(r.final.endState, "done", r.final.message);
    assert.equal(r.final.steps, 3);
    const results = r.events.filter((e) => e.type === "tool_result");
    assert.equal(results.length, 2);
    const failed = results[0]?.type === "tool_result" ? results[0].result : undefined;
    assert.equal(failed?.isError, true);
    const text = failed?.content.map((p) => (p.type === "text" ? p.text : "")).join("") ?? "";
    assert.match(text, /^Tool bash failed with an unexpected error: ENOENT: no such file or directory, statfs/);
    assert.equal(results[1]?.type === "tool_result" && results[1].result.isError, false);
    const warning = r.events.find((e) => e.type === "warning" && e.code === "tool_failed");
    assert.ok(warning?.type === "warning");
    assert.match(warning.message, /^bash failed: ENOENT/);
    // On the wire: the next request carries it as Anthropic's error form of a tool result.
    const body = r.requests[1]?.body as { messages: Array<{ role: string; content: unknown }> };
    const blocks = body.messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])) as Array<{
      type: string;
      is_error?: boolean;
    }>;
    const sent = blocks.filter((b) => b.type === "tool_result");
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.is_error, true);
  });

  it("the same failing call again and again is stopped by the loop guard (exit 6)", async () => {
    const r = await run({ turns: [], after_last: bashTurn("df /app") });
    assert.equal(r.final.endState, "loop_guard", r.final.message);
    assert.equal(r.final.exitCode, 6);
    const failures = r.events.filter((e) => e.type === "warning" && e.code === "tool_failed");
    assert.equal(failures.length, 4, "four failed runs; the fifth identical call is not executed");
  });
});
