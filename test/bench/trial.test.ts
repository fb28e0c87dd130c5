import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { AgentSpec } from "../../src/bench/agent-spec.ts";
import { createLocalEnvironment } from "../../src/bench/local-env.ts";
import { loadTask } from "../../src/bench/task.ts";
import { runTrial } from "../../src/bench/trial.ts";
import { readCompleteTrialResult } from "../../src/bench/trial-result.ts";
import { PASS_IF, removeDir, simpleTask, tempDir, writeTask } from "./task-fixtures.ts";

const root = tempDir();
const out = tempDir("sy-bench-out-");
// Scratch must be reachable by the sandbox user (uid 1000 when the tests run as root), unlike mkdtemp's 0700.
const scratchRoot = tempDir("sy-bench-scratch-");
chmodSync(scratchRoot, 0o711);
after(() => {
  removeDir(root);
  removeDir(out);
  removeDir(scratchRoot);
});

let seq = 0;
function trial(taskDir: string, agent: AgentSpec, extra: { timeoutMultiplier?: number; strictEnv?: boolean } = {}) {
  const name = `t${++seq}`;
  return runTrial({
    task: loadTask(taskDir),
    agent,
    attempt: 1,
    trialName: name,
    trialDir: join(out, name),
    scratchDir: join(scratchRoot, name),
    timeoutMultiplier: extra.timeoutMultiplier ?? 1,
    strictEnv: extra.strictEnv ?? false,
  });
}

test("the oracle scores 1 and nop scores 0, with Harbor-shaped results", async () => {
  const dir = simpleTask(root, "hello");
  const o = await trial(dir, { kind: "oracle" });
  assert.equal(o.reward, 1);
  assert.equal(o.passed, true);
  assert.equal(o.exception_info, null);
  assert.deepEqual(o.verifier_result, { rewards: { reward: 1 } });
  assert.equal(o.category, "test");
  assert.equal(o.difficulty, "easy");
  assert.ok(o.environment_setup && o.agent_execution && o.verifier);
  // result.json (Harbor's TrialResult) and switchyard.json read back as the trial that was returned.
  assert.deepEqual(readCompleteTrialResult(join(out, o.trial_name, "result.json")), o);
  assert.ok(existsSync(join(out, o.trial_name, "verifier", "reward.txt")));
  assert.ok(existsSync(join(out, o.trial_name, "verifier", "test-stdout.txt")));
  assert.ok(!existsSync(join(scratchRoot, o.trial_name)), "the trial's file system is removed");
  const n = await trial(dir, { kind: "nop" });
  assert.equal(n.reward, 0);
  assert.equal(n.passed, false);
  assert.equal(n.exception_info, null);
});

test("Dockerfile WORKDIR, ENV, COPY and offline RUN apply; network RUN steps are skipped as reduced fidelity", async () => {
  const dir = writeTask(root, "docker", {
    dockerfile: [
      "FROM ubuntu:24.04",
      "RUN apt-get update && apt-get install -y jq",
      "WORKDIR /opt/work",
      "ENV GREETING=hello",
      "COPY --chown=1000:1000 seed/ ./seed/",
      "COPY one.txt /data/",
      "RUN cat seed/a.txt > built.txt && echo $GREETING >> built.txt",
    ].join("\n"),
    context: { "seed/a.txt": "A\n", "one.txt": "1\n" },
    solve: "#!/bin/bash\npwd > where.txt\n",
    test: PASS_IF(
      '[ "$(cat /opt/work/built.txt)" = "$(printf "A\\nhello")" ] && [ -f /data/one.txt ] && [ "$(cat /opt/work/where.txt)" = /opt/work ] && [ "$GREETING" = hello ]',
    ),
  });
  const r = await trial(dir, { kind: "oracle" });
  assert.equal(r.reward, 1, JSON.stringify(r, null, 1));
  assert.equal(r.fidelity.reduced, true);
  assert.ok(r.fidelity.notes.some((n) => /FROM ubuntu:24\.04 ignored/.test(n)));
  assert.ok(r.fidelity.notes.some((n) => /line 2: RUN apt-get .* skipped: needs network\/image/.test(n)));
  const strict = await trial(dir, { kind: "oracle" }, { strictEnv: true });
  assert.equal(strict.exception_info?.exception_type, "EnvironmentUnsupportedError");
  assert.equal(strict.reward, null);
});

test("BuildKit heredocs run (RUN <<EOT, COPY <<EOF); COPY --from is noted as not reproduced", async () => {
  const dir = writeTask(root, "heredoc", {
    dockerfile: [
      "FROM python:3.12-slim AS build",
      "FROM python:3.12-slim",
      "WORKDIR /app",
      "RUN <<EOT",
      "mkdir -p data",
      "echo hi > data/hello.txt",
      "EOT",
      "COPY <<EOF /app/conf.ini",
      "port = 8080",
      "EOF",
      "COPY --from=build /usr/bin/env /app/env-bin",
    ].join("\n"),
    solve: "#!/bin/bash\ntrue\n",
    test: PASS_IF('[ "$(cat /app/data/hello.txt)" = hi ] && grep -q "port = 8080" /app/conf.ini'),
  });
  const r = await trial(dir, { kind: "oracle" });
  assert.equal(r.reward, 1, JSON.stringify(r, null, 1));
  assert.ok(
    r.fidelity.notes.some((n) => /line 11: COPY --from=build .* skipped/.test(n)),
    r.fidelity.notes.join("\n"),
  );
});

test("a test.sh that fetches pytest with uvx runs the machine's pytest, and the result says so", async () => {
  const dir = writeTask(root, "uvx", {
    solve: "#!/bin/bash\necho ok > /app/out.txt\n",
    test: [
      "#!/bin/bash",
      "apt-get update && apt-get install -y curl",
      "uvx -p 3.13 -w pytest==8.4.1 -w pytest-json-ctrf==0.3.5 pytest --ctrf /logs/verifier/ctrf.json /tests/test_outputs.py -rA",
      "if [ $? -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi",
    ].join("\n"),
    testFiles: { "test_outputs.py": "def test_out():\n    assert open('/app/out.txt').read() == 'ok\\n'\n" },
  });
  const pass = await trial(dir, { kind: "oracle" });
  assert.equal(pass.reward, 1, readFileSync(join(out, pass.trial_name, "verifier", "test-stdout.txt"), "utf8"));
  assert.equal(pass.fidelity.reduced, true);
  assert.ok(pass.fidelity.notes.some((n) => /uvx pytest: ran the machine's own pytest/.test(n)));
  // --ctrf is kept for the pytest that accepts it (here the verifier's stand-in plugin), so the report is written.
  const ctrf = JSON.parse(readFileSync(join(out, pass.trial_name, "verifier", "ctrf.json"), "utf8"));
  assert.equal(ctrf.results.summary.passed, 1);
  const fail = await trial(dir, { kind: "nop" });
  assert.equal(fail.reward, 0, "a failing pytest still scores 0 through the stand-in");
});

test("a test.sh that runs pytest --ctrf itself, without pytest-json-ctrf installed, gets a stand-in that writes the report, and the result says so", async () => {
  const dir = writeTask(root, "ctrf", {
    dockerfile: "FROM python:3.12-slim\nWORKDIR /app\nRUN pip install pytest==8.4.1 pytest-json-ctrf==0.3.5\n",
    solve: "#!/bin/bash\necho ok > /app/out.txt\n",
    test: [
      "#!/bin/bash",
      "python3 -m pytest --ctrf /logs/verifier/ctrf.json /tests/test_outputs.py -rA",
      "if [ $? -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi",
    ].join("\n"),
    testFiles: {
      "test_outputs.py":
        "import pytest\n\ndef test_out():\n    assert open('/app/out.txt').read() == 'ok\\n'\n\n@pytest.mark.skip\ndef test_later():\n    pass\n",
    },
  });
  const pass = await trial(dir, { kind: "oracle" });
  const verifier = join(out, pass.trial_name, "verifier");
  assert.equal(pass.reward, 1, readFileSync(join(verifier, "test-stdout.txt"), "utf8"));
  const report = JSON.parse(readFileSync(join(verifier, "ctrf.json"), "utf8"));
  assert.deepEqual(
    { ...report.results.summary, start: 0, stop: 0 },
    { tests: 2, passed: 1, failed: 0, skipped: 1, pending: 0, other: 0, start: 0, stop: 0 },
  );
  assert.ok(pass.fidelity.notes.some((n) => /pytest --ctrf .*: pytest-json-ctrf is not installed offline/.test(n)));
  const fail = await trial(dir, { kind: "nop" });
  assert.equal(fail.reward, 0, "the tests still decide: nop fails them");
});

test("an oracle whose solve.sh cannot run a tool a skipped step would have installed gets its 0 explained from the oracle's own log", async () => {
  const dir = writeTask(root, "needs-frobc", {
    dockerfile:
      "FROM debian:bookworm\nWORKDIR /app\nRUN curl -fsSL https://example.invalid/frobc.tgz | tar -xz -C /opt && ln -s /opt/frobc/bin/frobc /usr/local/bin/frobc\n",
    solve: "#!/bin/bash\nfrobc build -o /app/out.bin\n",
    test: PASS_IF("[ -f /app/out.bin ]"),
  });
  // The verifier's own build.log is read too (a test.sh that rebuilds with the same tool).
  const rebuild = writeTask(root, "rebuilds-with-frobc", {
    dockerfile:
      "FROM debian:bookworm\nWORKDIR /app\nRUN curl -fsSL https://example.invalid/frobc.tgz | tar -xz -C /opt\n",
    test: `#!/bin/bash\nfrobc build >> /logs/verifier/build.log 2>&1\n${PASS_IF("[ -f /app/out.bin ]").split("\n").slice(1).join("\n")}`,
  });
  const n = await trial(rebuild, { kind: "nop" });
  assert.ok(
    n.fidelity.notes.some((x) => /frobc was not installed/.test(x)),
    n.fidelity.notes.join("\n"),
  );
  assert.equal(n.exception_info?.exception_type, "EnvironmentSetupError", "nop's 0 tests nothing here either");
  const r = await trial(dir, { kind: "oracle" });
  assert.equal(r.reward, 0);
  assert.equal(r.exception_info?.exception_type, "EnvironmentSetupError", "unscored, not a 0 against the oracle");
  assert.ok(
    r.fidelity.notes.some((n) =>
      /^reward likely limited by the offline environment: frobc was not installed \(RUN curl .* skipped, Dockerfile line 3\)$/.test(
        n,
      ),
    ),
    r.fidelity.notes.join("\n"),
  );
});

test("a server the oracle leaves running stops with its phase here (Harbor's container keeps it): the result says so; a solve.sh that leaves nothing gets no such note", async () => {
  const dir = writeTask(root, "leaves-server", {
    solve: "#!/bin/bash\nnohup sleep 300 >/dev/null 2>&1 &\nexit 3\n",
    test: PASS_IF("! pgrep -x sleep >/dev/null"),
  });
  const r = await trial(dir, { kind: "oracle" });
  assert.equal(r.reward, 1, "the verifier's sandbox does not have the oracle's process");
  // Listed as `sleep 300`, or as `nohup sleep 300` when nohup has not exec'd yet.
  assert.ok(
    r.fidelity.notes.some((n) =>
      /^solve\.sh left processes running \((nohup )?sleep 300\): each phase is its own sandbox/.test(n),
    ),
    r.fidelity.notes.join("\n"),
  );
  assert.equal(
    readFileSync(join(out, r.trial_name, "agent", "exit-code.txt"), "utf8"),
    "3",
    "solve.sh's exit code is kept",
  );
  const quiet = await trial(
    writeTask(root, "leaves-nothing", { solve: "#!/bin/bash\ntrue\n", test: PASS_IF("true") }),
    {
      kind: "oracle",
    },
  );
  assert.ok(!quiet.fidelity.notes.some((n) => /left processes running/.test(n)), quiet.fidelity.notes.join("\n"));
});

test("the agent phase sees neither /tests nor /solution; the oracle sees /solution; the verifier sees /tests", async () => {
  const dir = writeTask(root, "peek", {
    solve:
      '#!/bin/bash\nfor p in /tests /solution; do if ls $p >/dev/null 2>&1; then echo "$p visible"; else echo "$p hidden"; fi; done > /app/peek.txt\n',
    test: PASS_IF("[ -f /tests/test.sh ]"),
  });
  const r = await trial(dir, { kind: "oracle" });
  assert.equal(r.reward, 1, "the verifier sees /tests");
  const scratch = tempDir("sy-bench-env-");
  try {
    const env = createLocalEnvironment({
      task: loadTask(dir),
      trialDir: join(scratch, "trial"),
      scratchDir: join(scratchRoot, "probe"),
    });
    await env.setup();
    const probe =
      'for p in /tests /solution; do if ls $p >/dev/null 2>&1; then echo "$p visible"; else echo "$p hidden"; fi; done';
    assert.equal((await env.exec("agent", probe)).output, "/tests hidden\n/solution hidden\n");
    assert.equal((await env.exec("oracle", probe)).output, "/tests hidden\n/solution visible\n");
    env.installTests();
    assert.equal((await env.exec("verifier", probe)).output, "/tests visible\n/solution hidden\n");
    assert.deepEqual(
      env
        .sandboxSpec("agent")
        .mounts.map((m) => m.inside)
        .filter((p) => p === "/tests" || p === "/solution"),
      [],
    );
    env.dispose();
  } finally {
    removeDir(scratch);
  }
});

test("/tests is an ordinary folder of root's for the verifier, as Harbor's upload makes it: test.sh may move it away and back and write into it", async () => {
  const dir = writeTask(root, "move-tests", {
    solve: "#!/bin/bash\ntrue\n",
    test: [
      "#!/bin/bash",
      "mv /tests /tmp/tests.hidden && mv /tmp/tests.hidden /tests || exit 1",
      "echo scratch > /tests/written.txt || exit 1",
      'if [ "$(stat -c %u /tests/test.sh)" = 0 ] && [ -f /tests/helper.txt ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi',
      "",
    ].join("\n"),
    testFiles: { "helper.txt": "data\n" },
  });
  const r = await trial(dir, { kind: "oracle" });
  assert.equal(r.reward, 1, readFileSync(join(out, r.trial_name, "verifier", "test-stdout.txt"), "utf8"));
  assert.equal(readFileSync(join(dir, "tests", "helper.txt"), "utf8"), "data\n", "the task's own tests/ is untouched");
  assert.ok(!existsSync(join(dir, "tests", "written.txt")));
});

test("the verifier runs after an agent timeout; the timeout is recorded as an exception beside the reward", async () => {
  const dir = writeTask(root, "slow", {
    toml: "[agent]\ntimeout_sec = 1.0\n[verifier]\ntimeout_sec = 30.0\n",
    solve: "#!/bin/bash\necho partial > /app/x\nsleep 30\n",
    test: PASS_IF("[ -f /app/x ]"),
  });
  const r = await trial(dir, { kind: "oracle" }, { timeoutMultiplier: 0.5 });
  assert.equal(r.exception_info?.exception_type, "AgentTimeoutError");
  assert.equal(r.reward, 1, "the verifier still ran and scored the partial work");
  assert.ok(r.verifier);
});

test("a test.sh that writes no reward is an error, not reward 0; a verifier timeout is its own error", async () => {
  const none = writeTask(root, "no-reward", {
    solve: "#!/bin/bash\ntrue\n",
    test: "#!/bin/bash\necho tests ran\nexit 3\n",
  });
  const r = await trial(none, { kind: "oracle" });
  assert.equal(r.reward, null);
  assert.equal(r.passed, false);
  assert.equal(r.exception_info?.exception_type, "RewardFileNotFoundError");
  assert.match(r.exception_info?.exception_message ?? "", /exit code 3/);
  const hang = writeTask(root, "hang", { toml: "[verifier]\ntimeout_sec = 0.5\n", test: "#!/bin/bash\nsleep 30\n" });
  const h = await trial(hang, { kind: "nop" });
  assert.equal(h.exception_info?.exception_type, "VerifierTimeoutError");
  assert.equal(h.reward, null);
});

test("an oracle trial of a task without solution/solve.sh is an AgentSetupError", async () => {
  const dir = writeTask(root, "no-solution", { test: PASS_IF("true") });
  const r = await trial(dir, { kind: "oracle" });
  assert.equal(r.exception_info?.exception_type, "AgentSetupError");
  assert.equal(r.verifier, null);
});

test("a test.sh that writes /logs/verifier/test-stdout.txt itself can, as in Harbor's container; a link left at that name is removed, never followed", async () => {
  const victim = join(root, "victim.txt");
  writeFileSync(victim, "host file\n");
  const dir = writeTask(root, "own-stdout", {
    dockerfile: "FROM debian:bookworm\nWORKDIR /app\n",
    // The oracle (which, like the agent, can write /logs/verifier) plants a link to a host file at that name.
    solve: `#!/bin/bash\nln -s ${victim} /logs/verifier/test-stdout.txt\n`,
    test: [
      "#!/bin/bash",
      "echo before",
      "echo inner-output > /logs/verifier/test-stdout.txt 2>&1",
      "status=$?",
      'if [ "$status" -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi',
      "",
    ].join("\n"),
  });
  const r = await trial(dir, { kind: "oracle" });
  assert.equal(r.reward, 1, r.exception_info?.exception_message);
  assert.match(readFileSync(join(out, `t${seq}`, "verifier", "test-stdout.txt"), "utf8"), /inner-output/);
  assert.equal(readFileSync(victim, "utf8"), "host file\n");
});
