// biome-ignore-all lint/suspicious/noTemplateCurlyInString: literal ${VAR} expansions are the Dockerfile syntax under test
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { FROM, setupError, sh, trialOf, withEnv } from "./env-fixtures.ts";
import { PASS_IF } from "./task-fixtures.ts";

// RUN, USER, WORKDIR, ENV and SHELL rules (docs.docker.com, "Dockerfile reference"), and the task's resource limits,
// checked on the real local environment (real bwrap).

test("RUN runs as the image's root and can chmod, chown and delete files that COPY created, at any point of the Dockerfile (Dockerfile reference: RUN, COPY)", async () => {
  await withEnv(
    {
      dockerfile: [
        FROM,
        "WORKDIR /app",
        "COPY run.sh gone.txt /app/",
        "RUN id -u > /app/uid && chmod +x /app/run.sh && chown 4242:4343 /app/run.sh && rm /app/gone.txt",
        "COPY later.txt /app/",
        "RUN chmod 600 /app/later.txt && chown 7:7 /app/later.txt",
      ].join("\n"),
      context: { "run.sh": "echo ran\n", "gone.txt": "", "later.txt": "" },
    },
    async (env) => {
      assert.equal(await sh(env, "cat /app/uid"), "0");
      assert.equal(await sh(env, "stat -c '%a %u:%g' /app/run.sh /app/later.txt"), "755 4242:4343\n600 7:7");
      assert.equal(await sh(env, "test ! -e /app/gone.txt && echo deleted"), "deleted");
    },
  );
});

test("USER sets the user for later RUN steps and for the container's processes: the agent, oracle and verifier phases (Dockerfile reference: USER; Harbor: exec without -u)", async () => {
  await withEnv(
    {
      dockerfile: [
        FROM,
        "RUN useradd -m -s /bin/bash agent && groupadd extra && usermod -aG extra agent",
        "RUN id -un > /root-step",
        "USER agent",
        "RUN id -un > /home/agent/who && echo $HOME > /home/agent/home",
        "USER agent:extra",
        "RUN id -gn > /home/agent/group-only",
        "USER agent",
      ].join("\n"),
    },
    async (env) => {
      assert.equal(
        await sh(env, "cat /root-step /home/agent/who /home/agent/home /home/agent/group-only"),
        "root\nagent\n/home/agent\nextra",
      );
      for (const phase of ["agent", "oracle", "verifier"] as const) {
        assert.equal(await sh(env, "id -un; id -Gn; echo $HOME", phase), "agent\nagent extra\n/home/agent", phase);
      }
      assert.equal(env.describe().user.agent, "agent");
    },
  );
});

test("[agent] user and [verifier] user in task.toml override the image's USER for their phase, as Harbor's exec -u does", async () => {
  await withEnv(
    {
      toml: 'version = "1.0"\n[agent]\ntimeout_sec = 60.0\nuser = "nobody"\n[verifier]\ntimeout_sec = 60.0\nuser = 0\n',
      dockerfile: `${FROM}\nRUN useradd -m dev\nUSER dev\n`,
    },
    async (env) => {
      assert.equal(await sh(env, "id -un", "agent"), "nobody");
      assert.equal(await sh(env, "id -un", "oracle"), "nobody");
      assert.equal(await sh(env, "id -un", "verifier"), "root");
    },
  );
});

test("the image's /etc has no login accounts of the host's, so RUN useradd -u 1000 finds the id free, as in a base image (Debian: UID_MIN 1000)", async () => {
  await withEnv(
    { dockerfile: `${FROM}\nRUN useradd -m -s /bin/bash -u 1000 agent && groupadd -g 1001 team\nUSER agent\n` },
    async (env) => {
      assert.equal(await sh(env, "id -u; id -un; getent group team | cut -d: -f3"), "1000\nagent\n1001");
      assert.equal(
        await sh(env, "awk -F: '$3 >= 1000 && $3 <= 60000 { print $1 }' /etc/passwd", "verifier"),
        "agent",
        "the only account in that range is the Dockerfile's",
      );
    },
  );
});

test("USER with a name that is not in the image's /etc/passwd fails the next RUN, as docker build does (Dockerfile reference: USER)", async () => {
  const msg = await setupError({ dockerfile: `${FROM}\nUSER ghost\nRUN true\n` });
  assert.match(msg, /line 3: RUN true did not complete successfully: exit code: 126: unable to find user ghost/);
});

test("WORKDIR is created when missing, a relative WORKDIR is relative to the previous one, and it resolves ENV variables (Dockerfile reference: WORKDIR)", async () => {
  await withEnv(
    {
      dockerfile: [
        FROM,
        "ENV DIRPATH=/path",
        "WORKDIR /a",
        "WORKDIR b",
        "WORKDIR c",
        "RUN pwd > /pwd.txt",
        "WORKDIR $DIRPATH/$DIRNAME",
        "RUN pwd > /pwd2.txt",
        "RUN useradd -m owner",
        "USER owner",
        "WORKDIR /made-by-owner",
      ].join("\n"),
    },
    async (env) => {
      assert.equal(await sh(env, "cat /pwd.txt /pwd2.txt"), "/a/b/c\n/path");
      assert.equal(await sh(env, "stat -c %U /made-by-owner; pwd"), "owner\n/made-by-owner");
    },
  );
});

test("ENV values are expanded in COPY, WORKDIR and ENV with ${var:-default}, ${var:+word} and \\$ escapes, and reach RUN and the phases (Dockerfile reference: Environment replacement)", async () => {
  await withEnv(
    {
      dockerfile: [
        FROM,
        "ARG NAME=conf",
        "ENV BASE=/srv/app MODE=",
        "ENV abc=hello",
        "ENV abc=bye def=$abc",
        'ENV LABEL="${MODE:-dev} ${BASE:+set}" LITERAL=\\$BASE',
        "WORKDIR ${BASE}",
        "COPY ${NAME}.ini ./",
        "RUN echo $NAME > arg.txt",
      ].join("\n"),
      context: { "conf.ini": "x=1\n" },
    },
    async (env) => {
      assert.equal(await sh(env, "cat /srv/app/conf.ini /srv/app/arg.txt"), "x=1\nconf");
      assert.equal(await sh(env, 'echo "$def|$abc|$LABEL|$LITERAL|${NAME-unset}"'), "hello|bye|dev set|$BASE|unset");
    },
  );
});

test("shell-form RUN runs under /bin/sh -c unless SHELL changes it; exec-form RUN runs its argv without a shell (Dockerfile reference: RUN, SHELL)", async () => {
  await withEnv(
    {
      dockerfile: [
        FROM,
        "RUN echo $0 > /sh.txt",
        'SHELL ["/bin/bash", "-c"]',
        "RUN echo $0 > /bash.txt",
        'RUN ["/bin/sh", "-c", "echo exec-form > /exec.txt"]',
        'RUN ["echo", "$HOME"]',
      ].join("\n"),
    },
    async (env) => {
      assert.equal(await sh(env, "cat /sh.txt /bash.txt /exec.txt"), "/bin/sh\n/bin/bash\nexec-form");
    },
  );
});

test("a RUN continued with `\\` whose next line starts with `&&` runs as one shell line, as docker build joins it (Dockerfile reference: escape)", async () => {
  await withEnv(
    {
      dockerfile: [
        FROM,
        "WORKDIR /app",
        "RUN mkdir -p /app/bin /app/state \\",
        "  && echo one > /app/bin/one \\",
        "",
        "  && echo two > /app/state/two",
      ].join("\n"),
    },
    async (env) => {
      assert.equal(await sh(env, "cat /app/bin/one /app/state/two"), "one\ntwo");
      const notes = env.describe().notes;
      assert.ok(!notes.some((n) => /line 3/.test(n)), notes.join("\n"));
    },
  );
});

test("RUN python3 << 'PY' (blanks after <<, BuildKit 1.15+) feeds the heredoc to the command; an unknown instruction fails the build as BuildKit's parser does", async () => {
  await withEnv(
    {
      dockerfile: [
        FROM,
        "WORKDIR /app",
        "RUN python3 << 'PY'",
        "import json",
        "open('/app/made.json', 'w').write(json.dumps({'ok': True}))",
        "PY",
        "RUN cat /app/made.json > /app/copy.json",
      ].join("\n"),
    },
    async (env) => assert.equal(await sh(env, "cat /app/copy.json"), '{"ok": true}'),
  );
  const msg = await setupError({ dockerfile: `${FROM}\nRUN true\nimport json\n` });
  assert.match(msg, /Dockerfile line 3: unknown instruction: IMPORT \(docker build refuses this Dockerfile\)/);
});

test("folders a RUN evidently makes below /opt and /var (a venv, mkdir -p, a path below) are the image's own, writable, as in a container; a possible file path is not made a folder", async () => {
  const venv = `/opt/sy-fixture-venv-${process.pid}`;
  const state = `/var/lib/sy-fixture-${process.pid}`;
  const tool = `/usr/local/bin/sy-fixture-tool-${process.pid}`;
  await withEnv(
    {
      dockerfile: [
        FROM,
        "WORKDIR /app",
        `RUN python3 -m venv ${venv}`,
        `RUN mkdir -p ${state}/runs && echo ok > ${state}/runs/first`,
        `RUN echo '#!/bin/sh' > ${tool} || true`,
      ].join("\n"),
    },
    async (env) => {
      assert.equal(await sh(env, `${venv}/bin/python -c 'print(1)' && cat ${state}/runs/first`, "verifier"), "1\nok");
      assert.equal(await sh(env, `test -d ${tool} && echo dir || echo not-a-dir`), "not-a-dir");
    },
  );
});

const hostHasGo = ["/usr/bin/go", "/usr/local/bin/go", "/bin/go"].some((p) => existsSync(p));

test("a RUN that needs a tool of the base image the host lacks fails the build and says the image is why", {
  skip: hostHasGo && "this host has go",
}, async () => {
  const msg = await setupError({ dockerfile: "FROM golang:1.22-bookworm\nWORKDIR /app\nRUN go version\n" });
  assert.match(msg, /line 3: RUN go version did not complete successfully: exit code: 127: .*go: not found/);
  assert.match(msg, /\(go comes with the base image golang:1\.22-bookworm, which is not built locally\)$/);
});

test("a RUN that fails fails the environment like a failed docker build (EnvironmentSetupError), unless it follows a step skipped for lack of network (reduced fidelity, noted)", async () => {
  const msg = await setupError({ dockerfile: `${FROM}\nWORKDIR /app\nRUN false\nRUN touch /never\n` });
  assert.match(msg, /Dockerfile line 3: RUN false did not complete successfully: exit code: 1/);
  await withEnv(
    { dockerfile: `${FROM}\nRUN pip install numpy\nRUN python3 -c "import numpy"\nRUN echo after > /after\n` },
    async (env) => {
      const info = env.describe();
      assert.equal(info.fidelity, "reduced");
      assert.ok(
        info.notes.some((n) =>
          /line 3: RUN failed locally \(exit 1\) after a step skipped for lack of network/.test(n),
        ),
        info.notes.join("\n"),
      );
      assert.equal(await sh(env, "cat /after"), "after", "the build goes on after a reduced step");
    },
  );
});

test("[environment] cpus and memory apply to every phase through the trial's cgroup, and the environment says which limits it applied", async () => {
  await withEnv(
    {
      toml: 'version = "1.0"\n[environment]\ncpus = 1.5\nmemory = "96M"\n[agent]\ntimeout_sec = 60.0\n[verifier]\ntimeout_sec = 60.0\n',
      dockerfile: `${FROM}\nRUN python3 -c "print('build ok')"\n`,
    },
    async (env) => {
      const info = env.describe();
      assert.deepEqual(info.limits, {
        cpus: 1.5,
        memory_mb: 96,
        applied_by: "cgroup v1",
        source: { cpus: "task.toml", memory_mb: "task.toml" },
      });
      const hog = 'python3 -c "b = bytearray(400 * 1024 * 1024); print(len(b))"';
      for (const phase of ["agent", "oracle", "verifier"] as const) {
        const r = await env.exec(phase, hog);
        assert.notEqual(r.exitCode, 0, `${phase}: 400 MB must not fit in 96 MB`);
        assert.equal((await env.exec(phase, 'python3 -c "b = bytearray(16 * 1024 * 1024)"')).exitCode, 0, phase);
      }
      const quota = cgroupValue("cpu", "cpu.cfs_quota_us");
      assert.equal(quota, "150000", "1.5 CPUs = 150 ms of CPU per 100 ms period");
    },
  );
  const msg = await setupError({
    toml: 'version = "1.0"\n[environment]\nmemory_mb = 64\n',
    dockerfile: `${FROM}\nRUN python3 -c "b = bytearray(300 * 1024 * 1024)"\n`,
  });
  assert.match(msg, /line 2: RUN .* did not complete successfully/, "the build step runs under the limit too");
});

test("without [environment] limits a trial gets Harbor's defaults (1 CPU, 2048 MB), recorded as such", async () => {
  await withEnv({ dockerfile: `${FROM}\n` }, async (env) => {
    const l = env.describe().limits;
    assert.equal(l.cpus, 1);
    assert.equal(l.memory_mb, 2048);
    assert.deepEqual(l.source, { cpus: "harbor default", memory_mb: "harbor default" });
  });
});

/** The value of a limit file of this process's live trial cgroup (the one switchyard-<pid>-* group there is). */
function cgroupValue(controller: string, file: string): string {
  const own = readFileSync("/proc/self/cgroup", "utf8")
    .split("\n")
    .map((l) => l.split(":"))
    .find((p) => p[1]?.split(",").includes(controller))?.[2];
  const dir = join("/sys/fs/cgroup", controller, own ?? "/");
  const mine = readdirSync(dir).filter(
    (n) => n.startsWith(`switchyard-${process.pid}-`) && statSync(join(dir, n)).isDirectory(),
  );
  assert.equal(mine.length, 1, `one live trial group: ${mine.join(", ")}`);
  return readFileSync(join(dir, mine[0] ?? "", file), "utf8").trim();
}

test("a TB2-style Dockerfile (WORKDIR /app, COPY file /app, RUN chmod +x, RUN useradd + chown, USER) builds, the oracle scores 1 as that user and nop scores 0", async () => {
  const task = {
    dockerfile: [
      "FROM python:3.13-slim-bookworm",
      "WORKDIR /app",
      "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
      "COPY solver.py /app",
      "COPY data/ /app/data/",
      "RUN chmod +x /app/solver.py",
      "RUN useradd -m -s /bin/bash agent && chown -R agent:agent /app",
      "USER agent",
    ].join("\n"),
    context: {
      "solver.py": "#!/usr/bin/env python3\nprint(sum(int(x) for x in open('/app/data/nums.txt')))\n",
      "data/nums.txt": "1\n2\n3\n",
    },
    solve: "#!/bin/bash\n/app/solver.py > /app/answer.txt\n",
    test: PASS_IF(
      '[ "$(cat /app/answer.txt 2>/dev/null)" = 6 ] && [ "$(stat -c %U /app/answer.txt)" = agent ] && [ "$(id -un)" = agent ]',
    ),
  };
  const oracle = await trialOf(task, "oracle");
  assert.equal(oracle.exception_info, null, JSON.stringify(oracle.exception_info));
  assert.equal(oracle.reward, 1, oracle.fidelity.notes.join("\n"));
  assert.equal(oracle.environment?.user.agent, "agent");
  assert.equal(oracle.environment?.fidelity, "reduced", "the apt-get step was skipped");
  assert.ok(oracle.environment?.skipped_steps.some((s) => /^line 3: RUN apt-get update/.test(s)));
  const nop = await trialOf(task, "nop");
  assert.equal(nop.exception_info, null);
  assert.equal(nop.reward, 0);
});

test("a trial whose Dockerfile RUN fails is an unscored EnvironmentSetupError, for the oracle and for nop alike", async () => {
  const task = {
    dockerfile: `${FROM}\nWORKDIR /app\nRUN python3 -c "import sys; sys.exit(3)"\n`,
    solve: "#!/bin/bash\ntrue\n",
    test: PASS_IF("true"),
  };
  for (const agent of ["oracle", "nop"] as const) {
    const r = await trialOf(task, agent);
    assert.equal(r.exception_info?.exception_type, "EnvironmentSetupError", agent);
    assert.match(
      r.exception_info?.exception_message ?? "",
      /line 3: RUN python3 .* did not complete successfully: exit code: 3/,
    );
    assert.equal(r.reward, null, `${agent}: never scored on a half-built environment`);
    assert.equal(r.agent_execution, null, "no agent phase ran");
  }
});
