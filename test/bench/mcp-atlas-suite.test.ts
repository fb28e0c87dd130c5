import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runJob } from "../../src/bench/job.ts";
import { matches } from "../../src/bench/mcp-atlas/claims.ts";
import { loadAtlasSuite } from "../../src/bench/mcp-atlas/suite.ts";
import { ROOT } from "../mcp/helpers.ts";

/**
 * The bundled MCP-Atlas-style suite (tasks/mcp-atlas) in one job beside a Terminal-Bench task: every task is
 * multi-server and distractor-heavy, the oracle's reference trajectory runs against the real servers and reaches
 * coverage 1 with every fact claim grounded in a tool output, and the nop agent scores 0.
 */
const SUITE = join(ROOT, "tasks", "mcp-atlas");
const TB2 = join(ROOT, "tasks", "examples", "csv-sales-summary");
const out = mkdtempSync(join(tmpdir(), "sy-atlas-suite-"));
chmodSync(out, 0o711);
after(() => rmSync(out, { recursive: true, force: true }));

test("every bundled task: ≥ 2 servers, 3–6 reference calls, 6–37 enabled tools of which 2–8 relevant", () => {
  const { tasks, failures } = loadAtlasSuite(SUITE);
  assert.deepEqual(failures, []);
  assert.ok(tasks.length >= 12, `${tasks.length} tasks`);
  for (const t of tasks) {
    const a = t.mcpAtlas;
    assert.ok(a, t.name);
    assert.equal(a.skip, undefined, `${t.name}: ${a.skip}`);
    const servers = new Set(a.spec.trajectory.map((c) => a.tools.find((x) => x.name === c.tool)?.server));
    assert.ok(servers.size >= 2, `${t.name}: ${servers.size} servers`);
    assert.ok(a.spec.trajectory.length >= 3 && a.spec.trajectory.length <= 6, `${t.name}: calls`);
    assert.ok(a.tools.length >= 6 && a.tools.length <= 37, `${t.name}: ${a.tools.length} enabled`);
    assert.ok(a.spec.relevantTools.length >= 2 && a.spec.relevantTools.length <= 8, `${t.name}: relevant`);
    assert.ok(a.spec.claims.length >= 2 && a.spec.claims.every((c) => c.match), `${t.name}: exact claims`);
  }
});

test("oracle solves every bundled task (coverage 1, grounded claims), nop none; a TB2 task runs in the same job", async () => {
  const { trials, jobDir } = await runJob({
    paths: [SUITE, TB2],
    agents: [{ kind: "oracle" }, { kind: "nop" }],
    k: 1,
    n: 2,
    resume: false,
    timeoutMultiplier: 1,
    env: "local",
    strictEnv: false,
    reports: true,
    outDir: out,
    jobName: "suite",
    resultsDb: false,
  });
  const { tasks } = loadAtlasSuite(SUITE);
  assert.equal(trials.length, (tasks.length + 1) * 2);
  const tb2 = trials.find((t) => t.task_name === "csv-sales-summary" && t.agent_info.name === "oracle");
  assert.equal(tb2?.reward, 1, "the TB2 task is scored by its tests as before");
  assert.equal(tb2?.mcp, undefined);
  for (const task of tasks) {
    const oracle = trials.find((t) => t.task_name === task.name && t.agent_info.name === "oracle");
    const nop = trials.find((t) => t.task_name === task.name && t.agent_info.name === "nop");
    assert.equal(oracle?.exception_info, null, `${task.name}: ${JSON.stringify(oracle?.exception_info)}`);
    assert.equal(oracle?.mcp?.coverage, 1, task.name);
    assert.equal(oracle?.passed, true, task.name);
    const d = oracle?.mcp?.diagnostics;
    assert.equal(d?.tool_errors, 0, `${task.name}: the reference calls succeed`);
    assert.equal(d?.relevant_discovered, d?.relevant_tools, task.name);
    // Every fact claim (string / number) is grounded: some tool output of the reference trajectory holds it. A
    // regex claim states what the agent did ("closed 5 as a duplicate of 1"), which no output spells out.
    const transcript = readFileSync(join(jobDir, oracle?.trial_name ?? "", "transcript.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; result?: { content: Array<{ text?: string }> } });
    const outputs = transcript
      .filter((e) => e.type === "tool_result")
      .map((e) => (e.result?.content ?? []).map((p) => p.text ?? "").join("\n"));
    for (const c of task.mcpAtlas?.spec.claims ?? []) {
      if (c.match?.type === "regex") continue;
      assert.ok(
        outputs.some((o) => c.match && matches(c.match, o)),
        `${task.name}: claim "${c.text}" is in no tool output`,
      );
    }
    assert.equal(nop?.reward, 0, task.name);
    assert.equal(nop?.passed, false, task.name);
    assert.equal(nop?.mcp?.missing_claims.length, task.mcpAtlas?.spec.claims.length);
  }
  const report = readFileSync(join(jobDir, "report.md"), "utf8");
  const section = report.slice(report.indexOf("## MCP tool use"));
  assert.ok(report.includes("## MCP tool use"), "the report has the MCP section");
  const row = (label: string) => section.split("\n").find((l) => l.startsWith(`| ${label} |`)) ?? "";
  assert.match(
    row("oracle"),
    new RegExp(`\\| ${tasks.length} / ${tasks.length} \\| 1\\.000 \\| 100\\.0% \\| 0 \\| – \\|`),
  );
  assert.match(row("nop"), /\| 0\.000 \| 0\.0% \|.*no_tool_use 12/);
  assert.ok(!section.includes("csv-sales-summary"), "TB2 trials stay out of the MCP section");
  assert.match(report, /\[claims\]\(atlas-oncall-primary__oracle__1\/verifier\/claims\.json\)/);
  assert.match(readFileSync(join(jobDir, "report.html"), "utf8"), /<h2>MCP tool use/);
});
