import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { runJob } from "../../src/bench/job.ts";
import {
  explainOfflineFailures,
  imagePrograms,
  missingPrograms,
  missingPythonModules,
} from "../../src/bench/offline-explain.ts";
import { isScored } from "../../src/bench/trial-result.ts";
import { removeDir, tempDir } from "./task-fixtures.ts";

const FIXTURE = join(import.meta.dirname, "..", "fixtures", "tb2-like", "needs-numpy");
const root = tempDir();
after(() => removeDir(root));

const PYTEST_OUTPUT = `==================================== ERRORS ====================================
___________________ ERROR collecting tests/test_outputs.py ____________________
ImportError while importing test module '/tests/test_outputs.py'.
tests/test_outputs.py:5: in <module>
    import numpy as np
E   ModuleNotFoundError: No module named 'numpy'
E   ModuleNotFoundError: No module named 'sklearn.linear_model'
E   ModuleNotFoundError: No module named 'torch'
`;

test("missing modules are read from pytest output, top-level and once each", () => {
  assert.deepEqual(missingPythonModules(PYTEST_OUTPUT), ["numpy", "sklearn", "torch"]);
  assert.deepEqual(missingPythonModules("all 3 passed"), []);
  // `python -m pytest` in a venv whose pip install was skipped.
  assert.deepEqual(missingPythonModules("/opt/verifier-venv/bin/python: No module named pytest\n"), ["pytest"]);
});

test("a missing module is linked to the skipped RUN step that installs it, aliases included", () => {
  const skipped = [
    "line 4: RUN pip install --no-cache-dir numpy==2.1.3 scikit-learn",
    "line 6: RUN apt-get update && apt-get install -y curl",
  ];
  assert.deepEqual(explainOfflineFailures(PYTEST_OUTPUT, skipped), [
    "reward likely limited by the offline environment: numpy was not installed (RUN pip install --no-cache-dir numpy==2.1.3 scikit-learn skipped, Dockerfile line 4)",
    "reward likely limited by the offline environment: sklearn was not installed (RUN pip install --no-cache-dir numpy==2.1.3 scikit-learn skipped, Dockerfile line 4)",
  ]);
  // torch is missing but nothing skipped would have installed it; "numpyro" is not numpy.
  assert.deepEqual(explainOfflineFailures(PYTEST_OUTPUT, ["line 2: RUN pip install numpyro"]), []);
  assert.deepEqual(explainOfflineFailures("ok", skipped), []);
});

test("programs the verifier could not run are read from bash, dash and Python errors; data files are not programs", () => {
  const output = [
    "/tests/test.sh: line 15: /opt/verifier-venv/bin/python: No such file or directory",
    "src/build.sh: line 5: kotlinc: command not found",
    "/bin/sh: 1: go: not found",
    "E   FileNotFoundError: [Errno 2] No such file or directory: 'go'",
    "E   FileNotFoundError: [Errno 2] No such file or directory: '/tests/data/heldout_1.bin'",
    "E   FileNotFoundError: [Errno 2] No such file or directory: '/usr/local/go/bin/go'",
  ].join("\n");
  assert.deepEqual(missingPrograms(output), ["/opt/verifier-venv/bin/python", "kotlinc", "go", "/usr/local/go/bin/go"]);
  assert.deepEqual(imagePrograms("public.ecr.aws/docker/library/golang:1.24-bookworm@sha256:1a6d"), ["go", "gofmt"]);
  assert.deepEqual(imagePrograms("python:3.12-slim"), ["python", "pip"]);
  assert.deepEqual(imagePrograms("debian:bookworm"), []);
});

test("a missing program is linked to the skipped step that would have installed it, or to the base image that has it", () => {
  const venv = "/tests/test.sh: line 15: /opt/verifier-venv/bin/python: No such file or directory\n";
  assert.deepEqual(
    explainOfflineFailures(venv, ["line 14: RUN /opt/verifier-venv/bin/pip install pytest==8.4.1"], "debian:bookworm"),
    [
      "reward likely limited by the offline environment: /opt/verifier-venv/bin/python was not installed (RUN /opt/verifier-venv/bin/pip install pytest==8.4.1 skipped, Dockerfile line 14)",
    ],
  );
  assert.deepEqual(explainOfflineFailures("test.sh: line 2: go: command not found", [], "golang:1.24-bookworm"), [
    "reward likely limited by the offline environment: go was not installed (the base image golang:1.24-bookworm provides it; FROM is not built locally)",
  ]);
  const kotlinc = "/solution/solve.sh: line 9: kotlinc: command not found";
  const download =
    "line 18: RUN curl -fsSL https://github.com/JetBrains/kotlin/releases/download/v1.9.22/kotlin-compiler-1.9.22.zip -o /tmp/kotlinc.zip && unzip -q /tmp/kotlinc.zip -d /opt";
  assert.deepEqual(explainOfflineFailures(kotlinc, [download], "eclipse-temurin:17"), [
    `reward likely limited by the offline environment: kotlinc was not installed (${download.slice(9)} skipped, Dockerfile line 18)`,
  ]);
  assert.deepEqual(
    explainOfflineFailures("line 171: go: command not found", ["line 4: RUN apt-get install -y golang-go"], "ubuntu"),
    [
      "reward likely limited by the offline environment: go was not installed (RUN apt-get install -y golang-go skipped, Dockerfile line 4)",
    ],
  );
  // python3-pip is not python; a tool nothing skipped names and the image does not provide stays unexplained.
  const python = "line 3: python: command not found";
  assert.deepEqual(explainOfflineFailures(python, ["line 2: RUN apt-get install -y python3-pip"], "debian"), []);
  assert.deepEqual(explainOfflineFailures("line 3: mytool: command not found", [], "golang:1.24"), []);
});

const hostHasNumpy = spawnSync("/usr/bin/python3", ["-c", "import numpy"]).status === 0;

test("needs-numpy (a TB2-like fixture) is not scored offline — its 0 traces to the missing numpy — and its result says why", {
  skip: hostHasNumpy && "the host's system python has numpy, so the offline run would pass",
}, async () => {
  const { trials } = await runJob({
    paths: [FIXTURE],
    agents: [{ kind: "oracle" }],
    k: 1,
    n: 1,
    outDir: join(root, "out"),
    jobName: "numpy",
    resume: false,
    timeoutMultiplier: 1,
    env: "local",
    strictEnv: false,
    reports: false,
    resultsDb: false,
  });
  const t = trials[0];
  assert.ok(t);
  assert.equal(t.exception_info?.exception_type, "EnvironmentSetupError");
  assert.match(
    t.exception_info?.exception_message ?? "",
    /^not scored: the failure traces to what this offline environment lacks — numpy was not installed \(RUN pip install .*skipped, Dockerfile line 5\); run where the Dockerfile's network steps run \(--env docker\) for a verdict$/,
  );
  assert.equal(isScored(t), false, "never a 0 against the agent");
  assert.deepEqual(t.verifier_result, { rewards: { reward: 0 } }, "the reward read is kept");
  assert.equal(t.fidelity.reduced, true);
  assert.ok(
    t.fidelity.notes.includes(
      "reward likely limited by the offline environment: numpy was not installed (RUN pip install --no-cache-dir numpy==2.1.3 skipped, Dockerfile line 5)",
    ),
    t.fidelity.notes.join("\n"),
  );
});
