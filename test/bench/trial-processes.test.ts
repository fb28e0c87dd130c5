import assert from "node:assert/strict";
import { chmodSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { runJob } from "../../src/bench/job.ts";
import { prepareModelAgents } from "../../src/bench/switchyard-agent.ts";
import { loadTask } from "../../src/bench/task.ts";
import { runTrial } from "../../src/bench/trial.ts";
import { defaultConfig } from "../../src/core/config.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { startMockServer } from "../../src/mock/server.ts";
import { PASS_IF, removeDir, tempDir, writeTask } from "./task-fixtures.ts";

// A trial's processes live as long as the trial, as in one Harbor container: what the agent phase starts in the
// background is there for the verifier, and nothing is left on the host afterwards.

const root = tempDir();
const out = tempDir("sy-bench-out-");
const scratchRoot = tempDir("sy-bench-scratch-");
chmodSync(scratchRoot, 0o711);
after(() => {
  removeDir(root);
  removeDir(out);
  removeDir(scratchRoot);
});
const asRoot = process.getuid?.() === 0;

/** Start a web server on 127.0.0.1:8080 serving /app, in the background, and wait until it answers. */
const START_SERVER =
  "cd /app && (nohup /usr/bin/python3 -m http.server 8080 --bind 127.0.0.1 >/dev/null 2>&1 &)\n" +
  "for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null && break; sleep 0.1; done\n";
/** The same as a model most often writes it: a plain background job of the agent's shell, its output not redirected. */
const START_PLAIN =
  "cd /app && /usr/bin/python3 -m http.server 8080 --bind 127.0.0.1 &\n" +
  "for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null && break; sleep 0.1; done\n";
/** The verifier's query: the page /app/marker.txt served on 127.0.0.1:8080 holds `text`. */
const servedIs = (text: string) =>
  `{ exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /marker.txt HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3 | grep -qx ${text}; }`;
const serverTask = (name: string) =>
  writeTask(root, name, {
    dockerfile: `FROM debian:bookworm\nWORKDIR /app\nRUN echo ${name} > /app/marker.txt\n`,
    solve: `#!/bin/bash\n${START_SERVER}`,
    test: PASS_IF(servedIs(name)),
  });

/** Host processes whose working folder is below `dir` (a trial's root). */
function processesBelow(dir: string): string[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    });
}

let seq = 0;
function trial(taskDir: string) {
  const name = `p${++seq}`;
  const scratchDir = join(scratchRoot, name);
  const done = runTrial({
    task: loadTask(taskDir),
    agent: { kind: "oracle" },
    attempt: 1,
    trialName: name,
    trialDir: join(out, name),
    scratchDir,
    timeoutMultiplier: 1,
    strictEnv: false,
  });
  return { done, scratchDir };
}

test("a server solve.sh starts in the background answers the verifier, and is gone when the trial ends", {
  skip: !asRoot && "needs root",
}, async () => {
  const { done, scratchDir } = trial(serverTask("serves"));
  const r = await done;
  assert.equal(r.exception_info, null, JSON.stringify(r.exception_info));
  assert.equal(r.reward, 1, "the verifier reached the oracle's server on 127.0.0.1:8080");
  assert.ok(
    !r.fidelity.notes.some((n) => /left processes running|own process namespaces/.test(n)),
    r.fidelity.notes.join("\n"),
  );
  assert.deepEqual(processesBelow(scratchDir), [], "no process of the trial is left on the host");
});

test("two concurrent trials each serve port 8080 in their own network namespace", {
  skip: !asRoot && "needs root",
}, async () => {
  const suite = join(root, "two");
  for (const name of ["port-a", "port-b"]) {
    writeTask(suite, name, {
      dockerfile: `FROM debian:bookworm\nWORKDIR /app\nRUN echo ${name} > /app/marker.txt\n`,
      // The two trials run side by side (-n 2), their servers alive until each trial ends.
      solve: `#!/bin/bash\n${START_SERVER}sleep 2\n`,
      test: PASS_IF(servedIs(name)),
    });
  }
  const { trials } = await runJob({
    k: 1,
    n: 2,
    resume: false,
    timeoutMultiplier: 1,
    env: "local",
    strictEnv: false,
    reports: false,
    paths: [suite],
    agents: [{ kind: "oracle" }],
    outDir: join(root, "two-out"),
    jobName: "two",
    resultsDb: false,
  });
  assert.equal(trials.length, 2);
  for (const t of trials) assert.equal(t.reward, 1, `${t.task_name}: ${JSON.stringify(t.exception_info)}`);
});

/** One trial of Switchyard's agent on the mock model: one bash call running `command`, then "done". */
async function modelTrial(name: string, command: string, test: string) {
  const server = await startMockServer({
    script: parseMockScript({
      models: {
        "gpt-5.5": {
          turns: [
            { tool_calls: [{ name: "bash", arguments: { command } }], usage: { input: 10, output: 5 } },
            { text: "done", usage: { input: 10, output: 5 } },
          ],
        },
      },
    }),
  });
  try {
    const env = { ...process.env, OPENAI_API_KEY: "test", OPENAI_BASE_URL: `${server.url}/v1` };
    const runModelAgent = await prepareModelAgents(["openai/gpt-5.5"], { config: defaultConfig(), env });
    const suite = join(root, `model-${name}`);
    writeTask(suite, name, {
      dockerfile: `FROM debian:bookworm\nWORKDIR /app\nRUN echo ${name} > /app/marker.txt\n`,
      test: PASS_IF(test),
    });
    const { trials } = await runJob({
      k: 1,
      n: 1,
      resume: false,
      timeoutMultiplier: 1,
      env: "local",
      strictEnv: false,
      reports: false,
      paths: [suite],
      agents: [{ kind: "switchyard", model: "openai/gpt-5.5" }],
      outDir: join(root, `model-out-${name}`),
      jobName: name,
      resultsDb: false,
      runModelAgent,
    });
    assert.equal(trials[0]?.exception_info, null, JSON.stringify(trials[0]?.exception_info));
    return trials[0];
  } finally {
    await server.close();
  }
}

for (const [how, name, start] of [
  ["in a subshell with nohup", "agent-nohup", START_SERVER],
  ["as a plain background job (`server &`)", "agent-plain", START_PLAIN],
] as const) {
  test(`a server the model agent's bash tool starts in the background ${how} answers the verifier`, {
    skip: !asRoot && "needs root",
  }, async () => {
    const t = await modelTrial(name, start, servedIs(name));
    assert.equal(t?.reward, 1, "the verifier reached the agent's server");
  });
}

test("a file the model agent leaves in /tmp is there for the verifier, as in one container", {
  skip: !asRoot && "needs root",
}, async () => {
  const t = await modelTrial(
    "tmp-handoff",
    "echo from-the-agent > /tmp/handoff.txt",
    '[ "$(cat /tmp/handoff.txt)" = from-the-agent ]',
  );
  assert.equal(t?.reward, 1, "the verifier read the agent's /tmp file");
});
