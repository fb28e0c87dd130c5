import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { MockServer } from "../../src/mock/server.ts";
import { cli } from "../agent/cli-helpers.ts";
import { mock, mockEnv, tempDir } from "../agent/helpers.ts";

/**
 * `--reasoning`, `[run] reasoning`, `--stateful` and `--compact-threshold` from the CLI to the wire (the mock logs
 * every request), into the transcript's run_started event and run.json, and back on resume.
 */

type Json = Record<string, unknown>;

const TASK = "Create hello.txt containing the word hello and report when done.";

describe("reasoning and Responses-mode flags, end to end", () => {
  const tmp = tempDir("sy-reasoning-");
  let server: MockServer;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    server = await mock({ turns: [{ text: "Noted." }], after_last: { text: "done." } });
    env = mockEnv(server.url);
  });
  after(async () => {
    await server.close();
    tmp.cleanup();
  });

  const ws = (name: string, toml?: string): string => {
    const dir = join(tmp.dir, name);
    mkdirSync(dir, { recursive: true });
    if (toml !== undefined) writeFileSync(join(dir, "switchyard.toml"), toml);
    return dir;
  };

  const bodiesSince = (n: number): Json[] =>
    server.requests
      .slice(n)
      .flatMap((r) => (r.path.startsWith("/v1/responses") || r.path.includes("/messages") ? [r.body as Json] : []));

  it("--reasoning high reaches reasoning.effort, the run_started event and run.json", async () => {
    const before = server.requests.length;
    const r = await cli(
      ["run", TASK, "--model", "openai/gpt-5.5", "--workspace", ws("flag"), "--reasoning", "high", "--json"],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const [body] = bodiesSince(before);
    assert.deepEqual((body?.reasoning as Json | undefined)?.effort, "high");
    const started = r.events.find((e) => e.type === "run_started");
    assert.equal(started?.type === "run_started" && started.reasoning, "high");
    const runId = started?.runId;
    const meta = JSON.parse(
      readFileSync(join(tmp.dir, "flag", ".switchyard", "runs", String(runId), "run.json"), "utf8"),
    );
    assert.equal(meta.reasoning, "high");
  });

  it("[run] reasoning in switchyard.toml applies, mapped per model; the flag beats it", async () => {
    const dir = ws("config", '[run]\nreasoning = "minimal"\n');
    let before = server.requests.length;
    let r = await cli(["run", TASK, "--model", "openai/gpt-5.5", "--workspace", dir, "--json"], env);
    assert.equal(r.code, 0, r.stderr);
    // gpt-5.5 does not take "minimal" (OpenAI: only none/low/medium/high/xhigh); the nearest it takes is "low".
    assert.equal((bodiesSince(before)[0]?.reasoning as Json | undefined)?.effort, "low");
    before = server.requests.length;
    r = await cli(
      ["run", TASK, "--model", "anthropic/claude-opus-4-7", "--workspace", dir, "--reasoning", "medium", "--json"],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const body = bodiesSince(before)[0]!;
    assert.deepEqual(body.thinking, { type: "adaptive" });
    assert.deepEqual(body.output_config, { effort: "medium" });
  });

  it("a bad level, or a compact threshold below 1000, is a usage error (exit 2) before any request", async () => {
    const before = server.requests.length;
    const bad = await cli(
      ["run", TASK, "--model", "openai/gpt-5.5", "--workspace", ws("bad"), "--reasoning", "extreme"],
      env,
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--reasoning: "extreme" is not one of minimal, low, medium, high/);
    const low = await cli(
      ["run", TASK, "--model", "openai/gpt-5.5", "--workspace", ws("bad"), "--compact-threshold", "500"],
      env,
    );
    assert.equal(low.code, 2);
    assert.match(low.stderr, /--compact-threshold: expected a whole number of tokens ≥ 1000/);
    const toml = await cli(
      ["run", TASK, "--model", "openai/gpt-5.5", "--workspace", ws("badtoml", "[responses]\ncompact_threshold = 10\n")],
      env,
    );
    assert.equal(toml.code, 2);
    assert.match(toml.stderr, /responses\.compact_threshold/);
    assert.equal(server.requests.length, before);
  });

  it("resume asks the same way: the recorded level and mode come back without the flags", async () => {
    const { parseMockScript } = await import("../../src/mock/script.ts");
    server.setScript(parseMockScript({ turns: [{ text: "x", fault: { status: 400, times: -1 } }] }));
    const dir = ws("resume");
    const first = await cli(
      ["run", TASK, "--model", "openai/gpt-5.5", "--workspace", dir, "--reasoning", "medium", "--stateful", "--json"],
      env,
    );
    assert.equal(first.code, 3, first.stderr);
    const runId = String(first.events[0]?.runId);
    server.setScript(parseMockScript({ after_last: { text: "done." } }));
    const before = server.requests.length;
    const resumed = await cli(["resume", runId, "--workspace", dir, "--json"], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const [body] = bodiesSince(before);
    assert.equal((body?.reasoning as Json | undefined)?.effort, "medium");
    assert.equal(body?.store, true);
  });

  it("--stateful and --compact-threshold switch on the stateful mode and server-side compaction", async () => {
    server.setScript(
      (await import("../../src/mock/script.ts")).parseMockScript({
        turns: [
          { tool_calls: [{ name: "bash", arguments: { command: "echo hello > hello.txt" } }] },
          { text: "done." },
        ],
      }),
    );
    const before = server.requests.length;
    const r = await cli(
      [
        "run",
        TASK,
        "--model",
        "openai/gpt-5.5",
        "--workspace",
        ws("store"),
        "--stateful",
        "--compact-threshold",
        "200000",
        "--json",
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const [first, second] = bodiesSince(before);
    assert.equal(first?.store, true);
    assert.deepEqual(first?.context_management, [{ type: "compaction", compact_threshold: 200000 }]);
    assert.equal(typeof second?.previous_response_id, "string");
    assert.ok(
      !((second?.input ?? []) as Json[]).some(
        (i) => i.role === "user" && JSON.stringify(i).includes("hello.txt containing"),
      ),
      "stateful: the task is not sent again",
    );
  });
});
