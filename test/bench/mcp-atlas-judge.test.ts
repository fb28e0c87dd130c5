import assert from "node:assert/strict";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runJob } from "../../src/bench/job.ts";
import { createClaimJudge } from "../../src/bench/mcp-atlas/judge.ts";
import { prepareModelAgents } from "../../src/bench/switchyard-agent.ts";
import { defaultConfig } from "../../src/core/config.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { startMockServer } from "../../src/mock/server.ts";
import { call, ROOT } from "../mcp/helpers.ts";

/**
 * The claims judge over HTTP: the agent is openai/gpt-5.5 (OpenAI SDK) and the judge anthropic/claude-opus-4-7
 * (Anthropic SDK), both against the mock, which plays the judge with scripted verdicts. Claims without an exact
 * match go to the judge one by one; the prompt, the raw answer and the verdict are stored per claim, and the judge's
 * tokens and cost are kept apart from the agent's.
 */
const SUITE = join(ROOT, "tasks", "mcp-atlas");
const out = mkdtempSync(join(tmpdir(), "sy-atlas-judge-"));
chmodSync(out, 0o711);
after(() => rmSync(out, { recursive: true, force: true }));

function judgedSuite(): string {
  const dir = mkdtempSync(join(out, "suite-"));
  cpSync(join(SUITE, "environment"), join(dir, "environment"), { recursive: true });
  writeFileSync(join(dir, "mcp-atlas.toml"), 'tasks = ["tasks.jsonl"]\n');
  const row = {
    TASK: "judged-release",
    PROMPT: "Which release fixed the closed upload issue, and when was it released (see /data/docs/releases.md)?",
    ENABLED_TOOLS: ["tracker_list_issues", "filesystem_read_text_file", "memory_search_nodes"],
    GTFA_CLAIMS: [
      "The upload issue was fixed in release v4.2.0",
      "v4.2.0 was released on 2026-11-18",
      { claim: "The issue is number 3", match: { type: "regex", pattern: "#?\\b3\\b" } },
    ],
    GTFA: "Issue 3 was fixed in v4.2.0, released 2026-11-18.",
    TRAJECTORY: [
      { tool: "tracker_list_issues", arguments: { status: "closed" } },
      { tool: "filesystem_read_text_file", arguments: { path: "/data/docs/releases.md" } },
    ],
  };
  writeFileSync(join(dir, "tasks.jsonl"), `${JSON.stringify(row)}\n`);
  return dir;
}

const verdict = (outcome: string, justification: string) =>
  JSON.stringify({ coverage_outcome: outcome, justification, confidence: 0.9 });

/** The judged suite run by openai/gpt-5.5, judged by anthropic/claude-opus-4-7, both against `serverUrl`. */
async function judgedJob(serverUrl: string, jobName: string) {
  const env = {
    ...process.env,
    OPENAI_API_KEY: "test",
    OPENAI_BASE_URL: `${serverUrl}/v1`,
    ANTHROPIC_API_KEY: "sk-test",
    ANTHROPIC_BASE_URL: serverUrl,
  };
  const config = defaultConfig();
  return runJob({
    paths: [judgedSuite()],
    agents: [{ kind: "switchyard", model: "openai/gpt-5.5" }],
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
    runModelAgent: await prepareModelAgents(["openai/gpt-5.5"], { config, env }),
    judge: await createClaimJudge("anthropic/claude-opus-4-7", { config, env }),
  });
}

test("the judge model scores the claims without a match over HTTP; prompt, verdicts and its cost are stored apart", async () => {
  const server = await startMockServer({
    script: parseMockScript({
      turn_selection: "sequential",
      models: {
        "gpt-5.5": {
          turns: [
            call("mcp__tracker__list_issues", { status: "closed" }),
            call("mcp__filesystem__read_text_file", { path: "/data/docs/releases.md" }),
            {
              text: "Issue #3 (uploads) was fixed in v4.2.0; the release date is in the notes.",
              usage: { input: 1000, output: 50 },
            },
          ],
        },
        "claude-opus-4-7": {
          turns: [
            { text: verdict("fulfilled", "The answer names v4.2.0."), usage: { input: 400, output: 30 } },
            {
              text: `\`\`\`json\n${verdict("partially_fulfilled", "No date given.")}\n\`\`\``,
              usage: { input: 400, output: 30 },
            },
          ],
        },
      },
    }),
  });
  try {
    const { trials, jobDir } = await judgedJob(server.url, "judged");
    const t = trials[0];
    assert.equal(t?.exception_info, null, JSON.stringify(t?.exception_info));
    assert.equal(t?.mcp?.coverage, 0.833, "(1 + 0.5 + 1) / 3");
    assert.equal(t?.passed, true);
    const spend = t?.mcp?.judge;
    assert.equal(spend?.model, "anthropic/claude-opus-4-7");
    assert.equal(spend?.calls, 2, "one call per judged claim; the exact claim needs none");
    assert.equal(spend?.n_output_tokens, 60);
    assert.ok((spend?.cost_usd ?? 0) > 0, "priced at the judge's catalog price");
    assert.equal(t?.agent_result?.n_output_tokens, 20 + 20 + 50, "the agent's three turns, none of the judge's");
    assert.notEqual(t?.agent_result?.cost_usd, spend?.cost_usd);
    const judgeRequests = server.requests.filter((r) => r.path.includes("/messages"));
    assert.equal(judgeRequests.length, 2);
    assert.match(JSON.stringify(judgeRequests[0]?.body), /v4\.2\.0 was released|fixed in release v4\.2\.0/);
    const stored = JSON.parse(readFileSync(join(jobDir, t?.trial_name ?? "", "verifier", "claims.json"), "utf8"));
    const [first, second, third] = stored.verdicts;
    assert.equal(first.method, "judge");
    assert.equal(first.outcome, "fulfilled");
    assert.match(first.prompt, /<claim>\nThe upload issue was fixed in release v4\.2\.0\n<\/claim>/);
    assert.match(first.prompt, /Issue #3 \(uploads\) was fixed in v4\.2\.0/);
    assert.match(first.raw, /coverage_outcome/);
    assert.equal(second.outcome, "partially_fulfilled");
    assert.equal(second.score, 0.5);
    assert.equal(second.justification, "No date given.");
    assert.equal(third.method, "exact");
  } finally {
    await server.close();
  }
});

test("claims that need a judge without --judge: refused before the agent runs, unscored, a VerifierError naming the fix", async () => {
  const { trials } = await runJob({
    paths: [judgedSuite()],
    agents: [{ kind: "oracle" }],
    k: 1,
    n: 1,
    resume: false,
    timeoutMultiplier: 1,
    env: "local",
    strictEnv: false,
    reports: false,
    outDir: out,
    jobName: "no-judge",
    resultsDb: false,
  });
  const t = trials[0];
  assert.equal(t?.exception_info?.exception_type, "VerifierError");
  assert.match(t?.exception_info?.exception_message ?? "", /2 claim\(s\) have no exact match.*--judge/);
  assert.equal(t?.reward, null);
  assert.equal(t?.mcp, undefined, "refused before the agent ran: nothing was scored");
});

test("a judge that fails leaves the trial unscored (a VerifierError), never a low coverage counted against the agent", async () => {
  const server = await startMockServer({
    script: parseMockScript({
      turn_selection: "sequential",
      models: {
        "gpt-5.5": { turns: [{ text: "Issue #3 was fixed in v4.2.0, released 2026-11-18." }] },
        "claude-opus-4-7": {
          turns: [
            { text: verdict("fulfilled", "The answer names v4.2.0.") },
            { fault: { status: 401, message: "invalid x-api-key" } },
          ],
        },
      },
    }),
  });
  try {
    const { trials, jobDir } = await judgedJob(server.url, "judge-fails");
    const t = trials[0];
    assert.equal(t?.exception_info?.exception_type, "VerifierError");
    assert.match(t?.exception_info?.exception_message ?? "", /1 of 3 claim\(s\) were not judged.*unscored/);
    assert.equal(t?.reward, null, "no reward: the judge's failure is not the agent's 0");
    assert.equal(t?.passed, false);
    const dir = join(jobDir, t?.trial_name ?? "", "verifier");
    const stored = JSON.parse(readFileSync(join(dir, "claims.json"), "utf8"));
    assert.equal(stored.verdicts[0].outcome, "fulfilled", "the verdicts reached are kept");
    assert.equal(stored.verdicts[1].unjudged, true);
    assert.throws(() => readFileSync(join(dir, "reward.txt")), /ENOENT/);
  } finally {
    await server.close();
  }
});
