/**
 * Queue figures: the per-trial overhead `bench --queue` adds over the in-process pool (one worker, one trial at a
 * time, against `-n 1` in-process on the same trivial tasks), and trials per minute with 1, 2 and 4 `switchyard
 * worker` processes (each `-n 1`). Starts a private redis-server; prints figures with their goals; asserts nothing.
 * Run: npx node bench/queue.ts [--trials 16]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { runJob } from "../src/bench/job.ts";
import { createQueueDispatcher } from "../src/queue/coordinator.ts";
import { PASS_IF, removeDir, tempDir, writeTask } from "../test/bench/task-fixtures.ts";
import { startRedis } from "../test/queue/services.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const at = process.argv.indexOf("--trials");
const TRIALS = Number((at >= 0 ? process.argv[at + 1] : undefined) ?? 16);

const root = tempDir("sy-bench-queue-");
const suite = join(root, "suite");
for (let i = 0; i < TRIALS; i++) {
  writeTask(suite, `trivial-${String(i).padStart(2, "0")}`, {
    solve: "#!/bin/bash\necho 42 > /app/answer.txt\n",
    test: PASS_IF('[ "$(cat /app/answer.txt)" = 42 ]'),
  });
}
const redis = await startRedis();

function row(name: string, value: string, goal = ""): void {
  console.log(`${name.padEnd(48)} ${value.padStart(12)}  ${goal}`);
}

const taskDirs = Array.from({ length: TRIALS }, (_, i) => join(suite, `trivial-${String(i).padStart(2, "0")}`));

let jobNo = 0;
async function timeJob(queue: boolean, count = TRIALS): Promise<number> {
  const t0 = performance.now();
  const out = await runJob({
    paths: taskDirs.slice(0, count),
    agents: [{ kind: "oracle" }],
    k: 1,
    n: 1,
    resume: false,
    timeoutMultiplier: 1,
    env: "local",
    strictEnv: false,
    outDir: join(root, "jobs"),
    jobName: `job-${++jobNo}`,
    resultsDb: false,
    reports: false,
    ...(queue
      ? { dispatch: createQueueDispatcher({ url: redis.url, budgetUsd: null, rateLimits: [], artifactMaxBytes: 50e6 }) }
      : {}),
  });
  const ms = performance.now() - t0;
  const passed = out.trials.filter((t) => t.passed).length;
  if (passed !== count) throw new Error(`${passed}/${count} trials passed in ${out.jobDir}`);
  return ms;
}

async function startWorkers(count: number): Promise<ChildProcess[]> {
  const ws: ChildProcess[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const child = spawn(
        process.execPath,
        [join(ROOT, "bin", "switchyard.ts"), "worker", "--queue", redis.url, "--name", `w${i + 1}`],
        {
          cwd: root,
          env: { ...process.env, XDG_CACHE_HOME: join(root, `cache-${i}`) },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      ws.push(child);
      return new Promise<void>((resolve, reject) => {
        let err = "";
        child.stderr?.on("data", (b) => {
          err += b;
          if (err.includes("waiting for trials")) resolve();
        });
        child.once("exit", () => reject(new Error(`worker exited: ${err}`)));
      });
    }),
  );
  return ws;
}

async function stopWorkers(ws: ChildProcess[]): Promise<void> {
  await Promise.all(
    ws.map(
      (w) =>
        new Promise<void>((resolve) => {
          w.removeAllListeners("exit");
          w.once("exit", () => resolve());
          w.kill("SIGTERM");
        }),
    ),
  );
}

try {
  console.log(`switchyard queue bench: ${TRIALS} trivial oracle trials, ${availableParallelism()} cores\n`);
  await timeJob(false); // warm-up (page cache, first bwrap)
  const half = Math.max(1, Math.floor(TRIALS / 2));
  const local = await timeJob(false);
  const localHalf = await timeJob(false, half);
  const one = await startWorkers(1);
  await timeJob(true); // warm-up: the worker fetches and caches the tasks
  const queued = await timeJob(true);
  const queuedHalf = await timeJob(true, half);
  await stopWorkers(one);
  const slope = (full: number, part: number) => (full - part) / (TRIALS - half);
  row("in-process pool, -n 1: ms per trial", (local / TRIALS).toFixed(0));
  row("queue, 1 worker -n 1: ms per trial", (queued / TRIALS).toFixed(0));
  row("queue overhead per trial, job set-up included", `${((queued - local) / TRIALS).toFixed(1)} ms`);
  row(
    `queue overhead per extra trial (${half} → ${TRIALS} trials)`,
    `${(slope(queued, queuedHalf) - slope(local, localHalf)).toFixed(1)} ms`,
    "goal ≤ 20 ms",
  );
  const perMin: number[] = [];
  for (const n of [1, 2, 4]) {
    const ws = await startWorkers(n);
    await timeJob(true);
    const ms = await timeJob(true);
    await stopWorkers(ws);
    perMin.push((TRIALS / ms) * 60_000);
    const base = perMin[0] ?? 1;
    const scale = (perMin.at(-1) ?? 0) / base;
    row(
      `trials per minute, ${n} worker(s)`,
      (perMin.at(-1) ?? 0).toFixed(1),
      n === 1 ? "" : `${scale.toFixed(2)}× of 1 worker (goal ≥ ${(0.9 * n).toFixed(1)}× where cores allow)`,
    );
  }
} finally {
  await redis.stop();
  removeDir(root);
}
