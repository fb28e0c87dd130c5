import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { runJob } from "../../src/bench/job.ts";
import { prepareModelAgents } from "../../src/bench/switchyard-agent.ts";
import { defaultConfig } from "../../src/core/config.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { startMockServer } from "../../src/mock/server.ts";
import { PASS_IF, removeDir, tempDir, writeTask } from "./task-fixtures.ts";

// A trial is one file system, as one Harbor container is: what the agent leaves in /tmp is the verifier's to read.

const root = tempDir();
after(() => removeDir(root));
const asRoot = process.getuid?.() === 0;

test("a file Switchyard's agent leaves in /tmp is there for the verifier, as in one container", {
  skip: !asRoot && "needs root",
}, async () => {
  const server = await startMockServer({
    script: parseMockScript({
      models: {
        "gpt-5.5": {
          turns: [
            {
              tool_calls: [{ name: "bash", arguments: { command: "echo from-the-agent > /tmp/handoff.txt" } }],
              usage: { input: 10, output: 5 },
            },
            { text: "done", usage: { input: 10, output: 5 } },
          ],
        },
      },
    }),
  });
  try {
    const env = { ...process.env, OPENAI_API_KEY: "test", OPENAI_BASE_URL: `${server.url}/v1` };
    const runModelAgent = await prepareModelAgents(["openai/gpt-5.5"], { config: defaultConfig(), env });
    const suite = join(root, "suite");
    writeTask(suite, "tmp-handoff", { test: PASS_IF('[ "$(cat /tmp/handoff.txt)" = from-the-agent ]') });
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
      outDir: join(root, "out"),
      jobName: "tmp",
      resultsDb: false,
      runModelAgent,
    });
    assert.equal(trials[0]?.exception_info, null, JSON.stringify(trials[0]?.exception_info));
    assert.equal(trials[0]?.reward, 1, "the verifier read the agent's /tmp file");
  } finally {
    await server.close();
  }
});
