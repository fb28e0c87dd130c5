import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { INSTALLED_AGENTS, type InstalledAgentName } from "../../src/bench/agents/catalog.ts";
import { prepareInstalledAgents } from "../../src/bench/agents/prepare.ts";
import { runJob } from "../../src/bench/job.ts";
import type { TrialResult } from "../../src/bench/trial-result.ts";
import { defaultConfig } from "../../src/core/config.ts";
import { ZERO_USAGE } from "../../src/core/usage.ts";
import { priceUsage } from "../../src/ledger/price.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { loadCatalog } from "../../src/providers/catalog.ts";
import { EXAMPLES, inboxTurns, slugifyTurns, type Turn } from "./installed-agent-scripts.ts";
import { removeDir, tempDir } from "./task-fixtures.ts";

/**
 * The real CLIs (installed from npm into the agent cache by scripts/setup.sh), each driven by a bench job inside
 * the trial's bwrap sandbox, through the egress allowlist, against the mock on loopback speaking that CLI's wire
 * protocol: a shell-only task and a file-edit task both score 1, the parsed tokens are what the mock served, the
 * cost is the catalog's (reported by the CLI, or computed), and connections to another loopback port or a DNS name
 * are refused and logged in the trial's egress.jsonl.
 */
const isRoot = process.getuid?.() === 0;

/** Harbor's TrialResult (test/fixtures/harbor/, transcribed from harbor-framework/harbor's models). */
const validateTrial = (() => {
  const dir = join(import.meta.dirname, "..", "fixtures", "harbor");
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  ajv.addSchema(JSON.parse(readFileSync(join(dir, "harbor-models.schema.json"), "utf8")));
  return ajv.compile(JSON.parse(readFileSync(join(dir, "trial-result.schema.json"), "utf8")));
})();
const KEY = "test-key-not-secret-0001";

const CASES: Array<{ agent: InstalledAgentName; model: string; reported: boolean }> = [
  { agent: "codex", model: "openai/gpt-5.5", reported: false },
  { agent: "claude-code", model: "anthropic/claude-opus-4-7", reported: true },
  { agent: "gemini-cli", model: "google/gemini-3.1-pro-preview", reported: false },
  { agent: "opencode", model: "openai/gpt-5.5", reported: true },
  { agent: "pi", model: "openai/gpt-5.5", reported: true },
];

function mockEnv(url: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OPENAI_API_KEY: KEY,
    OPENAI_BASE_URL: `${url}/v1`,
    ANTHROPIC_API_KEY: KEY,
    ANTHROPIC_BASE_URL: url,
    GEMINI_API_KEY: KEY,
    GOOGLE_GEMINI_BASE_URL: url,
    ...(process.env.SWITCHYARD_AGENT_CACHE ? { SWITCHYARD_AGENT_CACHE: process.env.SWITCHYARD_AGENT_CACHE } : {}),
  };
}

/** What the mock served, in the trial's convention (OpenCode's title request carries no tools and no step). */
function served(mock: MockServer, turns: Turn[], agent: string) {
  const u = { ...ZERO_USAGE };
  for (const r of mock.requests) {
    if (r.status !== 200) continue;
    const body = r.body as { tools?: unknown[] };
    if (agent === "opencode" && !body.tools?.length) continue;
    const t = turns[Math.min(r.turn ?? 0, turns.length - 1)]?.usage;
    if (!t) continue;
    u.input += t.input;
    u.cacheRead += t.cache_read ?? 0;
    u.cacheWrite += t.cache_write ?? 0;
    u.output += t.output;
    u.reasoning += t.reasoning ?? 0;
  }
  return u;
}

describe("installed agents: the real CLIs in the trial sandbox against the mock", {
  skip: !isRoot && "needs root (bwrap)",
}, () => {
  const root = tempDir("sy-installed-");
  let other: Server;
  let otherPort = 0;
  before(async () => {
    other = createServer((_q, res) => res.end("must not be reached"));
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    otherPort = (other.address() as { port: number }).port;
  });
  after(() => {
    other.close();
    removeDir(root);
  });

  for (const c of CASES) {
    it(`${c.agent} (${c.model}) solves a shell task and a file edit; tokens, cost and the allowlist check out`, {
      timeout: 900_000,
    }, async () => {
      const tasks = [
        { name: "files-organize-inbox", turns: inboxTurns(c.agent, otherPort) },
        { name: "py-fix-slugify", turns: slugifyTurns(c.agent) },
      ];
      const { model } = loadCatalog().resolve(c.model);
      await Promise.all(
        tasks.map(async (t) => {
          const mock = await startMockServer({ script: parseMockScript({ turns: t.turns }) });
          try {
            const runInstalledAgent = await prepareInstalledAgents([{ agent: c.agent, model: c.model }], {
              config: defaultConfig(),
              env: mockEnv(mock.url),
            });
            const { trials, jobDir } = await runJob({
              paths: [join(EXAMPLES, t.name)],
              agents: [{ kind: "installed", agent: c.agent, model: c.model }],
              k: 1,
              n: 1,
              outDir: join(root, c.agent),
              jobName: t.name,
              resume: false,
              timeoutMultiplier: 1,
              env: "local",
              strictEnv: false,
              resultsDb: false,
              reports: false,
              runInstalledAgent,
            });
            const trial = trials[0] as TrialResult;
            const trialDir = join(jobDir, trial.trial_name);
            const log = join(trialDir, "agent", `${c.agent}.txt`);
            const why = `${c.agent}/${t.name}: ${JSON.stringify(trial.exception_info)}\n${existsSync(log) ? readFileSync(log, "utf8").slice(-3000) : ""}`;
            assert.equal(trial.exception_info, null, why);
            assert.equal(trial.reward, 1, why);
            assert.equal(trial.agent, c.agent);
            assert.equal(trial.model, c.model);
            const harbor = JSON.parse(readFileSync(join(trialDir, "result.json"), "utf8")) as {
              agent_info: { name: string; version: string; model_info: { name: string; provider: string } };
            };
            assert.ok(validateTrial(harbor), JSON.stringify(validateTrial.errors));
            assert.deepEqual(harbor.agent_info, {
              name: c.agent,
              version: INSTALLED_AGENTS[c.agent].version,
              model_info: { name: model.id, provider: model.provider },
            });

            const want = served(mock, t.turns, c.agent);
            assert.ok(want.output > 0, "the mock served the trajectory");
            const ar = trial.agent_result;
            assert.ok(ar);
            assert.equal(
              ar.n_input_tokens,
              want.input + want.cacheRead + want.cacheWrite,
              "prompt tokens, cache included",
            );
            assert.equal(ar.n_cache_tokens, want.cacheRead);
            assert.equal(ar.n_output_tokens, want.output);
            const catalog = priceUsage(want, model.price);
            assert.ok(catalog.priced);
            assert.ok(
              Math.abs((ar.cost_usd ?? -1) - catalog.total) < 1e-9,
              `cost ${ar.cost_usd} vs catalog ${catalog.total}`,
            );
            assert.equal(ar.cost_source, c.reported ? "reported" : "computed");
            assert.ok((ar.n_tool_calls ?? 0) >= 2, "the CLI's tool calls are counted");

            // The CLI's own log is kept, and its run is converted into Switchyard's event schema.
            assert.ok(readFileSync(log, "utf8").includes("{"), "the CLI's JSON event stream is kept");
            const events = readFileSync(join(trialDir, "transcript.jsonl"), "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l) as { type: string });
            assert.equal(events[0]?.type, "run_started");
            assert.equal(events.at(-1)?.type, "final");
            assert.ok(events.some((e) => e.type === "tool_call") && events.some((e) => e.type === "tool_result"));
            assert.ok(
              !readFileSync(join(trialDir, "transcript.jsonl"), "utf8").includes(KEY),
              "no key in the transcript",
            );

            const egress = readFileSync(join(trialDir, "egress.jsonl"), "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l) as { action: string; host: string; port: number });
            const mockPort = Number(new URL(mock.url).port);
            assert.ok(
              egress.some((e) => e.action === "allowed" && e.port === mockPort),
              "the model endpoint is allowed",
            );
            assert.ok(
              egress.filter((e) => e.action === "allowed").every((e) => e.host === "127.0.0.1" && e.port === mockPort),
              "nothing but the model endpoint is let through",
            );
            if (t.name === "files-organize-inbox") {
              const refused = egress.filter((e) => e.action === "refused").map((e) => `${e.host}:${e.port}`);
              assert.ok(refused.includes(`127.0.0.1:${otherPort}`), `another loopback port is refused: ${refused}`);
              assert.ok(refused.includes("example.com:443"), `a DNS name is refused: ${refused}`);
            }
          } finally {
            await mock.close();
          }
        }),
      );
    });
  }
});
