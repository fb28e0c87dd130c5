import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { agentSlug, parseAgents } from "../../src/bench/agent-spec.ts";
import { parseSubscriptions } from "../../src/bench/agents/bench-flags.ts";
import { prepareInstalledAgents } from "../../src/bench/agents/prepare.ts";
import { taskEgressRules } from "../../src/bench/agents/task-network.ts";
import { runJob } from "../../src/bench/job.ts";
import { loadTask } from "../../src/bench/task.ts";
import type { TrialResult } from "../../src/bench/trial-result.ts";
import { defaultConfig } from "../../src/core/config.ts";
import { ConfigError } from "../../src/core/errors.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { startMockServer } from "../../src/mock/server.ts";
import { EXAMPLES, inboxTurns } from "./installed-agent-scripts.ts";
import { PASS_IF, removeDir, tempDir, writeTask } from "./task-fixtures.ts";

const isRoot = process.getuid?.() === 0;
const KEY = "test-key-not-secret-0002";
const root = tempDir("sy-installed-input-");
after(() => removeDir(root));

const jobBase = {
  k: 1,
  n: 1,
  resume: false,
  timeoutMultiplier: 1,
  env: "local" as const,
  strictEnv: false,
  resultsDb: false as const,
  reports: false,
};

describe("--agent <harness>:<model>", () => {
  it("parses installed agents beside Switchyard's own agent, with distinct trial slugs", () => {
    const agents = parseAgents("codex:gpt-5.5,claude-code:anthropic/claude-opus-4-7,openai/gpt-5.5,ollama/qwen3:8b");
    assert.deepEqual(agents, [
      { kind: "installed", agent: "codex", model: "gpt-5.5" },
      { kind: "installed", agent: "claude-code", model: "anthropic/claude-opus-4-7" },
      { kind: "switchyard", model: "openai/gpt-5.5" },
      { kind: "switchyard", model: "ollama/qwen3:8b" },
    ]);
    assert.deepEqual(agents.map(agentSlug), [
      "codex-gpt-5.5",
      "claude-code-anthropic-claude-opus-4-7",
      "openai-gpt-5.5",
      "ollama-qwen3-8b",
    ]);
  });

  it("an unknown or unsupported harness lists the known ones; a harness without a model says how to add one", () => {
    const known = /installed agents: codex, claude-code, gemini-cli, opencode, pi/;
    assert.throws(
      () => parseAgents("cursorr:gpt-5.5"),
      (e: unknown) => e instanceof ConfigError && known.test(e.message),
    );
    assert.throws(() => parseAgents("aider:gpt-5.5"), /Harbor's aider agent is not supported here/);
    assert.throws(() => parseAgents("goose"), known);
    assert.throws(() => parseAgents("codex"), /codex needs a model, as codex:<model>/);
    assert.throws(() => parseAgents("pi:"), /no model after "pi:"/);
  });

  it("--subscription takes AGENT=FILE pairs", () => {
    assert.deepEqual(parseSubscriptions("codex=/x/auth.json"), { codex: "/x/auth.json" });
    assert.throws(() => parseSubscriptions("codex"), /expected AGENT=FILE/);
    assert.throws(() => parseSubscriptions("gpt=/x"), /expected AGENT=FILE/);
  });

  it("a task's allowed hosts and allow_internet reach the egress allowlist", () => {
    const dir = join(root, "net");
    const test = PASS_IF("true");
    writeTask(dir, "allowlist", {
      toml: '[agent]\nnetwork_mode = "allowlist"\nallowed_hosts = ["pypi.org", "127.0.0.1:9"]\n',
      test,
    });
    writeTask(dir, "internet", { toml: "[environment]\nallow_internet = true\n", test });
    writeTask(dir, "offline", { test });
    assert.deepEqual(taskEgressRules(loadTask(join(dir, "allowlist"))), [
      { host: "pypi.org" },
      { host: "127.0.0.1", port: 9 },
    ]);
    assert.deepEqual(taskEgressRules(loadTask(join(dir, "internet"))), [{ host: "*" }]);
    assert.deepEqual(taskEgressRules(loadTask(join(dir, "offline"))), []);
  });
});

describe("installed agents: checks before any trial starts", () => {
  const config = defaultConfig();
  it("a model the CLI cannot talk to is refused with the harnesses that can", async () => {
    await assert.rejects(
      prepareInstalledAgents([{ agent: "codex", model: "anthropic/claude-opus-4-7" }], { config, env: {} }),
      /codex talks openai-responses, but anthropic\/claude-opus-4-7 is served over anthropic-messages.*/s,
    );
  });
  it("a missing key names the variable; a missing sign-in file names the flag", async () => {
    await assert.rejects(
      prepareInstalledAgents([{ agent: "codex", model: "openai/gpt-5.5" }], { config, env: {} }),
      (e: unknown) => e instanceof ConfigError && /OPENAI_API_KEY is not set/.test(e.message),
    );
    await assert.rejects(
      prepareInstalledAgents([{ agent: "claude-code", model: "anthropic/claude-opus-4-7" }], {
        config,
        env: {},
        subscriptions: { "claude-code": join(root, "no-such-credentials.json") },
      }),
      /--subscription claude-code=.*no such file/,
    );
    await assert.rejects(
      prepareInstalledAgents([{ agent: "pi", model: "openai/gpt-5.5" }], {
        config,
        env: { OPENAI_API_KEY: KEY },
        subscriptions: { codex: "/x" },
      }),
      /--subscription codex: no codex agent in --agent/,
    );
  });
  it("the CLI refuses a bad --agent with exit 2 before any trial", () => {
    const bin = join(import.meta.dirname, "..", "..", "bin", "switchyard.ts");
    const r = spawnSync(
      process.execPath,
      [bin, "bench", join(EXAMPLES, "files-organize-inbox"), "--agent", "kodex:gpt-5.5"],
      {
        encoding: "utf8",
        env: { PATH: process.env.PATH, HOME: root },
      },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /unknown agent "kodex" \(installed agents: codex, claude-code, gemini-cli, opencode, pi\)/);
  });
});

describe("installed agents: failures are unscored, never reward 0", { skip: !isRoot && "needs root (bwrap)" }, () => {
  const task = join(EXAMPLES, "files-organize-inbox");

  it("a CLI that cannot be installed makes its trials AgentSetupError with npm's output", async () => {
    // The real npm CLI against a registry on loopback that has no such package (as the public registry answers
    // for a version that does not exist): hermetic, and no wait for npm's retries on an unreachable network.
    const registry = createServer((_req, res) => {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":"Not found"}');
    });
    await new Promise<void>((r) => registry.listen(0, "127.0.0.1", r));
    const port = (registry.address() as AddressInfo).port;
    after(() => registry.close());
    const runInstalledAgent = await prepareInstalledAgents([{ agent: "pi", model: "openai/gpt-5.5" }], {
      config: defaultConfig(),
      env: {
        PATH: process.env.PATH,
        HOME: root,
        OPENAI_API_KEY: KEY,
        SWITCHYARD_AGENT_VERSION_PI: "0.0.0-no-such-version",
        npm_config_registry: `http://127.0.0.1:${port}/`,
      },
      cacheRoot: join(root, "cache"),
    });
    const { trials } = await runJob({
      ...jobBase,
      paths: [task],
      agents: [{ kind: "installed", agent: "pi", model: "openai/gpt-5.5" }],
      outDir: join(root, "jobs"),
      jobName: "no-install",
      runInstalledAgent,
    });
    const t = trials[0] as TrialResult;
    assert.equal(t.exception_info?.exception_type, "AgentSetupError");
    assert.match(
      t.exception_info?.exception_message ?? "",
      /npm install @mariozechner\/pi-coding-agent@0\.0\.0-no-such-version failed/,
    );
    assert.equal(t.reward, null);
    assert.equal(t.verifier, null, "the verifier did not run");
  });

  it("a CLI that exits with its own error is recorded with its last lines and not scored", {
    timeout: 300_000,
  }, async () => {
    const mock = await startMockServer({
      script: parseMockScript({
        turns: [{ text: "x", fault: { status: 400, message: "prompt is invalid here", times: -1 } }],
      }),
    });
    try {
      const runInstalledAgent = await prepareInstalledAgents(
        [{ agent: "claude-code", model: "anthropic/claude-opus-4-7" }],
        {
          config: defaultConfig(),
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: mock.url },
        },
      );
      const { trials } = await runJob({
        ...jobBase,
        paths: [task],
        agents: [{ kind: "installed", agent: "claude-code", model: "anthropic/claude-opus-4-7" }],
        outDir: join(root, "jobs"),
        jobName: "cli-error",
        runInstalledAgent,
      });
      const t = trials[0] as TrialResult;
      assert.match(t.exception_info?.exception_type ?? "", /^(NonZeroAgentExitCodeError|AgentError)$/);
      assert.match(t.exception_info?.exception_message ?? "", /prompt is invalid here/);
      assert.equal(t.reward, null);
      assert.equal(t.verifier, null);
    } finally {
      await mock.close();
    }
  });

  it("a subscription sign-in is mounted read-only, used instead of a key, and appears in nothing written", {
    timeout: 300_000,
  }, async () => {
    // Claude Code's own sign-in file shape (~/.claude/.credentials.json of a logged-in `claude`).
    const token = "sk-ant-oat01-SUBSCRIPTIONTOKENFORTESTS000000000000000001";
    const cred = join(root, "credentials.json");
    const content = JSON.stringify({
      claudeAiOauth: {
        accessToken: token,
        refreshToken: "sk-ant-ort01-REFRESHFORTESTS0000000001",
        expiresAt: Date.now() + 3_600_000,
        scopes: ["user:inference"],
      },
    });
    writeFileSync(cred, content, { mode: 0o644 });
    const mock = await startMockServer({ script: parseMockScript({ turns: inboxTurns("claude-code", 9).slice(1) }) });
    try {
      const runInstalledAgent = await prepareInstalledAgents(
        [{ agent: "claude-code", model: "anthropic/claude-opus-4-7" }],
        {
          config: defaultConfig(),
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ANTHROPIC_BASE_URL: mock.url },
          subscriptions: { "claude-code": cred },
        },
      );
      const { trials, jobDir } = await runJob({
        ...jobBase,
        reports: true,
        paths: [task],
        agents: [{ kind: "installed", agent: "claude-code", model: "anthropic/claude-opus-4-7" }],
        outDir: join(root, "jobs"),
        jobName: "subscription",
        runInstalledAgent,
      });
      const t = trials[0] as TrialResult;
      assert.equal(t.reward, 1, JSON.stringify(t.exception_info));
      assert.ok(
        mock.requests.length > 0 && mock.requests.every((r) => r.headers["x-api-key"] === undefined),
        "no API key was sent",
      );
      assert.equal(readFileSync(cred, "utf8"), content, "the sign-in file is unchanged");
      const files = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
        );
      const leaks = files(jobDir).filter((f) => readFileSync(f, "latin1").includes(token.slice(13)));
      assert.deepEqual(leaks, [], "the token is in no file of the job");
    } finally {
      await mock.close();
    }
  });

  it("the trial's timeout is enforced: a CLI stuck on a slow model is AgentTimeoutError", {
    timeout: 300_000,
  }, async () => {
    const turns = inboxTurns("codex", 9).map((t) => ({ ...t, latency_ms: 120_000 }));
    const mock = await startMockServer({ script: parseMockScript({ turns }) });
    try {
      const runInstalledAgent = await prepareInstalledAgents([{ agent: "codex", model: "openai/gpt-5.5" }], {
        config: defaultConfig(),
        env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${mock.url}/v1` },
      });
      const started = Date.now();
      const { trials } = await runJob({
        ...jobBase,
        timeoutMultiplier: 0.02,
        paths: [task],
        agents: [{ kind: "installed", agent: "codex", model: "openai/gpt-5.5" }],
        outDir: join(root, "jobs"),
        jobName: "timeout",
        runInstalledAgent,
      });
      const t = trials[0] as TrialResult;
      assert.equal(t.exception_info?.exception_type, "AgentTimeoutError");
      assert.ok(Date.now() - started < 110_000, "the CLI was stopped at the timeout, not after the slow answer");
      assert.equal(t.agent_result?.end_state, "timeout");
    } finally {
      await mock.close();
    }
  });
});
