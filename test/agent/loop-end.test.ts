import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { CheckpointOutcome } from "../../src/agent/loop.ts";
import { runLoop } from "../../src/agent/loop.ts";
import type { RunEventBody } from "../../src/core/events.ts";
import { bashTurn, client, hostWorkdir, mock, recordingTool } from "./helpers.ts";

/**
 * The loop's own end states never claim more than happened: a run with end checkpoints that is stopped as the model
 * answers is not `done` (the checkpoints never ran), and a stop the caller names as SIGTERM exits 143.
 */
const REF = "anthropic/claude-opus-4-7";

describe("runLoop: how a stopped run ends", () => {
  const tmp = hostWorkdir("sy-loop-end-");

  async function stoppedAtAnswer(opts: { reason?: string; checkpoints: boolean }) {
    const server = await mock({ turns: [bashTurn("echo hi"), { text: "finished" }] });
    const controller = new AbortController();
    const ran: string[] = [];
    const checkpoints = async (phase: "step" | "end"): Promise<CheckpointOutcome[]> => {
      ran.push(phase);
      return phase === "end" ? [{ name: "tests", command: "true", passed: true, output: "" }] : [];
    };
    const events: RunEventBody[] = [];
    try {
      const final = await runLoop({
        client: client(REF, server.url),
        tools: [recordingTool(join(tmp.dir, "calls.log"))],
        toolContext: tmp.ctx,
        system: "test",
        task: "do it",
        limits: { maxSteps: 10 },
        signal: controller.signal,
        // The stop lands after the answer arrived and before the loop decides how the run ends.
        emit: (e) => {
          events.push(e);
          if (e.type === "model_response" && e.stopReason === "end_turn") controller.abort(opts.reason);
        },
        ...(opts.checkpoints ? { checkpoints } : {}),
      });
      return { final, ran, events };
    } finally {
      await server.close();
    }
  }

  it("stopped as the model finishes, with end checkpoints that never ran: aborted, not done", async () => {
    const { final, ran } = await stoppedAtAnswer({ checkpoints: true });
    assert.deepEqual(ran, ["step"], "the end checkpoints did not run");
    assert.equal(final.endState, "aborted");
    assert.equal(final.exitCode, 130);
    assert.match(final.message, /before the end checkpoints ran/);
  });

  it("stopped as the model finishes, without checkpoints: the answer is the end (done)", async () => {
    const { final } = await stoppedAtAnswer({ checkpoints: false });
    assert.equal(final.endState, "done");
    assert.equal(final.message, "finished");
  });

  it("a stop named SIGTERM ends aborted with exit 143 and says so", async () => {
    const { final, events } = await stoppedAtAnswer({ reason: "SIGTERM", checkpoints: true });
    assert.equal(final.endState, "aborted");
    assert.equal(final.exitCode, 143);
    assert.match(final.message, /\(SIGTERM\)$/);
    assert.deepEqual(events.at(-1), final, "the final event is the one returned");
  });
});
