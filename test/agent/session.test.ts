import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { z } from "zod";
import { resumeRun } from "../../src/agent/resume-run.ts";
import { applyRun, discardRun, type RunSummary } from "../../src/agent/review.ts";
import type { EnvironmentFactory } from "../../src/agent/session.ts";
import { startRun } from "../../src/agent/session.ts";
import { readTranscript } from "../../src/agent/transcript.ts";
import { defaultConfig } from "../../src/core/config.ts";
import type { Tool } from "../../src/core/tool.ts";
import { textOutput } from "../../src/core/tool.ts";
import { createHostSandbox } from "../../src/sandbox/host.ts";
import { bashTurn, client, mock, tempDir } from "./helpers.ts";

const REF = "anthropic/claude-opus-4-7";

/** Real commands in a host sandbox on the run's copy; every executed command is logged outside the workspace. */
function hostEnvironment(log: string): EnvironmentFactory {
  return async (req) => {
    const sandbox = await createHostSandbox({ workdir: req.copy, runDir: req.scratch });
    const bash: Tool<{ command: string }> = {
      name: "bash",
      description: "Run a command.",
      schema: z.object({ command: z.string() }),
      async execute(args, ctx) {
        writeFileSync(log, `${args.command}\n`, { flag: "a" });
        const r = await ctx.sandbox.exec(args.command);
        return textOutput(`${r.stdout}${r.stderr}[exit ${r.exitCode}]`, r.exitCode !== 0);
      },
    };
    return { sandbox, tools: [bash as Tool], close: () => sandbox.dispose() };
  };
}

function makeRepo(dir: string): void {
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "src", "mod.txt"), "alpha\n");
  writeFileSync(join(dir, "old.txt"), "remove me\n");
  writeFileSync(join(dir, "bin.dat"), Buffer.from([0, 1, 2, 255]));
  writeFileSync(join(dir, "AGENTS.md"), "Always run the tests with `make test`.\n");
}

const SCRIPT = {
  turns: [
    bashTurn("echo hello > new.txt"),
    bashTurn("rm old.txt && printf 'beta\\n' > src/mod.txt && printf '\\000\\003' > bin.dat"),
    bashTurn("echo $SWITCHYARD_TEST_SECRET_TOKEN"),
    { text: "changed three files" },
  ],
};

describe("runs: isolated copy, transcript, diff, apply, discard, resume", () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const secret = "s3cr3t-value-for-redaction-test";
  process.env.SWITCHYARD_TEST_SECRET_TOKEN = secret;

  async function start(ws: string, log: string) {
    const server = await mock(SCRIPT);
    try {
      const outcome = await startRun({
        task: "change things",
        workspace: ws,
        model: REF,
        config: defaultConfig(),
        client: client(REF, server.url),
        environment: hostEnvironment(log),
        limits: { maxSteps: 10 },
        sandbox: "host",
        network: false,
        approval: "never",
      });
      return { outcome, requests: server.requests };
    } finally {
      await server.close();
    }
  }

  it("works on a copy, records the transcript with secrets redacted, and shows a binary-safe diff", async () => {
    const ws = join(tmp.dir, "ws1");
    makeRepo(ws);
    const { outcome, requests } = await start(ws, join(tmp.dir, "ws1.log"));
    assert.equal(outcome.final.endState, "done");
    assert.ok(!existsSync(join(ws, "new.txt")), "the workspace is untouched before apply");
    assert.ok(existsSync(join(ws, "old.txt")));
    assert.deepEqual(
      outcome.changes.map((c) => `${c.kind} ${c.path}`),
      ["modified bin.dat", "added new.txt", "deleted old.txt", "modified src/mod.txt"],
    );
    assert.match(outcome.patch, /^diff --git a\/new\.txt b\/new\.txt/m);
    assert.match(outcome.patch, /^-alpha\n\+beta/m);
    assert.match(outcome.patch, /GIT binary patch/);
    assert.doesNotMatch(outcome.patch, /\.switchyard/);
    assert.equal(readFileSync(outcome.paths.patch, "utf8"), outcome.patch);

    const transcript = readFileSync(outcome.paths.transcript, "utf8");
    assert.ok(!transcript.includes(secret), "the secret never reaches the transcript");
    const events = readTranscript(outcome.paths.transcript);
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i),
    );
    assert.equal(events[0]?.type, "run_started");
    assert.equal(events.at(-1)?.type, "final");
    const started = events[0];
    assert.ok(started?.type === "run_started" && started.system?.includes("make test"), "AGENTS.md is in the prompt");
    assert.match(JSON.stringify(requests[0]?.body), /make test/, "the first request carries AGENTS.md");

    const summary = JSON.parse(readFileSync(outcome.paths.summary, "utf8")) as RunSummary;
    assert.equal(summary.status, "pending");
    assert.equal(summary.changes.length, 4);

    const applied = applyRun(ws, outcome.runId);
    assert.equal(applied.length, 4);
    assert.equal(readFileSync(join(ws, "new.txt"), "utf8"), "hello\n");
    assert.equal(readFileSync(join(ws, "src", "mod.txt"), "utf8"), "beta\n");
    assert.deepEqual([...readFileSync(join(ws, "bin.dat"))], [0, 3]);
    assert.ok(!existsSync(join(ws, "old.txt")));
    assert.throws(() => applyRun(ws, outcome.runId), /already applied/);
  });

  it("refuses to apply when a file the run changed also changed in the workspace, listing it", async () => {
    const ws = join(tmp.dir, "ws2");
    makeRepo(ws);
    const { outcome } = await start(ws, join(tmp.dir, "ws2.log"));
    writeFileSync(join(ws, "src", "mod.txt"), "edited by the user\n");
    writeFileSync(join(ws, "unrelated.txt"), "fine\n");
    assert.throws(() => applyRun(ws, outcome.runId), /changed in the workspace since the run started: src\/mod\.txt$/);
    assert.ok(!existsSync(join(ws, "new.txt")), "nothing was written");
    discardRun(ws, outcome.runId);
    assert.ok(!existsSync(outcome.paths.copy));
    assert.throws(() => applyRun(ws, outcome.runId), /discarded/);
  });

  it("runs spec checkpoints: after-edit ones before the next turn, end ones before finishing", async () => {
    const ws = join(tmp.dir, "ws4");
    makeRepo(ws);
    const server = await mock({
      turns: [
        bashTurn("echo bad > src/mod.txt"),
        bashTurn("echo ok > src/mod.txt"),
        { text: "done (too early)" },
        bashTurn("touch done.txt"),
        { text: "done" },
      ],
    });
    try {
      const outcome = await startRun({
        task: "t",
        workspace: ws,
        model: REF,
        config: defaultConfig(),
        client: client(REF, server.url),
        environment: hostEnvironment(join(tmp.dir, "ws4.log")),
        limits: { maxSteps: 10 },
        sandbox: "host",
        network: false,
        approval: "never",
        checkpoints: [
          { name: "lint", run: "grep -q ok src/mod.txt", after: "src/**" },
          { name: "tests", run: "test -f done.txt" },
        ],
      });
      assert.equal(outcome.final.endState, "done");
      assert.equal(outcome.final.steps, 5);
      const cps = readTranscript(outcome.paths.transcript).flatMap((e) =>
        e.type === "checkpoint" ? [`${e.name}:${e.passed}`] : [],
      );
      assert.deepEqual(cps, ["lint:false", "lint:true", "tests:false", "tests:true"]);
      assert.match(JSON.stringify(server.requests[1]?.body), /Checkpoint \\"lint\\"/);
    } finally {
      await server.close();
    }
  });

  it("resumes from a truncated transcript without re-running finished tool calls", async () => {
    const ws = join(tmp.dir, "ws3");
    makeRepo(ws);
    const log = join(tmp.dir, "ws3.log");
    const { outcome } = await start(ws, log);
    // Simulate a kill right after step 2's tool result: drop everything later.
    const lines = readFileSync(outcome.paths.transcript, "utf8").split("\n").filter(Boolean);
    const cut = lines.findIndex((l) => {
      const e = JSON.parse(l) as { type: string; step: number };
      return e.type === "tool_result" && e.step === 2;
    });
    writeFileSync(outcome.paths.transcript, `${lines.slice(0, cut + 1).join("\n")}\n{"torn`);
    writeFileSync(log, readFileSync(log, "utf8").split("\n").slice(0, 2).join("\n") + "\n");
    // A live process holding the run blocks a resume; a dead one's lock is stale and ignored.
    const holder = spawn("sleep", ["30"]);
    writeFileSync(join(outcome.paths.dir, "lock"), String(holder.pid));
    await assert.rejects(
      resumeRun({ runId: outcome.runId, workspace: ws, config: defaultConfig(), environment: hostEnvironment(log) }),
      /still running \(pid \d+\)/,
    );
    holder.kill("SIGKILL");
    await new Promise((r) => holder.once("close", r));
    const server = await mock(SCRIPT);
    try {
      const resumed = await resumeRun({
        runId: outcome.runId,
        workspace: ws,
        config: defaultConfig(),
        client: client(REF, server.url),
        environment: hostEnvironment(log),
      });
      assert.equal(resumed.final.endState, "done");
      assert.equal(resumed.final.steps, 4);
      assert.equal(server.requests.length, 2, "only steps 3 and 4 are asked again");
    } finally {
      await server.close();
    }
    const ran = readFileSync(log, "utf8").split("\n").filter(Boolean);
    assert.equal(ran.length, 3, "each tool call executed exactly once");
    assert.equal(new Set(ran).size, 3);
  });
});
