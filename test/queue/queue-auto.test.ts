import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { defaultConfig } from "../../src/core/config.ts";
import { openResultsStore } from "../../src/ledger/results-store.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { routeTask } from "../../src/router/route.ts";
import { PASS_IF, removeDir, tempDir, writeTask } from "../bench/task-fixtures.ts";
import { completeTrials, type Proc, readJson, stopAll, switchyard } from "./cli-procs.ts";
import { type Service, startRedis } from "./services.ts";

/**
 * `--agent auto` with --queue is routed on the coordinator, with the coordinator's results store as evidence (as an
 * in-process bench routes it), before the trials are enqueued: every worker runs that model, whatever its own
 * store would pick, and each trial records the choice and the store it came from.
 */
const isRoot = process.getuid?.() === 0;
const KEY = "test-key-not-secret-0004";
const INSTRUCTION = "Write the number 42 to /app/answer.txt.\n";
const root = tempDir("sy-queue-auto-");
const coordDir = join(root, "coordinator");
const workerDir = join(root, "worker");
const coordStore = join(root, "coordinator-evidence.sqlite");
const workerStore = join(root, "worker-evidence.sqlite");
const procs: Proc[] = [];
let redis: Service;
let mock: MockServer;

/** Six passing, priced trials of `model` on this task's class, recorded for `project` on a real endpoint. */
function evidence(store: string, project: string, model: string): void {
  const taskClass = routeTask(INSTRUCTION, { config: defaultConfig() }).taskClass;
  const s = openResultsStore(store);
  for (let i = 1; i <= 6; i++) {
    s.recordTrial({
      jobId: "evidence",
      taskId: `t${i}`,
      category: taskClass,
      model,
      trial: 1,
      reward: 1,
      passed: true,
      exception: null,
      costUsd: 0.01,
      inputTokens: 100,
      cacheTokens: 0,
      outputTokens: 10,
      durationMs: 1000,
      finishedAt: new Date().toISOString(),
      project,
      endpointHost: "api.example.com",
      loopback: false,
      harness: "switchyard",
      fidelity: "full",
    });
  }
  s.close();
}

before(async () => {
  mkdirSync(coordDir, { recursive: true });
  mkdirSync(workerDir, { recursive: true });
  writeTask(join(root, "suite"), "answer", {
    instruction: INSTRUCTION,
    dockerfile: "FROM debian:bookworm\nWORKDIR /app\n",
    test: PASS_IF('[ "$(cat /app/answer.txt 2>/dev/null)" = 42 ]'),
  });
  // The coordinator's evidence says Claude; the worker's own store would say GPT-5.5 (which answers wrongly).
  evidence(coordStore, coordDir, "anthropic/claude-opus-4-7");
  evidence(workerStore, workerDir, "openai/gpt-5.5");
  redis = await startRedis();
  mock = await startMockServer({
    script: parseMockScript({
      models: {
        "claude-opus-4-7": {
          turns: [
            { tool_calls: [{ name: "bash", arguments: { command: "echo 42 > /app/answer.txt" } }] },
            { text: "done" },
          ],
        },
        "gpt-5.5": { turns: [{ text: "I will not write anything." }] },
      },
    }),
  });
});

after(async () => {
  await stopAll(procs);
  await mock?.close();
  await redis?.stop();
  removeDir(root);
});

const keys = () => ({
  XDG_DATA_HOME: join(root, "data"),
  NO_COLOR: "1",
  OPENAI_API_KEY: KEY,
  OPENAI_BASE_URL: `${mock.url}/v1`,
  ANTHROPIC_API_KEY: KEY,
  ANTHROPIC_BASE_URL: mock.url,
});

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Proc {
  const p = switchyard(args, { cwd, env });
  procs.push(p);
  return p;
}

test("--agent auto with --queue runs the model the coordinator's store chose on every worker, and says which store", {
  skip: !isRoot && "needs root (bwrap)",
  timeout: 240_000,
}, async () => {
  const bench = async (job: string, extra: string[], env: NodeJS.ProcessEnv) => {
    const args = ["bench", join(root, "suite"), "--agent", "auto", "-k", "2", "--out", join(root, "jobs")];
    const r = await run([...args, "--job-name", job, ...extra], coordDir, { ...env, SWITCHYARD_STORE: coordStore })
      .done;
    assert.equal(r.code, 0, r.stderr);
    return { trials: [...completeTrials(join(root, "jobs", job)).values()], stderr: r.stderr };
  };
  const local = await bench("auto-local", [], keys());
  assert.deepEqual(
    local.trials.map((t) => [t.model, t.reward]),
    [
      ["anthropic/claude-opus-4-7", 1],
      ["anthropic/claude-opus-4-7", 1],
    ],
    "in-process, the coordinator's evidence picks Claude",
  );

  for (const name of ["w1", "w2"]) {
    const w = run(
      ["worker", "--queue", redis.url, "--name", name, "--cache-dir", join(root, `cache-${name}`)],
      workerDir,
      { ...keys(), SWITCHYARD_STORE: workerStore },
    );
    await w.waitFor(/waiting for trials/);
  }
  const before = mock.requests.length;
  const queued = await bench("auto-queued", ["--queue", redis.url], { XDG_DATA_HOME: join(root, "data") });
  assert.deepEqual(
    queued.trials.map((t) => [t.model, t.reward, t.agent_info.name]),
    local.trials.map((t) => [t.model, t.reward, t.agent_info.name]),
  );
  const paths = mock.requests.slice(before).map((r) => r.path);
  assert.ok(paths.length > 0 && paths.every((p) => p.includes("/messages")), `only Claude was asked: ${paths}`);
  for (const t of queued.trials) {
    const q = readJson(join(root, "jobs", "auto-queued", t.trial_name, "queue.json"));
    assert.deepEqual(
      { ...(q.route as Record<string, unknown>), task_class: undefined },
      {
        model: "anthropic/claude-opus-4-7",
        strategy: "evidence",
        task_class: undefined,
        store: coordStore,
        looked_in: coordStore,
      },
    );
  }
  assert.match(
    queued.stderr,
    new RegExp(
      `queue: --agent auto routed 1 task\\(s\\) here, before enqueueing \\(evidence from ${coordStore}\\): anthropic/claude-opus-4-7 ×1`,
    ),
  );
});

test("--agent auto reads its evidence from the bench's --store, before SWITCHYARD_STORE, in-process and queued", {
  skip: !isRoot && "needs root (bwrap)",
  timeout: 240_000,
}, async () => {
  // --store names the coordinator's evidence (Claude); the variable names the store that would pick GPT-5.5.
  for (const [job, extra] of [
    ["store-local", []],
    ["store-queued", ["--queue", redis.url]],
  ] as const) {
    const args = ["bench", join(root, "suite"), "--agent", "auto", "--out", join(root, "jobs"), "--job-name", job];
    const r = await run([...args, "--store", coordStore, ...extra], coordDir, {
      ...keys(),
      SWITCHYARD_STORE: workerStore,
    }).done;
    assert.equal(r.code, 0, r.stderr);
    const trials = [...completeTrials(join(root, "jobs", job)).values()];
    assert.deepEqual(
      trials.map((t) => [t.model, t.reward]),
      [["anthropic/claude-opus-4-7", 1]],
      `${job}: routed with the --store evidence`,
    );
  }
});
