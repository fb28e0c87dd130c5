import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { openResultsStore } from "../../src/ledger/results-store.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { startMockServer } from "../../src/mock/server.ts";
import { removeDir, simpleTask, tempDir } from "./task-fixtures.ts";

/**
 * `bench --reasoning`: the level reaches every model request, the trial's transcript (run_started), the trial's
 * recorded config (Harbor AgentConfig.kwargs) and its provenance, so evidence compares like with like.
 */

const repo = new URL("../../", import.meta.url).pathname;
const root = tempDir();
after(() => removeDir(root));

type Json = Record<string, unknown>;

function bench(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repo, "bin", "switchyard.js"), "bench", ...args], {
      cwd: root,
      env: {
        ...process.env,
        SWITCHYARD_RESULTS_DB: join(root, "results.sqlite"),
        SWITCHYARD_NO_USER_CONFIG: "1",
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test("--reasoning high: on the wire, in the transcript, the trial config and provenance", async () => {
  const server = await startMockServer({
    script: parseMockScript({
      turns: [
        { tool_calls: [{ name: "bash", arguments: { command: "echo 42 > /app/answer.txt" } }] },
        { text: "done." },
      ],
    }),
  });
  try {
    const suite = join(root, "suite");
    simpleTask(suite, "hello");
    const out = join(root, "jobs");
    const r = await bench(
      [suite, "--agent", "openai/gpt-5.5", "--reasoning", "high", "--out", out, "--job-name", "j", "--json"],
      { OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: `${server.url}/v1` },
    );
    assert.equal(r.code, 0, r.stderr);
    const trial = JSON.parse(r.stdout.trim().split("\n")[0] ?? "{}") as Json;
    assert.equal((trial.provenance as Json).reasoning_effort, "high");
    assert.equal(((trial.config as Json).agent as Json & { kwargs: Json }).kwargs.reasoning, "high");

    // The results store's reasoning_effort provenance column (schema v2) carries it, for the router's evidence.
    const store = openResultsStore(join(root, "results.sqlite"));
    try {
      const rows = store.trials({ taskId: "hello" });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.reasoningEffort, "high");
    } finally {
      store.close();
    }

    const bodies = server.requests.filter((q) => q.path === "/v1/responses").map((q) => q.body as Json);
    assert.ok(bodies.length >= 2);
    for (const b of bodies) assert.equal((b.reasoning as Json).effort, "high");

    const trialDir = String(trial.trial_uri).replace(/^file:\/\//, "");
    const started = readFileSync(join(trialDir, "transcript.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Json)
      .find((e) => e.type === "run_started");
    assert.equal(started?.reasoning, "high");

    const bad = await bench([suite, "--agent", "openai/gpt-5.5", "--reasoning", "max", "--out", out], {
      OPENAI_API_KEY: "test-key",
      OPENAI_BASE_URL: `${server.url}/v1`,
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--reasoning: "max" is not one of minimal, low, medium, high/);
  } finally {
    await server.close();
  }
});
