import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readTranscript } from "../../src/agent/transcript.ts";
import { cli, makeJsRepo } from "../agent/cli-helpers.ts";
import { mock, mockEnv, tempDir } from "../agent/helpers.ts";

/**
 * `run --continue <run-id> "<follow-up>"`: a follow-up turn on a finished run's copy and conversation, before
 * applying. The CLI runs as a subprocess against the mock over HTTP in a real bwrap sandbox.
 */
const MODEL = "anthropic/claude-opus-4-7";

const SCRIPT = {
  turns: [
    { tool_calls: [{ name: "bash", arguments: { command: "echo one > one.txt" } }] },
    { text: "created one.txt" },
    { tool_calls: [{ name: "bash", arguments: { command: "cat one.txt > two.txt && echo docs >> two.txt" } }] },
    { text: "also wrote two.txt" },
  ],
};

describe("switchyard run --continue", () => {
  const tmp = tempDir("sy-continue-");
  after(() => tmp.cleanup());

  it("sends the follow-up with the whole history, works on the same copy, and applies both turns' changes", async () => {
    const server = await mock(SCRIPT);
    try {
      const ws = join(tmp.dir, "ws");
      makeJsRepo(ws);
      const env = mockEnv(server.url);
      const first = await cli(["run", "make one.txt", "--workspace", ws, "--model", MODEL, "--json"], env);
      assert.equal(first.code, 0, first.stderr);
      const runId = first.events[0]?.runId ?? "";
      assert.match(first.stderr, new RegExp(`run --continue ${runId} '<follow-up>' --workspace ${ws}`));
      assert.equal(existsSync(join(ws, "one.txt")), false, "nothing applied yet");

      const second = await cli(
        ["run", "--continue", runId, "now also write two.txt", "--workspace", ws, "--apply", "--json"],
        env,
      );
      assert.equal(second.code, 0, second.stderr);
      assert.ok(
        second.events.every((e) => e.runId === runId),
        "the follow-up belongs to the same run",
      );
      assert.equal(second.events[0]?.type, "follow_up");
      assert.equal(second.events[0]?.step, 2);
      const final = second.events.findLast((e) => e.type === "final");
      assert.equal(final?.type === "final" ? final.steps : -1, 4, "steps continue from the first turn");

      // The third request (the first of the follow-up) carries the earlier turns and then the follow-up.
      const body = server.requests[2]?.body as { messages: Array<{ role: string; content: unknown }> };
      const texts = JSON.stringify(body.messages);
      assert.ok(texts.includes("make one.txt") && texts.includes("created one.txt"), texts);
      const last = body.messages.at(-1);
      assert.equal(last?.role, "user");
      assert.match(JSON.stringify(last?.content), /now also write two\.txt/);

      // Both turns' changes land: one.txt was made in the copy during the first turn.
      assert.equal(readFileSync(join(ws, "one.txt"), "utf8"), "one\n");
      assert.equal(readFileSync(join(ws, "two.txt"), "utf8"), "one\ndocs\n");
      const events = readTranscript(join(ws, ".switchyard", "runs", runId, "transcript.jsonl"));
      assert.equal(events.filter((e) => e.type === "final").length, 2);
      assert.equal(events.filter((e) => e.type === "follow_up").length, 1);
      const summary = JSON.parse(readFileSync(join(ws, ".switchyard", "runs", runId, "summary.json"), "utf8"));
      assert.equal(summary.status, "applied");
      assert.equal(summary.steps, 4);

      // An applied run cannot take another follow-up: its copy is no longer a draft.
      const third = await cli(["run", "--continue", runId, "and more", "--workspace", ws], env);
      assert.equal(third.code, 2);
      assert.match(third.stderr, /^switchyard: run \S+ was already applied/m);
      assert.match(third.stderr, /fix: start a new run/);
    } finally {
      await server.close();
    }
  });

  it("refuses bad input with exit 2: no follow-up text, an unknown run, a flag that would change the run", async () => {
    const ws = join(tmp.dir, "bad");
    makeJsRepo(ws);
    const env = mockEnv("http://127.0.0.1:9");
    const noText = await cli(["run", "--continue", "r1", "--workspace", ws], env);
    assert.equal(noText.code, 2);
    assert.match(noText.stderr, /--continue needs a follow-up message/);
    const unknown = await cli(["run", "--continue", "nosuch", "more", "--workspace", ws], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no run "nosuch"/);
    const model = await cli(["run", "--continue", "r1", "more", "--model", MODEL, "--workspace", ws], env);
    assert.equal(model.code, 2);
    assert.match(model.stderr, /--model cannot be combined with --continue/);
    // Flags a follow-up would silently ignore are refused too, each by its own name.
    for (const [flag, ...value] of [
      ["--reasoning", "high"],
      ["--stateful"],
      ["--compact-threshold", "1000"],
      ["--url", "http://127.0.0.1:9/"],
    ]) {
      const r = await cli(["run", "--continue", "r1", "more", flag as string, ...value, "--workspace", ws], env);
      assert.equal(r.code, 2, `${flag}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${flag} cannot be combined with --continue`));
    }
  });
});
