import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { PASS_IF, removeDir, tempDir, writeTask } from "../bench/task-fixtures.ts";
import { completeTrials, type Proc, stopAll, switchyard } from "./cli-procs.ts";
import { type Service, startRedis } from "./services.ts";

/**
 * The rate limit is shared by every worker: the mock answers 429 past RATE requests a second (as a provider does
 * per key); two workers running three trials each stay under it together when the job says `--rate-limit` (half
 * the mock's rate, the margin the docs advise for requests that jitter on the way under load), so the mock's
 * request log shows no 429 and no second with more than RATE requests.
 */

const RATE = 4;
const root = tempDir("sy-queue-rate-");
const suite = join(root, "suite");
const TASKS = 8;
let redis: Service;
let mock: MockServer;
const procs: Proc[] = [];

const script = parseMockScript({
  rate_limit: { requests: RATE, window_ms: 1000 },
  models: {
    "gpt-5.5": {
      turns: [
        {
          tool_calls: [{ name: "bash", arguments: { command: "echo 42 > /app/answer.txt" } }],
          usage: { input: 900, output: 40 },
        },
        { text: "done", usage: { input: 1000, output: 5 } },
      ],
    },
  },
});

before(async () => {
  for (let i = 1; i <= TASKS; i++) {
    writeTask(suite, `r${i}`, {
      dockerfile: "FROM debian:bookworm\nWORKDIR /app\n",
      test: PASS_IF('[ "$(cat /app/answer.txt 2>/dev/null)" = 42 ]'),
    });
  }
  redis = await startRedis();
  mock = await startMockServer({ script });
});

after(async () => {
  await stopAll(procs);
  await mock?.close();
  await redis?.stop();
  removeDir(root);
});

const modelCalls = () => mock.requests.filter((r) => r.path.startsWith("/v1/responses"));

test("the mock enforces its rate: past RATE requests in the window it answers 429 with retry-after", async () => {
  const body = JSON.stringify({ model: "gpt-5.5", input: "hi" });
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i <= RATE; i++) {
    const res = await fetch(`${mock.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer test" },
      body,
    });
    statuses.push(res.status);
    if (res.status === 429) retryAfter = res.headers.get("retry-after-ms");
    await res.arrayBuffer();
  }
  assert.deepEqual(statuses, [...Array(RATE).fill(200), 429]);
  assert.ok(Number(retryAfter) > 0 && Number(retryAfter) <= 1000, `retry-after-ms ${retryAfter}`);
  mock.setScript(script);
  mock.requests.length = 0;
});

test("workers share the job's --rate-limit: together they stay under the provider's rate (no 429 in the log)", async () => {
  const env = {
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: `${mock.url}/v1`,
    XDG_CACHE_HOME: join(root, "cache"),
    XDG_DATA_HOME: join(root, "data"),
  };
  for (const name of ["a", "b"]) {
    const w = switchyard(
      ["worker", "--queue", redis.url, "-n", "3", "--name", name, "--cache-dir", join(root, `cache-${name}`)],
      { cwd: root, env },
    );
    procs.push(w);
    await w.waitFor(/waiting for trials/);
  }
  const args = ["bench", suite, "--agent", "openai/gpt-5.5", "--queue", redis.url, "--out", join(root, "jobs")];
  const coord = switchyard(
    [...args, "--job-name", "rated", "--rate-limit", `openai=${RATE / 2}/s`, "--store", join(root, "r.sqlite")],
    { cwd: root, env },
  );
  procs.push(coord);
  const r = await coord.done;
  assert.equal(r.code, 0, r.stderr);
  const trials = completeTrials(join(root, "jobs", "rated"));
  assert.equal(trials.size, TASKS);
  for (const [name, t] of trials) assert.equal(t.passed, true, `${name}: ${JSON.stringify(t.exception_info)}`);

  const calls = modelCalls();
  // Two answered model turns per trial (a request cut by a connection reset under load may be resent: not a 429).
  assert.equal(
    calls.filter((c) => c.status === 200).length,
    TASKS * 2,
    JSON.stringify(calls.map((c) => [c.ts, c.status, c.fault])),
  );
  assert.deepEqual(
    calls.filter((c) => c.status === 429).map((c) => c.ts),
    [],
  );
  // No one-second window holds more than the mock's rate.
  const times = calls.map((c) => Date.parse(c.ts)).sort((x, y) => x - y);
  for (let i = 0; i < times.length; i++) {
    const inWindow = times.filter((t) => t >= (times[i] ?? 0) && t - (times[i] ?? 0) < 1000).length;
    assert.ok(inWindow <= RATE, `${inWindow} requests within 1 s from ${new Date(times[i] ?? 0).toISOString()}`);
  }
  // Both workers took part (the limit was shared, not one worker doing everything).
  const ran = procs.slice(0, 2).map((p) => (p.err().match(/✓/g) ?? []).length);
  assert.ok(
    ran.every((n) => n > 0),
    `trials per worker: ${ran.join(", ")}`,
  );
});

test("--job-budget-usd holds across workers: once spent, the trials not started are not dispatched", async () => {
  await stopAll(procs.splice(0));
  mock.setScript(script);
  const env = {
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: `${mock.url}/v1`,
    XDG_CACHE_HOME: join(root, "cache"),
    XDG_DATA_HOME: join(root, "data"),
  };
  const w = switchyard(["worker", "--queue", redis.url, "--name", "solo", "--cache-dir", join(root, "cache-solo")], {
    cwd: root,
    env,
  });
  procs.push(w);
  await w.waitFor(/waiting for trials/);
  const coord = switchyard(
    [
      "bench",
      suite,
      "--agent",
      "openai/gpt-5.5",
      "--queue",
      redis.url,
      "--out",
      join(root, "jobs"),
      "--job-name",
      "budget",
      "--job-budget-usd",
      "0.000001",
      "--store",
      join(root, "b.sqlite"),
    ],
    { cwd: root, env },
  );
  procs.push(coord);
  const r = await coord.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /job budget reached \(\$[\d.]+ of \$0\.000001\); \d+ trial\(s\) not dispatched/);
  const ran = completeTrials(join(root, "jobs", "budget"));
  // The first trial spends the budget; at most the one the worker had already taken runs after it.
  assert.ok(ran.size >= 1 && ran.size <= 2, `${ran.size} trials ran`);
  for (const t of ran.values()) assert.ok((t.agent_result?.cost_usd ?? 0) > 0);
});
