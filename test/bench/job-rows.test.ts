import assert from "node:assert/strict";
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { taskChecksum } from "../../src/bench/dirhash.ts";
import { type JobOptions, runJob } from "../../src/bench/job.ts";
import { IDENTITY_FILE, jobTask, taskDigest } from "../../src/bench/job-config.ts";
import { loadAtlasSuite } from "../../src/bench/mcp-atlas/suite.ts";
import { loadSuite } from "../../src/bench/task.ts";
import { ConfigError } from "../../src/core/errors.ts";
import { openResultsStore } from "../../src/ledger/results-store.ts";
import { ROOT } from "../mcp/helpers.ts";

/**
 * Per-task provenance for suites whose tasks share one folder: each row of an MCP-Atlas-style suite has its own
 * checksum (its row, the suite's settings, the shared environment and server code), so editing one row changes
 * neither another row's checksum, nor its resume identity, nor its task_checksum in the results store; a resumed
 * job reruns only the edited row. Folder tasks keep Harbor's checksum, and an edited folder task is still refused.
 */
const tmp = mkdtempSync(join(tmpdir(), "sy-job-rows-"));
chmodSync(tmp, 0o711);
after(() => rmSync(tmp, { recursive: true, force: true }));

const BUNDLED = join(ROOT, "tasks", "mcp-atlas");
const TB2 = join(ROOT, "tasks", "examples", "csv-sales-summary");
const LINES = readFileSync(join(BUNDLED, "tasks.jsonl"), "utf8").split("\n").filter(Boolean);

/** A copy of the bundled suite with its first three rows. */
function suite(name: string): string {
  const dir = join(tmp, name);
  cpSync(BUNDLED, dir, { recursive: true });
  writeFileSync(join(dir, "tasks.jsonl"), `${LINES.slice(0, 3).join("\n")}\n`);
  return dir;
}

function rows(dir: string): Array<Record<string, unknown>> {
  return readFileSync(join(dir, "tasks.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function writeRows(dir: string, rs: Array<Record<string, unknown>>): void {
  writeFileSync(join(dir, "tasks.jsonl"), `${rs.map((r) => JSON.stringify(r)).join("\n")}\n`);
}

const digests = (dir: string) => new Map(loadAtlasSuite(dir).tasks.map((t) => [t.name, taskDigest(t)]));

test("each row has its own checksum: editing row 2 keeps rows 1 and 3; a shared file changes them all", () => {
  const dir = suite("checksums");
  const before = digests(dir);
  const [r1, r2, r3] = rows(dir);
  assert.ok(r1 && r2 && r3);
  const names = [r1.TASK, r2.TASK, r3.TASK] as string[];
  assert.equal(new Set(before.values()).size, 3, "three rows, three checksums");
  for (const d of before.values()) {
    assert.match(d, /^[0-9a-f]{64}$/);
    assert.notEqual(d, taskChecksum(dir), "not the folder's dirhash");
  }

  writeRows(dir, [r1, { ...r2, PROMPT: `${String(r2.PROMPT)} Answer in one sentence.` }, r3]);
  const edited = digests(dir);
  assert.equal(edited.get(names[0] ?? ""), before.get(names[0] ?? ""));
  assert.equal(edited.get(names[2] ?? ""), before.get(names[2] ?? ""));
  assert.notEqual(edited.get(names[1] ?? ""), before.get(names[1] ?? ""));

  // The same row spelled differently (keys reordered, rows reordered, another row added) is the same task.
  const reordered = Object.fromEntries(Object.entries(r1).reverse());
  writeRows(dir, [r3, reordered, { ...r2, TASK: "atlas-extra-row" }]);
  const respelled = digests(dir);
  assert.equal(respelled.get(names[0] ?? ""), before.get(names[0] ?? ""));
  assert.equal(respelled.get(names[2] ?? ""), before.get(names[2] ?? ""));

  // What every row uses: the environment's data, the suite's settings.
  writeRows(dir, [r1, r2, r3]);
  writeFileSync(join(dir, "environment", "data", "memory.json"), "{}\n");
  const envEdited = digests(dir);
  for (const n of names) assert.notEqual(envEdited.get(n), before.get(n), `${n}: environment/ changed`);
  const toml = readFileSync(join(dir, "mcp-atlas.toml"), "utf8");
  writeFileSync(join(dir, "mcp-atlas.toml"), toml.replace(/pass_threshold = [\d.]+/, "pass_threshold = 0.5"));
  const settings = digests(dir);
  for (const n of names) assert.notEqual(settings.get(n), envEdited.get(n), `${n}: pass_threshold changed`);
});

test("a folder task keeps Harbor's checksum (the dirhash of its folder)", () => {
  const [task] = loadSuite([TB2]).tasks;
  assert.ok(task);
  assert.deepEqual(jobTask(task), { name: task.name, path: TB2, digest: taskChecksum(TB2) });
});

test("a resumed job after editing one row reruns only that row; the store's task_checksum follows each row", async () => {
  const dir = suite("resume");
  const db = join(tmp, "resume.sqlite");
  const warnings: string[] = [];
  const opts: JobOptions = {
    paths: [dir],
    agents: [{ kind: "nop" }],
    k: 1,
    n: 2,
    outDir: join(tmp, "jobs"),
    jobName: "rows",
    resume: false,
    timeoutMultiplier: 1,
    env: "local",
    strictEnv: false,
    reports: false,
    resultsDb: db,
    onEvent: (ev) => {
      if (ev.type === "warning") warnings.push(ev.message);
    },
  };
  const first = await runJob(opts);
  assert.equal(first.trials.length, 3);
  for (const t of first.trials) assert.equal(t.exception_info, null, JSON.stringify(t.exception_info));
  const sums = new Map(first.trials.map((t) => [t.task_name, t.task_checksum]));
  assert.equal(new Set(sums.values()).size, 3);
  const ids = new Map(first.trials.map((t) => [t.task_name, t.id]));

  const [r1, r2, r3] = rows(dir);
  assert.ok(r1 && r2 && r3);
  const edited = String(r2.TASK);
  writeRows(dir, [r1, { ...r2, PROMPT: `${String(r2.PROMPT)} Be brief.` }, r3]);
  const again = await runJob({ ...opts, resume: true });
  assert.equal(again.trials.length, 3);
  for (const t of again.trials) {
    if (t.task_name === edited) {
      assert.notEqual(t.id, ids.get(t.task_name), "the edited row ran again");
      assert.notEqual(t.task_checksum, sums.get(t.task_name));
    } else {
      assert.equal(t.id, ids.get(t.task_name), `${t.task_name} was kept`);
      assert.equal(t.task_checksum, sums.get(t.task_name));
    }
  }
  assert.deepEqual(
    warnings.filter((w) => w.startsWith("task ")),
    [`task ${edited} changed on disk: its 1 finished trial(s) run again`],
  );
  const identity = JSON.parse(readFileSync(join(first.jobDir, IDENTITY_FILE), "utf8")) as {
    tasks: Array<{ name: string; digest: string; row?: boolean }>;
  };
  assert.ok(identity.tasks.every((t) => t.row === true));
  assert.equal(
    identity.tasks.find((t) => t.name === edited)?.digest,
    again.trials.find((t) => t.task_name === edited)?.task_checksum,
  );

  const store = openResultsStore(db);
  try {
    const stored = new Map(store.trials({ jobId: "rows" }).map((r) => [r.taskId, r.taskChecksum]));
    assert.equal(stored.size, 3, "one row per trial");
    for (const t of again.trials) assert.equal(stored.get(t.task_name), t.task_checksum, t.task_name);
  } finally {
    store.close();
  }

  // A third run with nothing edited keeps everything.
  const third = await runJob({ ...opts, resume: true });
  assert.deepEqual(
    third.trials.map((t) => t.id),
    again.trials.map((t) => t.id),
  );
});

test("an edited folder task still refuses --resume; an edited row beside it does not hide that", async () => {
  const dir = suite("mixed");
  const tb2 = join(tmp, "csv-sales-summary");
  cpSync(TB2, tb2, { recursive: true });
  const opts: JobOptions = {
    paths: [dir, tb2],
    agents: [{ kind: "nop" }],
    k: 1,
    n: 2,
    outDir: join(tmp, "jobs"),
    jobName: "mixed",
    resume: false,
    timeoutMultiplier: 1,
    env: "local",
    strictEnv: false,
    reports: false,
    resultsDb: false,
  };
  await runJob(opts);
  const [r1, ...rest] = rows(dir);
  assert.ok(r1);
  writeRows(dir, [{ ...r1, PROMPT: "Something else entirely." }, ...rest]);
  writeFileSync(join(tb2, "instruction.md"), "changed\n");
  await assert.rejects(runJob({ ...opts, resume: true }), /task csv-sales-summary changed on disk/);
});

test("a dispatcher (the queue) gets row tasks; rows its suite names outside its folder are refused before anything is written", async () => {
  const dir = suite("dispatch");
  const opts = (out: string): JobOptions => ({
    paths: [dir],
    agents: [{ kind: "nop" }],
    k: 1,
    n: 1,
    outDir: out,
    jobName: "queued",
    resume: false,
    timeoutMultiplier: 1,
    env: "local",
    strictEnv: false,
    resultsDb: false,
    reports: false,
    dispatch: async (trials) => {
      dispatched.push(...trials.map((t) => t.task.mcpAtlas?.origin));
    },
  });
  const dispatched: unknown[] = [];
  await runJob(opts(join(tmp, "dispatch-jobs")));
  assert.deepEqual(
    dispatched,
    [0, 1, 2].map(() => ({ file: join(dir, "tasks.jsonl"), manifest: true })),
  );

  dispatched.length = 0;
  writeFileSync(join(tmp, "outside.jsonl"), readFileSync(join(dir, "tasks.jsonl")));
  const toml = join(dir, "mcp-atlas.toml");
  writeFileSync(toml, readFileSync(toml, "utf8").replace('tasks = ["tasks.jsonl"]', 'tasks = ["../outside.jsonl"]'));
  const out = join(tmp, "dispatch-outside");
  await assert.rejects(
    runJob(opts(out)),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.startsWith(`${join(tmp, "outside.jsonl")}: MCP-Atlas rows outside their suite folder cannot be sent`) &&
      e.field === "--queue",
  );
  assert.equal(dispatched.length, 0);
  assert.equal(existsSync(out), false, "no job folder was written");
});
