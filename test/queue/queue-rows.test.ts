import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { type JobOptions, runJob } from "../../src/bench/job.ts";
import type { TrialResult } from "../../src/bench/trial-result.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { createQueueDispatcher } from "../../src/queue/coordinator.ts";
import { decodePack } from "../../src/queue/pack.ts";
import { removeDir, tempDir } from "../bench/task-fixtures.ts";
import { call, ROOT } from "../mcp/helpers.ts";
import { completeTrials, type Proc, readJson, stopAll, switchyard } from "./cli-procs.ts";
import { type Service, startRedis } from "./services.ts";

/**
 * The rows of an MCP-Atlas-style suite (many tasks in one jsonl of one folder, each with its own checksum) on queue
 * workers: the shared folder travels under its own Harbor checksum, the worker loads the row from it and checks
 * the row's checksum, and the verdicts, claims.json and checksums are the in-process ones. A row edited after the
 * job planned it is refused on the worker (unscored, saying why), never run and scored as the planned row.
 */
const isRoot = process.getuid?.() === 0;
const KEY = "test-key-not-secret-0003";
const BUNDLED = join(ROOT, "tasks", "mcp-atlas");
const LINES = readFileSync(join(BUNDLED, "tasks.jsonl"), "utf8").split("\n").filter(Boolean);
const ROWS = ["atlas-close-gateway-duplicate", "atlas-q3-platform-data-sum"];

describe("MCP-Atlas rows on queue workers", { skip: !isRoot && "needs root (bwrap)" }, () => {
  const root = tempDir("sy-queue-rows-");
  const procs: Proc[] = [];
  let redis: Service;
  let mock: MockServer;
  const base = { XDG_DATA_HOME: join(root, "data"), OPENAI_API_KEY: "", NO_COLOR: "1" };
  const keyed = () => ({ ...base, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${mock.url}/v1` });

  /** A copy of the bundled suite (mcp-atlas.toml, environment/) with two of its rows. */
  const suite = (name: string) => {
    const dir = join(root, name);
    cpSync(BUNDLED, dir, { recursive: true });
    const rows = LINES.filter((l) => ROWS.some((r) => l.includes(`"TASK":"${r}"`)));
    writeFileSync(join(dir, "tasks.jsonl"), `${rows.join("\n")}\n`);
    return dir;
  };

  before(async () => {
    redis = await startRedis();
    // The first row's solution; the second row gets the same calls, which it does not enable: a failed trial.
    mock = await startMockServer({
      script: parseMockScript({
        turns: [
          call("mcp__tracker__list_issues", { label: "gateway" }),
          call("mcp__tracker__close_issue", { id: 5, reason: "duplicate", duplicate_of: 1 }),
          call("mcp__memory__search_nodes", { query: "tomas" }),
          { text: "I closed issue 5 as a duplicate of issue 1. Issue 1 belongs to Tomas Lindqvist, extension 4417." },
        ],
      }),
    });
    const w = switchyard(
      ["worker", "--queue", redis.url, "--name", "rows", "--cache-dir", join(root, "worker-cache")],
      { cwd: root, env: keyed() },
    );
    procs.push(w);
    await w.waitFor(/waiting for trials/);
  });

  after(async () => {
    await stopAll(procs);
    await mock?.close();
    await redis?.stop();
    removeDir(root);
  });

  const bench = async (job: string, paths: string[], agent: string, extra: string[], env: NodeJS.ProcessEnv) => {
    const args = ["bench", ...paths, "--agent", agent, "--out", join(root, "jobs"), "--job-name", job];
    const p = switchyard([...args, "--store", join(root, `${job}.sqlite`), ...extra], { cwd: root, env });
    procs.push(p);
    const r = await p.done;
    assert.equal(r.code, 0, r.stderr);
    return completeTrials(join(root, "jobs", job));
  };
  const claims = (job: string, trial: string) =>
    readJson(join(root, "jobs", job, trial, "verifier", "claims.json")) as { verdicts: unknown[] };
  const verdict = (t: TrialResult | undefined) => ({
    reward: t?.reward,
    passed: t?.passed,
    exception: t?.exception_info?.exception_type ?? null,
    task_checksum: t?.task_checksum,
    task_dir: t?.task_dir,
    coverage: t?.mcp?.coverage,
    missing: t?.mcp?.missing_claims,
    tool_calls: t?.mcp?.diagnostics.tool_calls,
    tool_errors: t?.mcp?.diagnostics.tool_errors,
  });

  it("a suite's rows run on a worker with the in-process verdicts, checksums and claims.json", {
    timeout: 300_000,
  }, async () => {
    const dir = suite("suite");
    const local = await bench("rows-local", [dir], "openai/gpt-5.5", [], keyed());
    const queued = await bench("rows-queued", [dir], "openai/gpt-5.5", ["--queue", redis.url], base);
    assert.deepEqual([...queued.keys()].sort(), [...local.keys()].sort());
    assert.equal(local.size, 2);
    for (const [name, l] of local) {
      assert.deepEqual(verdict(queued.get(name)), verdict(l), name);
      assert.deepEqual(claims("rows-queued", name).verdicts, claims("rows-local", name).verdicts, name);
      const q = readJson(join(root, "jobs", "rows-queued", name, "queue.json"));
      assert.equal((q.worker as { id: string }).id, "rows");
    }
    const passed = [...local.values()].map((t) => [t.task_name, t.passed]);
    assert.deepEqual(Object.fromEntries(passed), { [ROWS[0] as string]: true, [ROWS[1] as string]: false });
  });

  it("a rows file given alone travels as that file and environment/, not the rest of its folder", {
    timeout: 300_000,
  }, async () => {
    const dir = suite("alone");
    writeFileSync(join(dir, "unrelated.txt"), "not part of the rows' folder\n");
    const trials = await bench("rows-alone", [join(dir, "tasks.jsonl")], "oracle", ["--queue", redis.url], base);
    assert.deepEqual(
      [...trials.values()].map((t) => [t.task_name, t.reward, t.exception_info]).sort(),
      ROWS.map((r) => [r, 1, null]),
    );
    const client = new Redis(redis.url);
    try {
      const tops: string[][] = [];
      for (const key of await client.keys("switchyard:task:*")) {
        const blob = await client.getBuffer(key);
        const pack = blob ? decodePack(blob, key) : undefined;
        const top = [...new Set(pack?.entries.map((e) => e.path.split("/")[0] ?? ""))].sort();
        if (!top.includes("mcp-atlas.toml")) tops.push(top);
      }
      assert.deepEqual(tops, [["environment", "tasks.jsonl"]]);
    } finally {
      client.disconnect();
    }
  });

  it("a row edited after the job planned it is refused on the worker, unscored and saying why; the other row runs; --resume runs the edited row", {
    timeout: 300_000,
  }, async () => {
    const dir = suite("edited");
    const file = join(dir, "tasks.jsonl");
    const queue = createQueueDispatcher({ url: redis.url, budgetUsd: null, rateLimits: [], artifactMaxBytes: 1 << 20 });
    const job: JobOptions = {
      paths: [dir],
      agents: [{ kind: "oracle" }],
      k: 1,
      n: 1,
      outDir: join(root, "jobs"),
      jobName: "rows-edited",
      resume: false,
      timeoutMultiplier: 1,
      env: "local",
      strictEnv: false,
      resultsDb: false,
      reports: false,
    };
    const { trials } = await runJob({
      ...job,
      // Planned, then the first row is edited before the folder is published and the trials enqueued.
      dispatch: async (planned, ctx) => {
        const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
        const i = lines.findIndex((l) => l.includes(`"TASK":"${ROWS[0]}"`));
        const row = JSON.parse(lines[i] as string) as Record<string, unknown>;
        lines[i] = JSON.stringify({ ...row, PROMPT: `${String(row.PROMPT)} (edited)` });
        writeFileSync(file, `${lines.join("\n")}\n`);
        return queue(planned, ctx);
      },
    });
    const edited = trials.find((t) => t.task_name === ROWS[0]);
    const other = trials.find((t) => t.task_name === ROWS[1]);
    assert.equal(edited?.reward, null, "unscored, not run");
    assert.equal(edited?.exception_info?.exception_type, "InternalError");
    assert.match(
      edited?.exception_info?.exception_message ?? "",
      new RegExp(
        `task ${ROWS[0]}: its row in edited/tasks\\.jsonl hashes to [0-9a-f]{64} on this worker, not ${edited?.task_checksum} as the job planned it; refused, not run`,
      ),
    );
    assert.equal(other?.reward, 1, JSON.stringify(other?.exception_info));
    assert.equal(other?.exception_info, null);

    // The edited row has another checksum now: --resume plans it again and it runs; the other row is kept.
    const warnings: string[] = [];
    const resumed = await runJob({
      ...job,
      resume: true,
      dispatch: queue,
      onEvent: (ev) => {
        if (ev.type === "warning") warnings.push(ev.message);
      },
    });
    const rerun = resumed.trials.find((t) => t.task_name === ROWS[0]);
    assert.equal(rerun?.reward, 1, JSON.stringify(rerun?.exception_info));
    assert.notEqual(rerun?.task_checksum, edited?.task_checksum);
    assert.deepEqual(warnings, [`task ${ROWS[0]} changed on disk: its 1 finished trial(s) run again`]);
    assert.deepEqual(resumed.trials.find((t) => t.task_name === ROWS[1])?.started_at, other?.started_at);
  });
});
