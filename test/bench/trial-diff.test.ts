import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadTask } from "../../src/bench/task.ts";
import { runTrial } from "../../src/bench/trial.ts";
import { FROM } from "./env-fixtures.ts";
import { type FixtureTask, PASS_IF, removeDir, tempDir, writeTask } from "./task-fixtures.ts";

// agent/diff.patch: what the agent changed in the WORKDIR, linked from the report's trial rows and the viewer.

const root = tempDir("sy-diff-");
// Scratch must be reachable by the sandbox's unprivileged host uid, unlike mkdtemp's 0700.
chmodSync(root, 0o711);
after(() => removeDir(root));
let seq = 0;

async function trial(t: FixtureTask, agent: "oracle" | "nop" = "oracle") {
  const name = `d${++seq}`;
  const trialDir = join(root, `${name}-trial`);
  const result = await runTrial({
    task: loadTask(writeTask(root, name, t)),
    agent: { kind: agent },
    attempt: 1,
    trialName: name,
    trialDir,
    scratchDir: join(root, `${name}-scratch`),
    timeoutMultiplier: 1,
    strictEnv: false,
  });
  const file = join(trialDir, "agent", "diff.patch");
  return { result, patch: existsSync(file) ? readFileSync(file, "utf8") : undefined };
}

const dockerfile = [FROM, "WORKDIR /app", "COPY keep.txt edit.txt gone.txt /app/"].join("\n");
const context = { "keep.txt": "same\n", "edit.txt": "before\n", "gone.txt": "bye\n" };

test("the trial folder's agent/diff.patch shows what the agent changed in the WORKDIR, not what the verifier wrote", async () => {
  const { result, patch } = await trial({
    dockerfile,
    context,
    solve: [
      "#!/bin/bash",
      "echo after > /app/edit.txt",
      "echo new > /app/added.txt",
      "rm /app/gone.txt",
      "mkdir -p /app/__pycache__ && echo x > /app/__pycache__/m.pyc",
      "echo noise > /app/agent/diff.patch 2>/dev/null; echo planted > /logs/agent/diff.patch",
    ].join("\n"),
    test: `echo cache > /app/verifier-cache.txt\n${PASS_IF("grep -q after /app/edit.txt")}`,
  });
  assert.equal(result.reward, 1, JSON.stringify(result.exception_info));
  assert.ok(patch, "agent/diff.patch written");
  assert.match(patch, /^diff --git a\/edit\.txt b\/edit\.txt$/m);
  assert.match(patch, /^-before$/m);
  assert.match(patch, /^\+after$/m);
  assert.match(patch, /^new file mode 100644$/m);
  assert.match(patch, /^\+new$/m);
  assert.match(patch, /^deleted file mode 100644$/m);
  assert.doesNotMatch(patch, /keep\.txt/, "unchanged files are not in the diff");
  assert.doesNotMatch(patch, /verifier-cache/, "the verifier's writes are not the agent's work");
  assert.doesNotMatch(patch, /__pycache__/, "tool caches are left out as in the review");
  assert.doesNotMatch(patch, /planted/, "a diff.patch the agent wrote to /logs/agent does not replace the harness's");
});

test("an agent that replaces the WORKDIR with a link to a host folder gets a note, never a diff of that folder", async () => {
  const { patch } = await trial({
    dockerfile,
    context,
    solve: "#!/bin/bash\ncd / && rm -rf /app && ln -s /etc /app\n",
    test: PASS_IF("false"),
  });
  assert.ok(patch);
  assert.match(patch, /^# no diff: the agent replaced the WORKDIR \/app/);
  assert.doesNotMatch(patch, /root:/);
});

test("nop changes nothing and gets no diff; a trial whose environment never built gets none either", async () => {
  const nop = await trial({ dockerfile, context, test: PASS_IF("false") }, "nop");
  assert.equal(nop.patch, undefined);
  const unbuilt = await trial({ dockerfile: `${FROM}\nRUN exit 3\n`, solve: "#!/bin/bash\n", test: PASS_IF("true") });
  assert.equal(unbuilt.result.exception_info?.exception_type, "EnvironmentSetupError");
  assert.equal(unbuilt.patch, undefined);
});
