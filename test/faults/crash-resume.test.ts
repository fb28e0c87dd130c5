import assert from "node:assert/strict";
import { appendFileSync, existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  assertTranscriptEnds,
  assertUnchanged,
  bash,
  cli,
  cliUntil,
  killedRun,
  latestRun,
  liveCopy,
  makeWorkspace,
  mock,
  mockEnv,
  resume,
  runDir,
  snapshot,
  tempDir,
  transcriptLines,
  waitFor,
  writeConfig,
} from "./helpers.ts";

/**
 * Crash and resume: a run killed with SIGKILL at any point resumes from its transcript. Nothing that finished runs
 * twice, nothing written after the resume is lost (every line parses, seq has no gap), and the workspace ends
 * exactly as the completed work left it.
 */
const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);

describe("faults: crash and resume", () => {
  const tmp = tempDir("sy-faults-crash-");
  after(() => tmp.cleanup());

  it("a last line torn by kill -9 is dropped on resume, the repair is recorded, and no later event is lost", async () => {
    const server = await mock({
      turns: [bash("echo 1 >> calls.log"), bash("echo 2 >> calls.log", { latency_ms: 4000 }), { text: "two calls" }],
    });
    try {
      const ws = makeWorkspace(join(tmp.dir, "torn"));
      const killed = await killedRun({ ws, server, until: (e) => e.type === "tool_result" && e.step === 1 });
      const transcript = join(runDir(ws, killed.runId), "transcript.jsonl");
      const before = transcriptLines(transcript).length;
      // What a kill between write() and the newline leaves: half an event, no newline.
      appendFileSync(transcript, '{"type":"model_request","runId":"x","seq":');
      const r = await resume(ws, killed.runId, killed.config, server, ["--apply"]);
      assert.equal(r.code, 0, r.stderr);
      const events = assertTranscriptEnds(ws, killed.runId, "done");
      const repaired = events.find((e) => e.type === "warning" && e.code === "transcript_repaired");
      assert.ok(repaired?.type === "warning" && /dropped/.test(repaired.message), "the repair is on record");
      assert.equal(events.indexOf(repaired), before, "the repair is the first event after the intact ones");
      assert.deepEqual(lines(join(ws, "calls.log")), ["1", "2"], "each command ran once and the result landed");
    } finally {
      await server.close();
    }
  });

  it("a complete last line without its newline is terminated, not dropped", async () => {
    const server = await mock({
      turns: [bash("echo 1 >> calls.log"), bash("true", { latency_ms: 4000 }), { text: "ok" }],
    });
    try {
      const ws = makeWorkspace(join(tmp.dir, "unterminated"));
      const killed = await killedRun({ ws, server, until: (e) => e.type === "tool_result" && e.step === 1 });
      const transcript = join(runDir(ws, killed.runId), "transcript.jsonl");
      const intact = transcriptLines(transcript);
      const text = readFileSync(transcript, "utf8");
      writeFileSync(transcript, text.slice(0, -1));
      const r = await resume(ws, killed.runId, killed.config, server);
      assert.equal(r.code, 0, r.stderr);
      const events = assertTranscriptEnds(ws, killed.runId, "done");
      assert.deepEqual(events.slice(0, intact.length), intact, "every event written before the kill is kept");
      const repaired = events[intact.length];
      assert.ok(repaired?.type === "warning" && repaired.code === "transcript_repaired");
      assert.match(repaired.message, /terminated/);
    } finally {
      await server.close();
    }
  });

  it("a command running at the kill is not re-run on resume; the model is told it was interrupted", async () => {
    const server = await mock({ turns: [bash("echo start >> calls.log; sleep 60"), { text: "checked" }] });
    try {
      const ws = makeWorkspace(join(tmp.dir, "mid-tool"));
      const killed = await killedRun({
        ws,
        server,
        until: (e) => e.type === "tool_call",
        beforeKill: () => waitFor(() => existsSync(join(liveCopy(ws, latestRun(ws)), "calls.log"))),
      });
      const r = await resume(ws, killed.runId, killed.config, server, ["--apply"]);
      assert.equal(r.code, 0, r.stderr);
      const events = assertTranscriptEnds(ws, killed.runId, "done");
      const results = events.filter((e) => e.type === "tool_result");
      assert.equal(results.length, 1, "exactly one result for the one call");
      assert.match(JSON.stringify(results[0]), /interrupted/);
      assert.deepEqual(lines(join(ws, "calls.log")), ["start"], "the command ran once");
    } finally {
      await server.close();
    }
  });

  it("two kills and two resumes keep one unbroken sequence, each command run once", async () => {
    const server = await mock({
      turns: [
        bash("echo 1 >> calls.log"),
        bash("echo 2 >> calls.log", { latency_ms: 3000 }),
        bash("echo 3 >> calls.log", { latency_ms: 3000 }),
        { text: "three" },
      ],
    });
    try {
      const ws = makeWorkspace(join(tmp.dir, "twice"));
      const killed = await killedRun({ ws, server, until: (e) => e.type === "tool_result" && e.step === 1 });
      const second = await cliUntil(
        ["resume", killed.runId, "--workspace", ws, "--config", killed.config, "--json"],
        mockEnv(server.url),
        (e) => e.type === "tool_result" && e.step === 2,
      );
      second.child.kill("SIGKILL");
      await new Promise((r) => second.child.once("close", r));
      const r = await resume(ws, killed.runId, killed.config, server, ["--apply"]);
      assert.equal(r.code, 0, r.stderr);
      const events = assertTranscriptEnds(ws, killed.runId, "done");
      assert.equal(events.filter((e) => e.type === "warning" && e.code === "resumed").length, 2);
      assert.deepEqual(lines(join(ws, "calls.log")), ["1", "2", "3"]);
    } finally {
      await server.close();
    }
  });

  it("usage is counted once per answered step across a kill during the model call", async () => {
    const usage = { input: 1000, output: 100 };
    const server = await mock({
      turns: [bash("true", { usage }), bash("true", { usage, latency_ms: 4000 }), { text: "ok", usage }],
    });
    try {
      const ws = makeWorkspace(join(tmp.dir, "usage"));
      const killed = await killedRun({ ws, server, until: (e) => e.type === "model_request" && e.step === 2 });
      const r = await resume(ws, killed.runId, killed.config, server);
      assert.equal(r.code, 0, r.stderr);
      const events = assertTranscriptEnds(ws, killed.runId, "done");
      const responses = events.filter((e) => e.type === "model_response");
      assert.equal(responses.length, 3, "one response per step, none twice");
      const final = events.at(-1);
      assert.ok(final?.type === "final");
      assert.equal(final.usage.input, 3000);
      assert.equal(final.usage.output, 300);
    } finally {
      await server.close();
    }
  });

  it("a run that ended done is not resumed (exit 2) and its transcript is untouched", async () => {
    const server = await mock({ turns: [{ text: "all done" }] });
    try {
      const ws = makeWorkspace(join(tmp.dir, "done"));
      const config = writeConfig(ws, server);
      const r = await cli(
        ["run", "x", "--workspace", ws, "--model", "local/coder", "--config", config, "--json"],
        mockEnv(server.url),
      );
      assert.equal(r.code, 0, r.stderr);
      const runId = r.events[0]?.runId ?? "";
      const transcript = join(runDir(ws, runId), "transcript.jsonl");
      const bytes = readFileSync(transcript);
      const again = await resume(ws, runId, config, server);
      assert.equal(again.code, 2, again.stderr);
      assert.match(again.stderr, /already finished/);
      assert.deepEqual(readFileSync(transcript), bytes);
    } finally {
      await server.close();
    }
  });

  it("resume is refused (exit 2) while the run is alive, and the live run finishes intact", async () => {
    // The live run waits in a command until the test lets it go, so it is surely alive during the resume.
    const server = await mock({ turns: [bash("while [ ! -f go ]; do sleep 0.2; done"), { text: "went" }] });
    try {
      const ws = makeWorkspace(join(tmp.dir, "alive"));
      const config = writeConfig(ws, server);
      const live = await cliUntil(
        ["run", "x", "--workspace", ws, "--model", "local/coder", "--config", config, "--json"],
        mockEnv(server.url),
        (e) => e.type === "tool_call",
      );
      const runId = live.events[0]?.runId ?? "";
      const closed = new Promise<number | null>((res) => live.child.once("close", res));
      const r = await resume(ws, runId, config, server);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /still running/);
      writeFileSync(join(liveCopy(ws, runId), "go"), "");
      assert.equal(await closed, 0);
      const events = assertTranscriptEnds(ws, runId, "done");
      assert.ok(!events.some((e) => e.type === "warning" && e.code === "resumed"), "the refused resume wrote nothing");
    } finally {
      await server.close();
    }
  });

  it("a killed run can be discarded: its copy goes, its transcript stays, the workspace is untouched", async () => {
    const server = await mock({ turns: [bash("echo x > new.txt"), bash("true", { latency_ms: 4000 })] });
    try {
      const ws = makeWorkspace(join(tmp.dir, "discard"));
      const before = snapshot(ws);
      const killed = await killedRun({ ws, server, until: (e) => e.type === "tool_result" });
      const d = await cli(["discard", killed.runId, "--workspace", ws], mockEnv(server.url));
      assert.equal(d.code, 0, d.stderr);
      assert.ok(!existsSync(join(runDir(ws, killed.runId), "work")));
      assert.ok(transcriptLines(join(runDir(ws, killed.runId), "transcript.jsonl")).length > 0);
      assertUnchanged(ws, before);
    } finally {
      await server.close();
    }
  });

  it("a torn run.json is a clear error on resume (exit 2, names the file), nothing appended", async () => {
    const server = await mock({ turns: [bash("true"), bash("true", { latency_ms: 4000 })] });
    try {
      const ws = makeWorkspace(join(tmp.dir, "torn-meta"));
      const killed = await killedRun({ ws, server, until: (e) => e.type === "tool_result" });
      const dir = runDir(ws, killed.runId);
      truncateSync(join(dir, "run.json"), 40);
      const bytes = readFileSync(join(dir, "transcript.jsonl"));
      const r = await resume(ws, killed.runId, killed.config, server);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /run\.json/);
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.deepEqual(readFileSync(join(dir, "transcript.jsonl")), bytes);
    } finally {
      await server.close();
    }
  });

  for (const damage of ["missing", "empty"] as const) {
    it(`a ${damage} transcript is a clear error on resume (exit 2), not an internal error`, async () => {
      const server = await mock({ turns: [bash("true"), bash("true", { latency_ms: 4000 })] });
      try {
        const ws = makeWorkspace(join(tmp.dir, `transcript-${damage}`));
        const killed = await killedRun({ ws, server, until: (e) => e.type === "tool_result" });
        const file = join(runDir(ws, killed.runId), "transcript.jsonl");
        if (damage === "missing") rmSync(file);
        else writeFileSync(file, "");
        const r = await resume(ws, killed.runId, killed.config, server);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /transcript/);
        assert.match(r.stderr, /fix: /);
        assert.doesNotMatch(r.stderr, /internal error/);
      } finally {
        await server.close();
      }
    });
  }

  it("Ctrl-C during a run exits 130, says `switchyard resume <id>`, and the resume finishes the work", async () => {
    const server = await mock({
      turns: [bash("echo 1 >> calls.log"), bash("echo 2 >> calls.log", { latency_ms: 4000 }), { text: "two" }],
    });
    try {
      const ws = makeWorkspace(join(tmp.dir, "sigint"));
      const before = snapshot(ws);
      const config = writeConfig(ws, server);
      const live = await cliUntil(
        ["run", "x", "--workspace", ws, "--model", "local/coder", "--config", config, "--json"],
        mockEnv(server.url),
        (e) => e.type === "model_request" && e.step === 2,
      );
      let stderr = "";
      live.child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const closed = new Promise<number | null>((res) => live.child.once("close", res));
      live.child.kill("SIGINT");
      assert.equal(await closed, 130);
      const runId = live.events[0]?.runId ?? "";
      assert.match(stderr, new RegExp(`switchyard resume ${runId}`));
      assertTranscriptEnds(ws, runId, "aborted");
      assertUnchanged(ws, before, "nothing is applied on Ctrl-C");
      const r = await resume(ws, runId, config, server, ["--apply"]);
      assert.equal(r.code, 0, r.stderr);
      assertTranscriptEnds(ws, runId, "done");
      assert.deepEqual(lines(join(ws, "calls.log")), ["1", "2"]);
    } finally {
      await server.close();
    }
  });
});
