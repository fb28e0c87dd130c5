import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, ftruncateSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import { runLoop } from "../../src/agent/loop.ts";
import type { RunEvent } from "../../src/core/events.ts";
import type { Tool } from "../../src/core/tool.ts";
import { createEditorTool } from "../../src/tools/editor.ts";
import { client, collect } from "../agent/helpers.ts";
import { type Harness, hostHarness, text } from "../sandbox/helpers.ts";
import {
  assertTranscriptEnds,
  assertUnchanged,
  bash,
  makeWorkspace,
  mock,
  runWithMock,
  snapshot,
  tempDir,
} from "./helpers.ts";

/**
 * Limits that must hold: per-command time, the run's deadline for every tool, the loop guard, file sizes and
 * kinds, response size and time, disk, budgets. Each case checks the limit held, what the model was told, the
 * end state and exit code, and that the transcript and workspace are intact.
 */
function resultText(e: RunEvent | undefined): string {
  assert.ok(e?.type === "tool_result", "a tool result");
  return e.result.content.map((p) => (p.type === "text" ? p.text : "")).join("");
}

describe("faults: limits", () => {
  const tmp = tempDir("sy-faults-limits-");
  after(() => tmp.cleanup());

  it("bash_timeout_s from the config stops a long command, and a model's own timeout cannot raise it", async () => {
    const ws = makeWorkspace(join(tmp.dir, "bash-timeout"));
    const before = snapshot(ws);
    const run = await runWithMock({
      ws,
      extraToml: "[run]\nbash_timeout_s = 2\n",
      script: {
        turns: [
          bash("sleep 40; echo finished-a"),
          { tool_calls: [{ name: "bash", arguments: { command: "sleep 40; echo finished-b", timeout: 300 } }] },
          { text: "gave up" },
        ],
      },
    });
    try {
      assert.equal(run.result.code, 0, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "done");
      const results = events.filter((e) => e.type === "tool_result");
      assert.equal(results.length, 2);
      for (const r of results) {
        assert.ok(r.type === "tool_result" && r.result.isError, "a timed-out command is an error result");
        assert.match(resultText(r), /timed out after 2 s/);
        assert.doesNotMatch(resultText(r), /finished/);
      }
      assertUnchanged(ws, before);
    } finally {
      await run.close();
    }
  });

  it("the editor viewing a FIFO answers at once (not a regular file) instead of hanging the run", async () => {
    const ws = makeWorkspace(join(tmp.dir, "fifo"));
    execFileSync("mkfifo", [join(ws, "pipe")]);
    const before = snapshot(ws);
    const run = await runWithMock({
      ws,
      args: ["--timeout", "60"],
      script: {
        turns: [
          { tool_calls: [{ name: "editor", arguments: { command: "view", path: "/app/pipe" } }] },
          {
            tool_calls: [
              { name: "editor", arguments: { command: "str_replace", path: "/app/pipe", old_str: "a", new_str: "b" } },
            ],
          },
          { text: "it is a pipe" },
        ],
      },
    });
    try {
      assert.equal(run.result.code, 0, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "done");
      const results = events.filter((e) => e.type === "tool_result");
      assert.equal(results.length, 2);
      for (const r of results) assert.match(resultText(r), /named pipe \(FIFO\), not a regular file/);
      assertUnchanged(ws, before);
    } finally {
      await run.close();
    }
  });

  it("a tool that ignores the abort is abandoned at the run's deadline (end state timeout, one result per call)", async () => {
    const server = await mock({ turns: [{ tool_calls: [{ name: "stuck", arguments: {} }] }, { text: "never" }] });
    try {
      const stuck: Tool = {
        name: "stuck",
        description: "never returns",
        schema: z.object({}),
        execute: () => new Promise<never>(() => {}),
      };
      const { events, emit } = collect();
      const final = await runLoop({
        client: client("anthropic/claude-opus-4-7", server.url),
        tools: [stuck],
        toolContext: { sandbox: undefined as never, signal: new AbortController().signal, runDir: tmp.dir },
        system: "s",
        task: "t",
        limits: { maxSteps: 5, timeoutMs: 1500 },
        emit: (e) => emit(e),
      });
      assert.equal(final.endState, "timeout");
      assert.equal(final.exitCode, 7);
      const results = events.filter((e) => e.type === "tool_result");
      assert.equal(results.length, 1, "the abandoned call still has exactly one result");
      assert.match(JSON.stringify(results[0]), /time limit came while stuck was still running/);
      assert.equal(server.requests.length, 1, "no model call after the deadline");
    } finally {
      await server.close();
    }
  });

  describe("file tools read bounded slices", () => {
    let h: Harness;
    const editor = createEditorTool() as unknown as Tool;
    before(async () => {
      h = await hostHarness();
      // 1 GiB, sparse: no disk used, and no newline in it.
      const fd = openSync(join(h.app, "big.bin"), "w");
      ftruncateSync(fd, 1024 ** 3);
      closeSync(fd);
      writeFileSync(join(h.app, "big.txt"), "line\n".repeat(2_000_000));
    });
    after(() => h.cleanup());

    for (const [name, args] of [
      ["view of a 1 GiB file", { command: "view", path: "big.bin" }],
      ["view_range of a 1 GiB one-line file", { command: "view", path: "big.bin", view_range: [1, 1] }],
    ] as const) {
      it(`${name} stays small in Switchyard's memory and answers usefully`, async () => {
        const rss = process.memoryUsage.rss();
        const r = await h.call(editor, args);
        const out = text(r);
        assert.doesNotMatch(out, /Invalid string length/);
        assert.match(out, /response clipped/);
        assert.ok(out.length < 100_000, "the answer itself is bounded");
        const grew = process.memoryUsage.rss() - rss;
        assert.ok(grew < 256 * 1024 * 1024, `the process grew by ${Math.round(grew / 1024 / 1024)} MB`);
      });
    }

    it("view_range far into a 10 MB file shows those lines without reading the file whole", async () => {
      const r = await h.call(editor, { command: "view", path: "big.txt", view_range: [1_999_999, 2_000_000] });
      assert.match(text(r), /:\n1999999\tline\n2000000\tline\n$/);
      const past = await h.call(editor, { command: "view", path: "big.txt", view_range: [1, 3_000_000] });
      assert.match(text(past), /should be smaller than the number of lines in the file: `2000001`/);
    });

    it("str_replace on a file over the editing limit is refused with the size and what to use instead", async () => {
      const r = await h.call(editor, { command: "str_replace", path: "big.bin", old_str: "x", new_str: "y" });
      assert.equal(r.isError, true);
      assert.match(text(r), /The file is 1024\.0 MB; the editor's str_replace works on files up to 16\.0 MB.*grep -n/);
    });

    it("the host sandbox's editor refuses a character device (/dev/zero) instead of reading forever", async () => {
      const r = await h.call(editor, { command: "view", path: "/dev/zero" });
      assert.equal(r.isError, true);
      assert.match(text(r), /a character device, not a regular file/);
    });
  });

  for (const cycle of [
    ["cat a.txt", "ls"],
    ["cat a.txt", "ls", "pwd"],
  ]) {
    it(`the loop guard warns, then stops a cycle of ${cycle.length} calls (${cycle.join(", ")}) before its 5th round`, async () => {
      const ws = makeWorkspace(join(tmp.dir, `cycle-${cycle.length}`), { "a.txt": "a\n" });
      const before = snapshot(ws);
      const turns = Array.from({ length: 8 * cycle.length }, (_, i) => bash(cycle[i % cycle.length] ?? "true"));
      const run = await runWithMock({ ws, script: { turns, after_last: { text: "never reached" } } });
      try {
        assert.equal(run.result.code, 6, run.result.stderr);
        const events = assertTranscriptEnds(ws, run.runId, "loop_guard");
        const calls = events.filter((e) => e.type === "tool_call");
        const results = events.filter((e) => e.type === "tool_result");
        assert.equal(calls.length, 5 * cycle.length, "stopped at the call completing the 5th round");
        assert.equal(results.length, calls.length, "every call has its result");
        assert.match(JSON.stringify(results.at(-1)), /not executed: loop guard: the same cycle of/);
        const notes = events.filter((e) => e.type === "warning" && e.code === "note.loop_guard");
        assert.equal(notes.length, 1, "warned once first");
        assert.ok(notes[0] && events.indexOf(notes[0]) < events.indexOf(calls[3 * cycle.length] as RunEvent));
        assert.match(JSON.stringify(notes[0]), new RegExp(`cycle of ${cycle.length} calls`));
        const final = events.at(-1);
        assert.ok(final?.type === "final" && /cycle of/.test(final.message));
        assertUnchanged(ws, before);
      } finally {
        await run.close();
      }
    });
  }

  it("alternating calls whose arguments change are not a loop", async () => {
    const ws = makeWorkspace(join(tmp.dir, "no-cycle"));
    const turns = Array.from({ length: 12 }, (_, i) => bash(i % 2 ? "ls" : `echo ${i}`));
    const run = await runWithMock({ ws, script: { turns, after_last: { text: "finished" } } });
    try {
      assert.equal(run.result.code, 0, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "done");
      assert.equal(events.filter((e) => e.type === "tool_result").length, 12);
      assert.ok(!events.some((e) => e.type === "warning" && e.code === "note.loop_guard"));
    } finally {
      await run.close();
    }
  });
});
