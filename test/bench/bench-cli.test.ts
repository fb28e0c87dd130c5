import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { PASS_IF, removeDir, simpleTask, tempDir, writeTask } from "./task-fixtures.ts";

const repo = new URL("../../", import.meta.url).pathname;
const root = tempDir();
after(() => removeDir(root));

function bench(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(repo, "bin", "switchyard.js"), "bench", ...args], {
    cwd: root,
    env: {
      ...process.env,
      SWITCHYARD_RESULTS_DB: join(root, "results.sqlite"),
      PATH: process.env.PATH ?? "",
      ...extraEnv,
    },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("--json prints one line per trial and a job line; exit 0 even when a trial fails", () => {
  const suite = join(root, "suite");
  simpleTask(suite, "hello");
  const r = bench([suite, "--agent", "oracle,nop", "--json", "--out", join(root, "jobs"), "--job-name", "j"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => [l.type, l.trial_name ?? l.id, l.reward ?? null]),
    [
      ["trial", "hello__oracle__1", 1],
      ["trial", "hello__nop__1", 0],
      ["job", "j", null],
    ],
  );
  assert.equal(lines[2].n_completed, 2);
});

test("bad input exits 2 with a message naming the problem", () => {
  const missing = bench([join(root, "nowhere"), "--agent", "oracle"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nowhere: no such task or suite folder/);
  const badK = bench([root, "--agent", "oracle", "-k", "0"]);
  assert.equal(badK.code, 2);
  assert.match(badK.stderr, /-k 0: must be a whole number/);
  const badEnv = bench([root, "--agent", "oracle", "--env", "podman"]);
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.stderr, /--env podman: must be local or docker/);
  const typo = bench([join(root, "suite"), "--agent", "orcale"]);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /--agent: 'orcale' is neither an agent nor a model; did you mean: oracle\?/);
});

test("--env docker without a reachable engine says so and suggests --env local", () => {
  const r = bench([join(root, "suite"), "--agent", "oracle", "--env", "docker"]);
  if (r.code === 0) return; // a Docker engine is reachable on this machine: nothing to assert
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no Docker engine reachable.*use --env local/);
});

test("--budget-usd limits each model-agent trial, and --resume refuses a changed limit", () => {
  const suite = join(root, "budget-suite");
  simpleTask(suite, "hello");
  const out = join(root, "jobs");
  const env = {
    OPENAI_API_KEY: "test-key",
    // Never reached: the first request would already cost more than the budget, so none is sent.
    OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
  };
  const args = [suite, "--agent", "openai/gpt-5.5", "--out", out, "--job-name", "budget", "--json"];
  const r = bench([...args, "--budget-usd", "0.000001"], env);
  assert.equal(r.code, 0, r.stderr);
  const trial = JSON.parse(r.stdout.trim().split("\n")[0] ?? "{}");
  assert.equal(trial.agent_result?.end_state, "budget_exhausted");
  assert.equal(trial.agent_result?.n_input_tokens, 0, "no request was sent");

  const again = bench([...args, "--budget-usd", "1", "--resume"], env);
  assert.equal(again.code, 2, again.stderr);
  assert.match(again.stderr, /agent_limits/);
});

test("a malformed task.toml exits 2 naming file, line and column; --skip-bad-tasks runs the rest and lists it", () => {
  const suite = join(root, "bad-suite");
  simpleTask(suite, "fine");
  writeTask(suite, "typo", { toml: 'version = "1.0"\n[agent\ntimeout_sec = 60\n', test: PASS_IF("true") });
  const refused = bench([suite, "--agent", "oracle", "--out", join(root, "jobs"), "--job-name", "bad"]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /typo\/task\.toml:2:\d+: not valid TOML/);
  assert.match(refused.stderr, /--skip-bad-tasks/);
  const skipped = bench([
    suite,
    "--agent",
    "oracle",
    "--out",
    join(root, "jobs"),
    "--job-name",
    "bad",
    "--skip-bad-tasks",
  ]);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.match(
    skipped.stdout,
    /skipped tasks \(--skip-bad-tasks; not part of the results\):\n {2}typo: .*task\.toml:2:\d+/,
  );
  assert.match(skipped.stdout, /fine__oracle__1|oracle/);
});

test("--agent auto checks the key of every model the router may pick before any trial starts", () => {
  const suite = join(root, "auto-suite");
  simpleTask(suite, "auto-task");
  const toml = join(root, "auto.toml");
  writeFileSync(toml, '[router.rules]\npatch = "anthropic/claude-opus-4-7"\n');
  const r = bench([suite, "--agent", "auto", "--config", toml, "--out", join(root, "jobs"), "--job-name", "auto"], {
    OPENAI_API_KEY: "sk-test",
    ANTHROPIC_API_KEY: "",
    SWITCHYARD_NO_USER_CONFIG: "1",
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--agent auto may route to anthropic\/claude-opus-4-7: ANTHROPIC_API_KEY is not set/);
  assert.equal(existsSync(join(root, "jobs", "auto")), false, "no trial started");
});
