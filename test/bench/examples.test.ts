import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse as parseToml } from "smol-toml";
import { readCompleteTrialResult } from "../../src/bench/trial-result.ts";

/**
 * The bundled example suite (tasks/examples): every task is well formed, the oracle solves every task and doing
 * nothing solves none — run through the real CLI (`switchyard bench`) in the local bwrap environment.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const SUITE = join(ROOT, "tasks", "examples");
const TASKS = readdirSync(SUITE, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const out = mkdtempSync(join(tmpdir(), "switchyard-examples-"));
after(() => rmSync(out, { recursive: true, force: true }));

test("the suite has at least 12 well-formed TB2/Harbor tasks across several categories", () => {
  assert.ok(TASKS.length >= 12, `only ${TASKS.length} tasks`);
  const readme = readFileSync(join(SUITE, "README.md"), "utf8");
  const categories = new Set<string>();
  for (const name of TASKS) {
    const dir = join(SUITE, name);
    for (const f of ["instruction.md", "task.toml", "environment/Dockerfile", "solution/solve.sh", "tests/test.sh"]) {
      assert.ok(existsSync(join(dir, f)), `${name}: missing ${f}`);
    }
    const toml = parseToml(readFileSync(join(dir, "task.toml"), "utf8")) as {
      version?: string;
      metadata?: { author_name?: string; difficulty?: string; category?: string; tags?: string[] };
      verifier?: { timeout_sec?: number };
      agent?: { timeout_sec?: number };
      environment?: { cpus?: number; memory_mb?: number };
    };
    assert.equal(toml.version, "1.0", `${name}: version`);
    assert.ok(toml.metadata?.author_name, `${name}: metadata.author_name`);
    assert.ok(["easy", "medium", "hard"].includes(toml.metadata?.difficulty ?? ""), `${name}: metadata.difficulty`);
    assert.ok(toml.metadata?.category, `${name}: metadata.category`);
    assert.ok((toml.metadata?.tags ?? []).length > 0, `${name}: metadata.tags`);
    assert.ok((toml.verifier?.timeout_sec ?? 0) > 0 && (toml.agent?.timeout_sec ?? 0) > 0, `${name}: timeouts`);
    assert.ok((toml.environment?.cpus ?? 0) > 0 && (toml.environment?.memory_mb ?? 0) > 0, `${name}: resources`);
    categories.add(toml.metadata?.category ?? "");
    const dockerfile = readFileSync(join(dir, "environment", "Dockerfile"), "utf8");
    assert.match(dockerfile, /^FROM \S+/m, `${name}: Dockerfile FROM`);
    assert.match(dockerfile, /^WORKDIR \/app$/m, `${name}: Dockerfile WORKDIR /app`);
    assert.match(readFileSync(join(dir, "tests", "test.sh"), "utf8"), /\/logs\/verifier\/reward\.txt/);
    assert.ok(readme.includes(`\`${name}\``), `README.md does not list ${name}`);
  }
  assert.ok(categories.size >= 6, `categories: ${[...categories].join(", ")}`);
});

test("switchyard bench tasks/examples: the oracle scores 1 and nop scores 0 on every task", () => {
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, "bin", "switchyard.ts"),
      "bench",
      SUITE,
      "--agent",
      "oracle,nop",
      "-n",
      "2",
      "--out",
      out,
      "--job-name",
      "examples",
      "--json",
    ],
    // A guard against a hung bench, not a speed check: 34 trials take ~60 s alone, far more on a loaded machine.
    { encoding: "utf8", timeout: 240_000, cwd: ROOT },
  );
  assert.equal(r.status, 0, `bench exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const jobDir = join(out, "examples");
  const job = JSON.parse(readFileSync(join(jobDir, "switchyard.json"), "utf8")) as { trials: string[] };
  assert.equal(job.trials.length, TASKS.length * 2);
  const results = job.trials.map((t) => {
    const r = readCompleteTrialResult(join(jobDir, t, "result.json"));
    assert.ok(r, `${t}: no complete result`);
    return r;
  });
  const failures: string[] = [];
  for (const t of results) {
    const want = t.agent === "oracle" ? 1 : 0;
    if (t.exception_info)
      failures.push(`${t.trial_name}: ${t.exception_info.exception_type}: ${t.exception_info.exception_message}`);
    else if (t.reward !== want) failures.push(`${t.trial_name}: reward ${t.reward}, expected ${want}`);
  }
  assert.deepEqual(failures, []);
  for (const agent of ["oracle", "nop"] as const) {
    assert.deepEqual(
      results
        .filter((t) => t.agent === agent)
        .map((t) => t.task_name)
        .sort(),
      TASKS,
      `${agent} ran every task once`,
    );
  }
  assert.ok(existsSync(join(jobDir, "report.html")), "the job's report was written");
});
