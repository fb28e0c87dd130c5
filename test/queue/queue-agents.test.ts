import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it, test } from "node:test";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Redis } from "ioredis";
import { z } from "zod";
import { INSTALLED_AGENTS } from "../../src/bench/agents/catalog.ts";
import { agentCacheRoot } from "../../src/bench/agents/install.ts";
import type { TrialResult } from "../../src/bench/trial-result.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { type JobMeta, PROTOCOL, type QueuedTrial, trialId } from "../../src/queue/protocol.ts";
import { installedAgentFor } from "../../src/queue/worker-agents.ts";
import { PASS_IF, removeDir, tempDir, writeTask } from "../bench/task-fixtures.ts";
import { call, ROOT } from "../mcp/helpers.ts";
import { completeTrials, type Proc, readJson, stopAll, switchyard } from "./cli-procs.ts";
import { type Service, startRedis } from "./services.ts";

/**
 * Queue workers run what an in-process bench runs: an installed CLI (the real Codex from the agent cache, as
 * test/bench/installed-agents.test.ts uses it) against the mock over HTTP gives the verdict the in-process run
 * gives; a worker without the key records AgentSetupError naming itself; an MCP-Atlas bundle runs against the
 * server of `--mcp-url` and is scored by the worker's own judge (`--judge`), with the coordinator's
 * `--compact-threshold` on every model request.
 */
const isRoot = process.getuid?.() === 0;
const KEY = "test-key-not-secret-0002";

describe("queue workers run installed agents and judged MCP-Atlas tasks", {
  skip: !isRoot && "needs root (bwrap)",
}, () => {
  const root = tempDir("sy-queue-agents-");
  const procs: Proc[] = [];
  let redis: Service;
  let codexMock: MockServer;
  let atlasMock: MockServer;
  const base = {
    XDG_DATA_HOME: join(root, "data"),
    // The agent cache the set-up filled (the CLIs are never installed by a test).
    SWITCHYARD_AGENT_CACHE: agentCacheRoot(process.env),
    OPENAI_API_KEY: "",
    ANTHROPIC_API_KEY: "",
    NO_COLOR: "1",
  };
  const keyed = () => ({ ...base, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${codexMock.url}/v1` });

  before(async () => {
    writeTask(join(root, "suite"), "answer", {
      dockerfile: "FROM debian:bookworm\nWORKDIR /app\n",
      test: PASS_IF('[ "$(cat /app/answer.txt 2>/dev/null)" = 42 ]'),
    });
    redis = await startRedis();
    codexMock = await startMockServer({
      script: parseMockScript({
        turns: [
          { tool_calls: [{ name: "exec_command", arguments: { cmd: "echo 42 > /app/answer.txt" } }] },
          { text: "Wrote /app/answer.txt." },
        ],
      }),
    });
    atlasMock = await startMockServer({
      script: parseMockScript({
        models: {
          "gpt-5.5": {
            turns: [
              call("mcp__mcp-server__directory_lookup_team", { name: "Platform" }),
              call("mcp__mcp-server__directory_lookup_team", { name: "Data" }),
              call("mcp__mcp-server__calculator_calculate", { expression: "7+5" }),
              { text: "Platform has 7 people and Data has 5: 12 together." },
            ],
          },
          "claude-opus-4-7": {
            turns: [{ text: JSON.stringify({ coverage_outcome: "fulfilled", justification: "stated" }) }],
          },
        },
      }),
    });
  });

  after(async () => {
    await stopAll(procs);
    await codexMock?.close();
    await atlasMock?.close();
    await redis?.stop();
    removeDir(root);
  });

  const run = (args: string[], env: NodeJS.ProcessEnv) => {
    const p = switchyard(args, { cwd: root, env });
    procs.push(p);
    return p;
  };
  const worker = async (name: string, env: NodeJS.ProcessEnv) => {
    const w = run(["worker", "--queue", redis.url, "--name", name, "--cache-dir", join(root, `tasks-${name}`)], env);
    await w.waitFor(/waiting for trials/);
    return w;
  };
  const bench = async (job: string, paths: string[], agent: string, extra: string[], env: NodeJS.ProcessEnv) => {
    const args = ["bench", ...paths, "--agent", agent, "--out", join(root, "jobs"), "--job-name", job];
    const r = await run([...args, "--store", join(root, `${job}.sqlite`), ...extra], env).done;
    assert.equal(r.code, 0, r.stderr);
    const trials = [...completeTrials(join(root, "jobs", job)).values()];
    assert.equal(trials.length, 1, r.stderr);
    return trials[0] as TrialResult;
  };
  const verdict = (t: TrialResult) => ({
    reward: t.reward,
    passed: t.passed,
    exception: t.exception_info?.exception_type ?? null,
    agent: t.agent,
    model: t.model,
    agent_info: t.agent_info,
    tokens: [t.agent_result?.n_input_tokens, t.agent_result?.n_output_tokens],
  });
  const suite = () => join(root, "suite");

  it("an installed agent (codex) on a worker gives the in-process verdict; a worker without the key records AgentSetupError", {
    timeout: 240_000,
  }, async () => {
    const local = await bench("codex-local", [suite()], "codex:openai/gpt-5.5", [], keyed());
    assert.equal(local.reward, 1, JSON.stringify(local.exception_info));
    const w = await worker("keyed", keyed());
    const queued = await bench("codex-queued", [suite()], "codex:openai/gpt-5.5", ["--queue", redis.url], base);
    assert.deepEqual(verdict(queued), verdict(local));
    const dir = join(root, "jobs", "codex-queued", queued.trial_name);
    assert.equal((readJson(join(dir, "queue.json")).worker as { id: string }).id, "keyed");
    assert.ok(!readFileSync(join(dir, "transcript.jsonl"), "utf8").includes(KEY), "no key in the transcript");
    await stopAll([w]);

    await worker("keyless", base);
    const t = await bench("codex-keyless", [suite()], "codex:openai/gpt-5.5", ["--queue", redis.url], base);
    assert.equal(t.exception_info?.exception_type, "AgentSetupError");
    assert.match(t.exception_info?.exception_message ?? "", /^on worker keyless: OPENAI_API_KEY is not set/);
    assert.equal(t.reward, null, "unscored, not a 0");
  });

  it("an MCP-Atlas bundle runs on the worker against --mcp-url, judged by its own judge client, with the job's --compact-threshold", {
    timeout: 240_000,
  }, async () => {
    const server = await atlasLikeServer();
    try {
      const bundle = join(ROOT, "tasks", "mcp-atlas-sample", "harbor");
      const args = ["--queue", redis.url, "--judge", "anthropic/claude-opus-4-7", "--compact-threshold", "150000"];
      args.push("--mcp-url", `mcp-server=${server.url}`);

      // A worker without the judge's key: the trial fails before its agent runs.
      await stopAll(procs.splice(0));
      await worker("keyless", base);
      const refused = await bench("atlas-keyless", [bundle], "openai/gpt-5.5", args, base);
      assert.equal(refused.exception_info?.exception_type, "VerifierError");
      assert.match(refused.exception_info?.exception_message ?? "", /^on worker keyless: ANTHROPIC_API_KEY is not set/);
      assert.equal(atlasMock.requests.length, 0, "nothing was spent");
      await stopAll(procs.splice(0));

      await worker("atlas", {
        ...base,
        OPENAI_API_KEY: KEY,
        OPENAI_BASE_URL: `${atlasMock.url}/v1`,
        ANTHROPIC_API_KEY: KEY,
        ANTHROPIC_BASE_URL: atlasMock.url,
      });
      const t = await bench("atlas-queued", [bundle], "openai/gpt-5.5", args, base);
      assert.equal(t.exception_info, null, JSON.stringify(t.exception_info));
      assert.equal(t.mcp?.format, "harbor");
      assert.equal(t.mcp?.diagnostics.tool_calls, 3, "the agent's calls reached the server at --mcp-url");
      assert.equal(t.mcp?.coverage, 1, "the three claims judged fulfilled");
      assert.equal(t.mcp?.judge?.calls, 3, "one judge call per claim");
      assert.equal(t.mcp?.judge?.model, "anthropic/claude-opus-4-7");
      assert.equal(t.reward, 1);
      assert.equal(atlasMock.requests.filter((r) => r.path.includes("/messages")).length, 3);
      const agentCalls = atlasMock.requests.filter((r) => r.path.includes("/responses"));
      assert.equal(agentCalls.length, 4);
      for (const r of agentCalls) {
        assert.deepEqual((r.body as { context_management?: unknown }).context_management, [
          { type: "compaction", compact_threshold: 150000 },
        ]);
      }
    } finally {
      await server.close();
    }
  });
});

test("installed agents of one model are separate trials: the harness is part of the trial id", () => {
  const id = (agent: "codex" | "pi") =>
    trialId({
      jobId: "j",
      taskChecksum: "c",
      agent: { kind: "installed", agent, model: "openai/gpt-5.5" },
      attempt: 1,
    });
  assert.notEqual(id("codex"), id("pi"));
  assert.equal(id("codex"), id("codex"));
});

test("a worker that pins another CLI version than the job's refuses, naming both; it never runs another version", async () => {
  const pinned = INSTALLED_AGENTS.codex.version;
  const trial = {
    protocol: PROTOCOL,
    jobKey: "job-pin",
    agent: { kind: "installed", agent: "codex", model: "openai/gpt-5.5" },
    run: {
      config: { run: {}, responses: { mode: "stateless" } },
      judge: null,
      mcpUrls: {},
      allowHosts: "",
      installed: { agent: "codex", package: INSTALLED_AGENTS.codex.package, version: pinned },
    },
  } as unknown as QueuedTrial;
  const args = { redis: undefined as unknown as Redis, meta: { rateLimits: [] } as unknown as JobMeta };
  const other = {
    ...trial,
    run: { ...trial.run, installed: { agent: "codex", package: "not-codex", version: pinned } },
  };
  await assert.rejects(
    installedAgentFor({ ...args, trial: other, env: { OPENAI_API_KEY: KEY } }),
    /codex: the trial names no CLI this worker knows/,
  );
  await assert.rejects(
    installedAgentFor({
      redis: undefined as unknown as Redis,
      trial,
      meta: { rateLimits: [] } as unknown as JobMeta,
      env: { OPENAI_API_KEY: KEY, SWITCHYARD_AGENT_VERSION_CODEX: "0.1.0" },
    }),
    new RegExp(
      `codex: this machine pins version 0\\.1\\.0 \\(SWITCHYARD_AGENT_VERSION_CODEX\\), the job pins ${pinned.replaceAll(".", "\\.")}`,
    ),
  );
});

test("with --queue, a --subscription sign-in and a CLI that cannot speak the model's protocol are refused (exit 2)", async () => {
  const root = tempDir("sy-queue-refuse-");
  try {
    writeTask(root, "t", { test: PASS_IF("true") });
    const bench = (agent: string, extra: string[]) =>
      switchyard(["bench", join(root, "t"), "--agent", agent, "--out", join(root, "jobs"), ...extra], {
        cwd: root,
        env: { XDG_DATA_HOME: join(root, "data") },
      }).done;
    const queue = ["--queue", "redis://127.0.0.1:1"];
    const sub = await bench("codex:openai/gpt-5.5", [...queue, "--subscription", `codex=${join(root, "auth.json")}`]);
    assert.equal(sub.code, 2, sub.stderr);
    assert.match(sub.stderr, /--subscription does not travel to queue workers/);
    const proto = await bench("claude-code:openai/gpt-5.5", queue);
    assert.equal(proto.code, 2, proto.stderr);
    assert.match(
      proto.stderr,
      /claude-code talks anthropic-messages, but openai\/gpt-5\.5 is served over openai-responses/,
    );
  } finally {
    removeDir(root);
  }
});

/** Stands in for MCP-Atlas's image (as test/bench/mcp-atlas-sample.test.ts does): one server, `<server>_<tool>` names. */
async function atlasLikeServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const teams: Record<string, number> = { Platform: 7, Data: 5, Web: 4 };
  const make = () => {
    const mcp = new McpServer({ name: "mcp-atlas-like", version: "1.0.0" });
    const text = (t: string) => ({ content: [{ type: "text" as const, text: t }] });
    mcp.registerTool("directory_list_teams", { description: "List teams" }, async () =>
      text(Object.keys(teams).join(", ")),
    );
    mcp.registerTool(
      "directory_lookup_team",
      { description: "A team's headcount", inputSchema: { name: z.string() } },
      async ({ name }) => text(`${name}: ${teams[name] ?? 0} people`),
    );
    mcp.registerTool(
      "calculator_calculate",
      { description: "Add numbers written a+b", inputSchema: { expression: z.string() } },
      async ({ expression }) => text(String(expression.split("+").reduce((a, b) => a + Number(b), 0))),
    );
    mcp.registerTool("weather_get_forecast", { description: "Forecast" }, async () => text("sunny"));
    return mcp;
  };
  const http = createServer(async (req, res) => {
    const mcp = make();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((ok) => http.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: () => new Promise((ok) => http.close(() => ok())),
  };
}
