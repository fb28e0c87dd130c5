import assert from "node:assert/strict";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, test } from "node:test";
import { runJob } from "../../src/bench/job.ts";
import { loadAtlasSuite } from "../../src/bench/mcp-atlas/suite.ts";
import { prepareModelAgents } from "../../src/bench/switchyard-agent.ts";
import type { TrialResult } from "../../src/bench/trial-result.ts";
import { defaultConfig } from "../../src/core/config.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { startMockServer } from "../../src/mock/server.ts";
import { createViewApp } from "../../src/view/server.ts";
import { call, ROOT } from "../mcp/helpers.ts";

/**
 * Switchyard's agent on bundled MCP-Atlas-style tasks (tasks/mcp-atlas), through the mock over HTTP with the
 * official OpenAI SDK: the pinned npm servers and the tracker run in the trial's bwrap sandbox, the model sees
 * exactly the task's enabled tools, and the answer is scored on the task's exact-match claims.
 */
const SUITE = join(ROOT, "tasks", "mcp-atlas");
const out = mkdtempSync(join(tmpdir(), "sy-atlas-agent-"));
chmodSync(out, 0o711);
after(() => rmSync(out, { recursive: true, force: true }));

/** A one-task copy of the bundled suite: its environment and the one row of `task`. */
function oneTaskSuite(task: string, extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(out, `${task}-`));
  cpSync(join(SUITE, "environment"), join(dir, "environment"), { recursive: true });
  cpSync(join(SUITE, "mcp-atlas.toml"), join(dir, "mcp-atlas.toml"));
  const rows = readFileSync(join(SUITE, "tasks.jsonl"), "utf8").split("\n");
  const row = rows.find((l) => l.includes(`"TASK":"${task}"`));
  assert.ok(row, `no row for ${task}`);
  writeFileSync(join(dir, "tasks.jsonl"), `${JSON.stringify({ ...JSON.parse(row), ...extra })}\n`);
  return dir;
}

async function runScripted(task: string, turns: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  const server = await startMockServer({ script: parseMockScript({ turns }) });
  try {
    const env = { ...process.env, OPENAI_API_KEY: "test-key-9f3a1c", OPENAI_BASE_URL: `${server.url}/v1` };
    const runModelAgent = await prepareModelAgents(["openai/gpt-5.5"], { config: defaultConfig(), env });
    const { trials, jobDir } = await runJob({
      paths: [oneTaskSuite(task, extra)],
      agents: [{ kind: "switchyard", model: "openai/gpt-5.5" }],
      k: 1,
      n: 1,
      resume: false,
      timeoutMultiplier: 1,
      env: "local",
      strictEnv: false,
      reports: false,
      outDir: join(out, "jobs"),
      jobName: `${task}-${Math.random().toString(36).slice(2, 8)}`,
      resultsDb: false,
      runModelAgent,
    });
    const t = trials.find((x) => x.task_name === task) as TrialResult;
    assert.ok(t, `no trial for ${task}`);
    return { t, jobDir, requests: server.requests };
  } finally {
    await server.close();
  }
}

function offeredTools(requests: ReadonlyArray<{ body?: unknown }>): string[] {
  const body = (requests[0]?.body ?? {}) as { tools?: Array<{ name?: string }> };
  return (body.tools ?? []).map((x) => String(x.name)).sort();
}

test("a correct trajectory across tracker and memory reaches coverage 1; the model saw exactly the enabled tools", async () => {
  const task = "atlas-close-gateway-duplicate";
  const { t, jobDir, requests } = await runScripted(task, [
    call("mcp__tracker__list_issues", { label: "gateway" }),
    call("mcp__tracker__close_issue", { id: 5, reason: "duplicate", duplicate_of: 1 }),
    call("mcp__memory__search_nodes", { query: "tomas" }),
    { text: "I closed issue 5 as a duplicate of issue 1. Issue 1 belongs to Tomas Lindqvist, extension 4417." },
  ]);
  assert.equal(t.exception_info, null, JSON.stringify(t.exception_info));
  assert.equal(t.reward, 1);
  assert.equal(t.mcp?.coverage, 1);
  assert.equal(t.mcp?.passed, true);
  const spec = loadAtlasSuite(SUITE).tasks.find((x) => x.name === task)?.mcpAtlas;
  assert.ok(spec);
  const expected = spec.tools.map((x) => `mcp__${x.server}__${x.tool}`).sort();
  assert.deepEqual(offeredTools(requests), expected, "no bash/editor, no tool outside ENABLED_TOOLS");
  const d = t.mcp?.diagnostics;
  assert.equal(d?.relevant_discovered, 3);
  assert.equal(d?.distractor_calls, 0);
  assert.equal(d?.tool_errors, 0);
  assert.equal(d?.tool_calls, 3);
  const trialDir = join(jobDir, `${task}__openai-gpt-5.5__1`);
  const claims = JSON.parse(readFileSync(join(trialDir, "verifier", "claims.json"), "utf8"));
  assert.equal(claims.verdicts.length, 3);
  assert.ok(claims.verdicts.every((v: { method: string; score: number }) => v.method === "exact" && v.score === 1));
  assert.match(readFileSync(join(trialDir, "agent", "answer.txt"), "utf8"), /Tomas Lindqvist/);
  // The close went through the real tracker: its answer (the closed issue) is in the transcript.
  const transcript = readFileSync(join(trialDir, "transcript.jsonl"), "utf8");
  assert.match(transcript, /\\"duplicate_of\\":1/);
});

test("a trajectory that calls distractors and recovers from an invalid call still passes; diagnostics count both", async () => {
  const { t } = await runScripted("atlas-q3-platform-data-sum", [
    call("mcp__filesystem__search_files", { path: "/data", pattern: "costs" }),
    call("mcp__filesystem__read_text_file", { path: "/data/reports/q3-costs.csv" }),
    call("mcp__everything__get-sum", { a: "18250", b: 9430 }),
    call("mcp__everything__get-sum", { a: 18250, b: 9430 }),
    call("mcp__memory__open_nodes", { names: ["Platform"] }),
    call("mcp__memory__search_nodes", { query: "Lead of the Platform" }),
    { text: "Platform 18250 USD + data 9430 USD = 27680 USD. Platform costs more; its lead is Priya Raman." },
  ]);
  assert.equal(t.exception_info, null, JSON.stringify(t.exception_info));
  assert.equal(t.mcp?.passed, true);
  assert.equal(t.reward, 1);
  const d = t.mcp?.diagnostics;
  assert.ok(d);
  assert.equal(d.tool_calls, 6);
  assert.equal(d.distractor_calls, 2);
  assert.deepEqual([...d.distractors_called].sort(), ["filesystem_search_files", "memory_open_nodes"]);
  assert.equal(d.invalid_parameter_calls, 1);
  assert.equal(d.tool_errors, 1);
  assert.equal(d.recovered_errors, 1);
  assert.equal(d.unrecovered_errors, 0);
  assert.equal(d.relevant_discovered, 3);
  assert.equal(d.failure_mode, null);
});

test("a wrong answer fails below the threshold and names the missing claim (a synthesis failure)", async () => {
  const { t, jobDir } = await runScripted("atlas-close-gateway-duplicate", [
    call("mcp__tracker__list_issues", { label: "gateway" }),
    call("mcp__tracker__close_issue", { id: 5, reason: "duplicate", duplicate_of: 1 }),
    call("mcp__memory__search_nodes", { query: "tomas" }),
    { text: "Closed issue 5 as a duplicate of issue 1; it is assigned to Tomas Lindqvist. (key test-key-9f3a1c)" },
  ]);
  assert.equal(t.exception_info, null, JSON.stringify(t.exception_info));
  assert.equal(t.mcp?.coverage, 0.667);
  assert.equal(t.reward, 0.667);
  assert.equal(t.mcp?.passed, false);
  assert.equal(t.passed, false);
  assert.deepEqual(t.mcp?.missing_claims, ["His phone extension is 4417"]);
  assert.equal(t.mcp?.diagnostics.synthesis_failure, true, "4417 was in the memory server's output");
  assert.equal(t.mcp?.diagnostics.failure_mode, "faulty_synthesis");
  const trialDir = join(jobDir, t.trial_name);
  for (const f of ["agent/answer.txt", "verifier/claims.json", "transcript.jsonl"]) {
    assert.doesNotMatch(readFileSync(join(trialDir, f), "utf8"), /test-key-9f3a1c/, `${f} holds no secret`);
  }
  // The viewer shows the MCP section on the job page and the verdict per claim on the trial page.
  const app = createViewApp({ paths: [join(out, "jobs")] });
  const job = basename(jobDir);
  const jobHtml = await (await app.request(`/jobs/${job}`)).text();
  assert.match(jobHtml, /<h2>MCP tool use/);
  assert.match(jobHtml, /faulty_synthesis/);
  const trialHtml = await (await app.request(`/jobs/${job}/trials/${t.trial_name}`)).text();
  assert.match(trialHtml, /<h2>Claims<\/h2>/);
  assert.match(trialHtml, /His phone extension is 4417<\/td><td>exact<\/td><td>not_fulfilled/);
  assert.match(trialHtml, /coverage 0\.667 \(pass at ≥ 0\.75\): failed/);
});

test("the tool-call budget ends the run before the next model call; diagnostics say it was exhausted", async () => {
  const { t, requests } = await runScripted(
    "atlas-q3-platform-data-sum",
    [
      call("mcp__filesystem__read_text_file", { path: "/data/reports/q3-costs.csv" }),
      call("mcp__everything__get-sum", { a: 18250, b: 9430 }),
      call("mcp__memory__search_nodes", { query: "Lead of the Platform" }),
      { text: "never asked for" },
    ],
    { TOOL_BUDGET: 2 },
  );
  assert.equal(t.agent_result?.end_state, "step_limit");
  assert.equal(requests.length, 2, "no third model call once 2 tool calls were used");
  assert.equal(t.mcp?.diagnostics.tool_calls, 2);
  assert.equal(t.mcp?.diagnostics.budget_exhausted, true);
  assert.equal(t.mcp?.coverage, 0);
});
