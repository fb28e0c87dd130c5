import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { parseDockerfile } from "../../src/bench/dockerfile.ts";
import { loadSuite, loadTask } from "../../src/bench/task.ts";
import { parseTaskConfig } from "../../src/bench/task-config.ts";
import { ConfigError } from "../../src/core/errors.ts";
import { PASS_IF, removeDir, simpleTask, tempDir, writeTask } from "./task-fixtures.ts";

const root = tempDir();
after(() => removeDir(root));

test("a TB2 task loads with its instruction verbatim and Harbor defaults", () => {
  const dir = writeTask(root, "verbatim", {
    instruction: "  Keep *this* exactly.\n\n",
    toml: 'version = "1.0"\n[metadata]\nauthor_name = "A"\ndifficulty = "hard"\ncategory = "security"\ntags = ["x"]\n',
    test: PASS_IF("true"),
  });
  const t = loadTask(dir);
  assert.equal(t.instruction, "  Keep *this* exactly.\n\n");
  assert.equal(t.config.metadata.difficulty, "hard");
  assert.equal(t.config.metadata.category, "security");
  assert.equal(t.config.agent.timeout_sec, 600);
  assert.equal(t.config.verifier.timeout_sec, 600);
  assert.equal(t.docker, undefined);
  assert.equal(t.hasSolution, false);
  assert.deepEqual(t.warnings, []);
});

test("unknown task.toml keys are warnings; wrong types are errors naming file and field", () => {
  const ok = parseTaskConfig("[agent]\ntimeout_sec = 5.0\nnew_knob = 1\n[brand_new]\nx = 1\n", "t/task.toml");
  assert.equal(ok.config.agent.timeout_sec, 5);
  assert.deepEqual(
    ok.warnings.map((w) => w.replace(/ ignored.*/, "")),
    ["t/task.toml: unknown key `agent.new_knob`", "t/task.toml: unknown key `brand_new`"],
  );
  assert.throws(
    () => parseTaskConfig('[verifier]\ntimeout_sec = "soon"\n', "t/task.toml"),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.field === "verifier.timeout_sec" &&
      /t\/task\.toml: verifier\.timeout_sec/.test(e.message),
  );
  assert.throws(
    () => parseTaskConfig("[agent\ntimeout_sec = 1", "t/task.toml"),
    (e: unknown) => e instanceof ConfigError && /t\/task\.toml:\d+:\d+: not valid TOML/.test(e.message),
  );
});

test("missing instruction.md, malformed task.toml and missing tests/test.sh are load failures, the rest loads", () => {
  const suite = tempDir();
  try {
    simpleTask(suite, "good");
    writeTask(suite, "no-instruction", { instruction: undefined, test: PASS_IF("true") });
    writeTask(suite, "bad-toml", { toml: "[agent]\ntimeout_sec = = 3\n", test: PASS_IF("true") });
    writeTask(suite, "no-tests", {});
    const s = loadSuite([suite]);
    assert.deepEqual(
      s.tasks.map((t) => t.name),
      ["good"],
    );
    const byName = Object.fromEntries(s.failures.map((f) => [f.name, f.error.message]));
    assert.match(byName["no-instruction"] ?? "", /no-instruction\/instruction\.md: missing/);
    assert.match(byName["bad-toml"] ?? "", /bad-toml\/task\.toml:\d+:\d+: not valid TOML/);
    assert.match(byName["no-tests"] ?? "", /no-tests\/tests\/test\.sh: missing/);
  } finally {
    removeDir(suite);
  }
});

test("a multi-step task ([[steps]], steps/<name>/…) is refused as such, naming the field, not as a missing instruction.md", () => {
  const dir = writeTask(root, "multi", {
    instruction: undefined,
    toml: 'schema_version = "1.1"\n[[steps]]\nname = "1_one"\n[[steps]]\nname = "2_two"\n',
  });
  writeTask(join(dir, "steps"), "1_one", { test: PASS_IF("true") });
  assert.throws(
    () => loadTask(dir),
    (e: unknown) =>
      e instanceof ConfigError &&
      /multi\/task\.toml: a multi-step task \(\[\[steps\]\]/.test(e.message) &&
      e.field === "steps",
  );
});

test("a path that is neither a task nor a suite is bad input", () => {
  assert.throws(() => loadSuite([`${root}/nope`]), /no such task or suite folder/);
  const empty = tempDir();
  try {
    assert.throws(() => loadSuite([empty]), /no tasks found/);
  } finally {
    removeDir(empty);
  }
});

test("Dockerfile: WORKDIR, ENV, COPY (incl. --chown, dirs), and network RUN steps are recognised", () => {
  const plan = parseDockerfile(
    [
      "# comment",
      "FROM python:3.13-slim-bookworm",
      "ARG VER=1.2",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile variable syntax
      "ENV PATH=/opt/venv/bin:$PATH LEVEL=${VER}",
      "RUN apt-get update && \\",
      "    apt-get install -y tmux",
      "RUN pip install --no-cache-dir numpy==2.0",
      "RUN curl -LsSf https://astral.sh/uv/install.sh | sh",
      "WORKDIR /app",
      "COPY --chown=1000:1000 data/ ./data/",
      "COPY a.txt b.txt /srv2/",
      "RUN mkdir -p /app/out && echo ok > /app/out/flag",
      'CMD ["bash"]',
    ].join("\n"),
  );
  assert.equal(plan.from, "python:3.13-slim-bookworm");
  assert.equal(plan.workdir, "/app");
  assert.equal(plan.env.LEVEL, "1.2");
  assert.equal(plan.env.PATH, "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  const runs = plan.steps.filter((s) => s.kind === "run");
  assert.deepEqual(
    runs.map((r) => r.kind === "run" && r.needsNetwork),
    [true, true, true, false],
  );
  assert.equal(runs[0]?.line, 5);
  const copies = plan.steps.filter((s) => s.kind === "copy");
  assert.deepEqual(
    copies.map((c) => (c.kind === "copy" ? [c.sources, c.dest, c.chown ?? null] : null)),
    [
      [["data/"], "/app/data/", "1000:1000"],
      [["a.txt", "b.txt"], "/srv2/", null],
    ],
  );
  assert.deepEqual(plan.ignored, ['13: CMD ["bash"]']);
});

test("a suite folder given twice with the same task name is refused", () => {
  const a = tempDir();
  const b = tempDir();
  try {
    simpleTask(a, "same");
    simpleTask(b, "same");
    assert.throws(() => loadSuite([a, b]), /given twice/);
  } finally {
    removeDir(a);
    removeDir(b);
  }
});
