import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { openResultsStore } from "../../src/ledger/results-store.ts";
import { keys } from "../../src/queue/protocol.ts";
import { PASS_IF, removeDir, tempDir, writeTask } from "../bench/task-fixtures.ts";
import { completeTrials, type Proc, REPO, readJson, stopAll, switchyard } from "./cli-procs.ts";
import { freePort, type Service, startRedis } from "./services.ts";

/**
 * `switchyard bench --queue` with real `switchyard worker` processes on a private redis-server: a worker SIGKILLed
 * mid-trial, a coordinator killed and re-run, an unreachable Redis, a worker of another version. The tasks are
 * oracle trials that take a few seconds (so there is a "mid-trial" to kill in), half of them failing on purpose.
 */

const root = tempDir("sy-queue-");
const suite = join(root, "suite");
const TASKS = ["q1", "q2", "q3", "q4", "q5", "q6"];
let redis: Service;
let client: Redis;
const procs: Proc[] = [];

// Short lock and stalled-check intervals, so a dead worker's trial comes back in seconds (options, not sleeps).
const WORKER_FLAGS = ["--lock-duration-ms", "4000", "--stalled-interval-ms", "1000"];
const env = { XDG_CACHE_HOME: join(root, "cache"), XDG_DATA_HOME: join(root, "data"), NO_COLOR: "1" };

before(async () => {
  for (const [i, name] of TASKS.entries()) {
    const answer = i % 2 === 0 ? "42" : "41";
    writeTask(suite, name, {
      dockerfile: "FROM debian:bookworm\nWORKDIR /app\n",
      solve: `#!/bin/bash\nsleep 3\necho ${answer} > /app/answer.txt\n`,
      test: PASS_IF('[ "$(cat /app/answer.txt 2>/dev/null)" = 42 ]'),
    });
  }
  redis = await startRedis();
  client = new Redis(redis.url);
});

after(async () => {
  await stopAll(procs);
  client?.disconnect();
  await redis?.stop();
  removeDir(root);
});

function start(args: string[], extraEnv: NodeJS.ProcessEnv = {}, entry?: string): Proc {
  const p = switchyard(args, { cwd: root, env: { ...env, ...extraEnv }, ...(entry ? { entry } : {}) });
  procs.push(p);
  return p;
}

function worker(name: string, entry?: string): Proc {
  return start(
    ["worker", "--queue", redis.url, "--name", name, "--cache-dir", join(root, `cache-${name}`), ...WORKER_FLAGS],
    {},
    entry,
  );
}

function bench(job: string, extra: string[] = []): Proc {
  const store = join(root, `${job}.sqlite`);
  return start([
    "bench",
    suite,
    "--agent",
    "oracle",
    "--out",
    join(root, "jobs"),
    "--job-name",
    job,
    "--store",
    store,
    "--queue",
    redis.url,
    ...extra,
  ]);
}

const verdicts = (jobDir: string) =>
  Object.fromEntries(
    [...completeTrials(jobDir)].map(([name, r]) => [name, r.exception_info ? "error" : r.passed ? "pass" : "fail"]),
  );

async function finishedEvents(jobDir: string): Promise<Map<string, number>> {
  const jobKey = String(readJson(join(jobDir, "result.json")).id);
  const entries = (await client.xrange(keys.events(jobKey), "-", "+")) as Array<[string, string[]]>;
  const counts = new Map<string, number>();
  for (const [, fields] of entries) {
    const o: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) o[fields[i] as string] = fields[i + 1] as string;
    if (o.type === "finished" && o.trial) counts.set(o.trial, (counts.get(o.trial) ?? 0) + 1);
  }
  return counts;
}

let baseline: Record<string, string> = {};

test("in-process baseline", async () => {
  const r = await start([
    "bench",
    suite,
    "--agent",
    "oracle",
    "-n",
    "3",
    "--out",
    join(root, "jobs"),
    "--job-name",
    "local",
    "--store",
    join(root, "local.sqlite"),
  ]).done;
  assert.equal(r.code, 0, r.stderr);
  baseline = verdicts(join(root, "jobs", "local"));
  assert.equal(Object.keys(baseline).length, TASKS.length);
  assert.deepEqual(Object.values(baseline).sort(), ["fail", "fail", "fail", "pass", "pass", "pass"]);
});

test("3 workers, one SIGKILLed mid-trial: every trial recorded exactly once, with the in-process verdicts", async () => {
  const ws = [worker("w1"), worker("w2"), worker("w3")];
  await Promise.all(ws.map((w) => w.waitFor(/waiting for trials/)));
  const coord = bench("three");
  // The first worker to start a trial is killed while its trial's solution still sleeps.
  const first = await Promise.race(ws.map((w) => w.waitFor(/▶ (\S+)/).then((m) => ({ w, trial: m[1] ?? "" }))));
  first.w.child.kill("SIGKILL");
  const r = await coord.done;
  assert.equal(r.code, 0, r.stderr);
  const jobDir = join(root, "jobs", "three");
  assert.deepEqual(verdicts(jobDir), baseline);

  // The killed worker's trial was delivered again and finished by another worker.
  const q = readJson(join(jobDir, first.trial, "queue.json")) as { deliveries: number; worker: { id: string } };
  assert.equal(q.deliveries, 2, JSON.stringify(q));
  assert.notEqual(q.worker.id, first.w === ws[0] ? "w1" : first.w === ws[1] ? "w2" : "w3");
  assert.match(r.stderr, new RegExp(`${first.trial} lost its worker`));

  // Exactly once: one stored result and one "finished" per trial in Redis, one row per trial in the store.
  const events = await finishedEvents(jobDir);
  assert.equal(events.size, TASKS.length);
  assert.ok(
    [...events.values()].every((n) => n === 1),
    JSON.stringify([...events]),
  );
  const store = openResultsStore(join(root, "three.sqlite"));
  const rows = store.trials();
  store.close();
  assert.equal(rows.length, TASKS.length);
  assert.equal(new Set(rows.map((x) => x.taskId)).size, TASKS.length);

  // The job folder has the local run's Harbor layout: the same files in every trial folder (+ queue.json).
  for (const name of Object.keys(baseline)) {
    for (const f of ["config.json", "result.json", "switchyard.json", "trial.jsonl", "verifier/test-stdout.txt"]) {
      assert.ok(existsSync(join(jobDir, name, f)), `${name}/${f}`);
      assert.ok(existsSync(join(root, "jobs", "local", name, f)), `local ${name}/${f}`);
    }
    const res = readJson(join(jobDir, name, "result.json")) as { trial_uri: string; config: { trials_dir: string } };
    assert.equal(res.config.trials_dir, jobDir);
    assert.equal(res.trial_uri, `file://${join(jobDir, name)}`);
  }
});

test("a coordinator killed mid-job resumes by re-running its command; nothing runs twice", async () => {
  const live = procs.filter((p) => p.err().includes("waiting for trials") && p.child.exitCode === null);
  assert.ok(live.length >= 2, "two workers from the previous test are still up");
  const coord = bench("resumed");
  await coord.waitFor(/1\/6 /);
  coord.child.kill("SIGKILL");
  await coord.done;
  // The workers go on without a coordinator; re-running the command collects what finished meanwhile.
  const again = await bench("resumed").done;
  assert.equal(again.code, 0, again.stderr);
  const jobDir = join(root, "jobs", "resumed");
  assert.deepEqual(verdicts(jobDir), baseline);
  assert.match(again.stderr, /already in the queue|finished while no coordinator watched/);
  const events = await finishedEvents(jobDir);
  assert.equal(events.size, TASKS.length);
  assert.ok(
    [...events.values()].every((n) => n === 1),
    JSON.stringify([...events]),
  );
  for (const name of Object.keys(baseline)) {
    assert.equal((readJson(join(jobDir, name, "queue.json")) as { deliveries: number }).deliveries, 1, name);
  }
  const store = openResultsStore(join(root, "resumed.sqlite"));
  assert.equal(store.trials().length, TASKS.length);
  store.close();
});

test("an unreachable Redis is one line naming the URL and the fix, before anything is enqueued", async () => {
  const port = await freePort();
  const url = `redis://:hunter2@127.0.0.1:${port}`;
  const r = await start([
    "bench",
    suite,
    "--agent",
    "oracle",
    "--queue",
    url,
    "--out",
    join(root, "jobs"),
    "--job-name",
    "nowhere",
  ]).done;
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.match(lines[0] ?? "", new RegExp(`cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
  assert.match(r.stderr, /start redis-server there/);
  assert.doesNotMatch(r.stderr, /hunter2|\n\s+at /);
  assert.equal(existsSync(join(root, "jobs", "nowhere")), false, "no job folder, nothing run");
  const w = await start(["worker", "--queue", url]).done;
  assert.equal(w.code, 2, w.stderr);
  assert.match(w.stderr, /cannot reach Redis at/);
  const flag = await start(["bench", suite, "--agent", "oracle", "--rate-limit", "openai=5/s"]).done;
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--rate-limit needs --queue/);
});

test("a worker of another Switchyard version refuses the job, naming both versions; the trial waits for a right one", async () => {
  await stopAll(procs.filter((p) => p.err().includes("waiting for trials")));
  // A build of another version: the same sources under a package.json with another version.
  const other = join(root, "other-version");
  cpSync(join(REPO, "src"), join(other, "src"), { recursive: true });
  cpSync(join(REPO, "bin"), join(other, "bin"), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(other, "node_modules"));
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
  writeFileSync(join(other, "package.json"), JSON.stringify({ ...pkg, version: "0.0.1-other" }));
  const old = worker("old", join(other, "bin", "switchyard.ts"));
  await old.waitFor(/waiting for trials/);
  const coord = bench("versions");
  const refused = await old.done;
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(
    refused.stderr,
    new RegExp(`switchyard ${pkg.version.replace(/\./g, "\\.")}.*switchyard 0\\.0\\.1-other`),
  );
  await coord.waitFor(/worker old refused the job/);
  // A worker of the coordinator's version then runs every trial.
  worker("right");
  const r = await coord.done;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(verdicts(join(root, "jobs", "versions")), baseline);
});

test("an idle worker stopped by Ctrl-C exits 130, by SIGTERM 143 (128 + the signal, as run and bench exit)", async () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    const w = worker(`stop-${signal}`);
    await w.waitFor(/waiting for trials/);
    w.child.kill(signal);
    const r = await w.done;
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, /stopping after the running trials/);
  }
});
