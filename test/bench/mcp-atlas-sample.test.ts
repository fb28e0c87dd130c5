import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { type JobOptions, runJob } from "../../src/bench/job.ts";
import { createClaimJudge } from "../../src/bench/mcp-atlas/judge.ts";
import { prepareModelAgents } from "../../src/bench/switchyard-agent.ts";
import { defaultConfig } from "../../src/core/config.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { startMockServer } from "../../src/mock/server.ts";
import { call, ROOT } from "../mcp/helpers.ts";

/**
 * MCP-Atlas-format samples (tasks/mcp-atlas-sample) import and run: a CSV in MCP-Atlas's own columns (TASK,
 * ENABLED_TOOLS, PROMPT, TRAJECTORY as chat messages, GTFA_CLAIMS as a Python list) and a bundle in the layout of
 * MCP-Atlas's Harbor converter (task.toml enabled_tools, tests/agent_judge.py CRITERIA). Their claims carry no
 * exact match, so the judge (the mock, over the Anthropic SDK) scores them.
 */
const SAMPLE = join(ROOT, "tasks", "mcp-atlas-sample");
const out = mkdtempSync(join(tmpdir(), "sy-atlas-sample-"));
chmodSync(out, 0o711);
after(() => rmSync(out, { recursive: true, force: true }));

const fulfilled = { text: JSON.stringify({ coverage_outcome: "fulfilled", justification: "stated", confidence: 1 }) };

async function withMock<T>(models: Record<string, unknown>, fn: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const server = await startMockServer({ script: parseMockScript({ turn_selection: "sequential", models }) });
  try {
    return await fn({
      ...process.env,
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: `${server.url}/v1`,
      ANTHROPIC_API_KEY: "sk-test",
      ANTHROPIC_BASE_URL: server.url,
    });
  } finally {
    await server.close();
  }
}

const base = (jobName: string): Omit<JobOptions, "paths" | "agents"> => ({
  k: 1,
  n: 1,
  resume: false,
  timeoutMultiplier: 1,
  env: "local",
  strictEnv: false,
  reports: false,
  outDir: out,
  jobName,
  resultsDb: false,
});

test("MCP-Atlas's CSV columns: the chat-message TRAJECTORY replays on the real servers, the judge scores GTFA_CLAIMS", async () => {
  await withMock({ "claude-opus-4-7": { turns: [fulfilled, fulfilled, fulfilled] } }, async (env) => {
    const judge = await createClaimJudge("anthropic/claude-opus-4-7", { config: defaultConfig(), env });
    const { trials } = await runJob({
      ...base("csv"),
      paths: [join(SAMPLE, "sample_tasks.csv")],
      agents: [{ kind: "oracle" }],
      judge,
    });
    const ran = trials.find((t) => t.task_name === "7a1b2c3d4e");
    assert.equal(ran?.exception_info, null, JSON.stringify(ran?.exception_info));
    assert.equal(ran?.mcp?.coverage, 1);
    assert.equal(ran?.mcp?.judge?.calls, 3);
    assert.equal(ran?.mcp?.diagnostics.tool_calls, 4, "the assistant messages' tool_calls, in order");
    assert.equal(ran?.mcp?.diagnostics.tool_errors, 0);
    const skipped = trials.find((t) => t.task_name === "9f8e7d6c5b");
    assert.equal(skipped?.exception_info?.exception_type, "EnvironmentUnsupportedError");
    assert.match(skipped?.exception_info?.exception_message ?? "", /'wikipedia' needs network access/);
    assert.equal(skipped?.reward, null, "unscored, not a 0");
  });
});

/** Stands in for MCP-Atlas's image: one aggregated server with `<server>_<tool>` names, more than a task enables. */
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
    mcp.registerTool("directory_delete_team", { description: "Delete a team" }, async () => text("deleted"));
    mcp.registerTool("admin_reset", { description: "Reset everything" }, async () => text("reset"));
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

test("a bundle from MCP-Atlas's Harbor converter: skipped with the fix, then run against --mcp-url with its enabled tools only", async () => {
  const bundle = join(SAMPLE, "harbor");
  const skipped = (await runJob({ ...base("bundle-skip"), paths: [bundle], agents: [{ kind: "nop" }] })).trials[0];
  assert.equal(skipped?.exception_info?.exception_type, "EnvironmentUnsupportedError");
  assert.match(skipped?.exception_info?.exception_message ?? "", /--mcp-url mcp-server=http:\/\/HOST:PORT\/mcp/);
  const atlas = await atlasLikeServer();
  try {
    const models = {
      "gpt-5.5": {
        turns: [
          call("mcp__mcp-server__directory_lookup_team", { name: "Platform" }),
          call("mcp__mcp-server__directory_lookup_team", { name: "Data" }),
          call("mcp__mcp-server__calculator_calculate", { expression: "7+5" }),
          { text: "Platform has 7 people and Data has 5: 12 together." },
        ],
      },
      "claude-opus-4-7": { turns: [fulfilled, fulfilled, fulfilled] },
    };
    await withMock(models, async (env) => {
      const config = defaultConfig();
      const { trials } = await runJob({
        ...base("bundle"),
        paths: [bundle],
        agents: [{ kind: "switchyard", model: "openai/gpt-5.5" }],
        runModelAgent: await prepareModelAgents(["openai/gpt-5.5"], { config, env }),
        judge: await createClaimJudge("anthropic/claude-opus-4-7", { config, env }),
        mcpUrls: { "mcp-server": atlas.url },
      });
      const t = trials[0];
      assert.equal(t?.exception_info, null, JSON.stringify(t?.exception_info));
      assert.equal(t?.mcp?.format, "harbor");
      assert.equal(t?.mcp?.claims, 3, "CRITERIA titles are the claims");
      assert.equal(t?.mcp?.coverage, 1);
      assert.equal(t?.mcp?.diagnostics.enabled_tools, 4);
      assert.equal(t?.mcp?.diagnostics.tool_calls, 3);
    });
  } finally {
    await atlas.close();
  }
});
