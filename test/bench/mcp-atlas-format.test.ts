import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { coverageOf, matches, parseClaims } from "../../src/bench/mcp-atlas/claims.ts";
import { scoreAnswer } from "../../src/bench/mcp-atlas/score-trial.ts";
import { loadAtlasSuite } from "../../src/bench/mcp-atlas/suite.ts";
import { loadSuite } from "../../src/bench/task.ts";
import { ROOT } from "../mcp/helpers.ts";

/** MCP-Atlas rows and claims: parsing, the exact-match forms, coverage and threshold, skips with a reason. */
const tmp = mkdtempSync(join(tmpdir(), "sy-atlas-format-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function suite(rows: Array<Record<string, unknown>>, manifest = 'tasks = ["tasks.jsonl"]\n'): string {
  const dir = mkdtempSync(join(tmp, "s-"));
  cpSync(join(ROOT, "tasks", "mcp-atlas", "environment"), join(dir, "environment"), { recursive: true });
  writeFileSync(join(dir, "mcp-atlas.toml"), manifest);
  writeFileSync(join(dir, "tasks.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n"));
  return dir;
}

const ROW = {
  TASK: "t1",
  PROMPT: "How big is the upload limit?",
  ENABLED_TOOLS: ["filesystem_read_text_file", "tracker_list_issues"],
  GTFA_CLAIMS: [{ claim: "The limit is 250 MB", match: { type: "number", value: 250 } }],
};

test("exact claim forms: string (case, whitespace), regex, number with tolerance, relative and thousands", () => {
  assert.ok(matches({ type: "string", value: "Priya  Raman" }, "the lead is priya raman."));
  assert.ok(!matches({ type: "string", value: "Priya", case_sensitive: true }, "priya"));
  assert.ok(matches({ type: "regex", pattern: "\\b5\\b.*duplicate.*\\b1\\b" }, "Closed 5 as a DUPLICATE of 1"));
  assert.ok(!matches({ type: "regex", pattern: "\\b5\\b.*duplicate.*\\b1\\b" }, "Closed 15 as a duplicate of 12"));
  assert.ok(matches({ type: "number", value: 27680 }, "total: 27,680 USD"));
  assert.ok(!matches({ type: "number", value: 27680 }, "total: 27,681 USD"));
  assert.ok(matches({ type: "number", value: 100, tolerance: 0.5 }, "about 100.4"));
  assert.ok(matches({ type: "number", value: 200, relative: 0.05 }, "roughly 209"));
  assert.ok(!matches({ type: "number", value: 200, relative: 0.05 }, "roughly 211"));
});

test("claims: MCP-Atlas's str(list) and bullet forms, short ones dropped; coverage rounds to 3 decimals", () => {
  assert.deepEqual(
    parseClaims("['The sum is 7', \"It's Tomas\", 'ok']").map((c) => c.text),
    ["The sum is 7", "It's Tomas"],
  );
  assert.deepEqual(
    parseClaims("- first claim here\n- 2. second claim").map((c) => c.text),
    ["first claim here", "second claim"],
  );
  const v = (score: number) => ({
    claim: "c",
    method: "exact" as const,
    outcome: "fulfilled" as const,
    score,
    justification: "",
  });
  assert.equal(coverageOf([v(1), v(0), v(0)]), 0.333);
  assert.equal(coverageOf([]), 0);
});

test("reward = coverage: 3 of 4 claims give 0.75; an empty answer scores 0 without a judge; thresholds from row or manifest", async () => {
  const claims = ["alpha", "bravo", "charlie", "delta"].map((w) => ({
    text: `says ${w}`,
    match: { type: "string" as const, value: w },
  }));
  const three = await scoreAnswer(claims, "alpha bravo charlie", undefined);
  assert.equal(coverageOf(three.verdicts), 0.75);
  assert.equal(three.spend, null);
  const empty = await scoreAnswer([{ text: "needs a judge" }], "  ", undefined);
  assert.equal(coverageOf(empty.verdicts), 0);
  await assert.rejects(scoreAnswer([{ text: "needs a judge" }], "an answer", undefined), /no judge model was given/);
  const dir = suite([{ ...ROW, PASS_THRESHOLD: 0.5 }], 'tasks = ["tasks.jsonl"]\npass_threshold = 0.9\n');
  assert.equal(loadAtlasSuite(dir).tasks[0]?.mcpAtlas?.passThreshold, 0.5, "the row's threshold wins");
  const dir2 = suite([ROW], 'tasks = ["tasks.jsonl"]\npass_threshold = 0.9\n');
  assert.equal(loadAtlasSuite(dir2).tasks[0]?.mcpAtlas?.passThreshold, 0.9);
});

test("a bad row is a failure naming the file, row and field; the other rows load", () => {
  const dir = suite([ROW, { TASK: "t2", ENABLED_TOOLS: ROW.ENABLED_TOOLS, GTFA_CLAIMS: ROW.GTFA_CLAIMS }]);
  const { tasks, failures } = loadAtlasSuite(dir);
  assert.deepEqual(
    tasks.map((t) => t.name),
    ["t1"],
  );
  assert.equal(failures.length, 1);
  assert.match(failures[0]?.error.message ?? "", /tasks\.jsonl: row 2: PROMPT: missing/);
  const bad = suite([{ ...ROW, GTFA_CLAIMS: [{ claim: "bad regex", match: { type: "regex", pattern: "(" } }] }]);
  assert.match(loadAtlasSuite(bad).failures[0]?.error.message ?? "", /GTFA_CLAIMS\[0\]\.match/);
  const unknown = suite([{ ...ROW, ENABLED_TOOLS: ["nosuchserver_tool"] }]);
  assert.match(loadAtlasSuite(unknown).failures[0]?.error.message ?? "", /"nosuchserver_tool" names no known server/);
});

test("a task whose server needs keys or network is skipped with the reason; a manifest server runs once its key is set", () => {
  const gh = suite([
    { ...ROW, TASK: "gh", ENABLED_TOOLS: ["github_search_repositories", "filesystem_read_text_file"] },
  ]);
  const skipped = loadAtlasSuite(gh).tasks[0]?.mcpAtlas?.skip ?? "";
  assert.match(skipped, /'github' needs GITHUB_TOKEN and network access/);
  const manifest = [
    'tasks = ["tasks.jsonl"]',
    "[servers.weather]",
    'command = "weather-mcp"',
    'keys = ["WEATHER_API_KEY"]',
    'allowed_hosts = ["api.weather.example"]',
  ].join("\n");
  const w = suite([{ ...ROW, TASK: "w", ENABLED_TOOLS: ["weather_forecast", "filesystem_read_text_file"] }], manifest);
  assert.match(loadAtlasSuite(w, {}).tasks[0]?.mcpAtlas?.skip ?? "", /'weather' needs WEATHER_API_KEY/);
  const withKey = loadAtlasSuite(w, { ...process.env, WEATHER_API_KEY: "k" }).tasks[0]?.mcpAtlas;
  assert.equal(withKey?.skip, undefined);
  assert.deepEqual(withKey?.allowedHosts, ["api.weather.example"]);
  assert.deepEqual(withKey?.servers.weather?.allow, ["forecast"], "only the enabled tool is offered");
  assert.equal(withKey?.servers.weather?.env.WEATHER_API_KEY, "k");
});

test("rows load beside TB2 tasks through loadSuite: a rows file, a suite folder, a suite folder inside a suite", () => {
  const parent = mkdtempSync(join(tmp, "parent-"));
  const inner = suite([ROW]);
  cpSync(inner, join(parent, "atlas"), { recursive: true });
  cpSync(join(ROOT, "tasks", "examples", "csv-sales-summary"), join(parent, "csv-sales-summary"), { recursive: true });
  const s = loadSuite([parent]);
  assert.deepEqual(s.tasks.map((t) => t.name).sort(), ["csv-sales-summary", "t1"]);
  assert.ok(s.tasks.find((t) => t.name === "t1")?.mcpAtlas);
  mkdirSync(join(tmp, "rows"), { recursive: true });
  const file = join(tmp, "rows", "tasks.jsonl");
  writeFileSync(file, `${JSON.stringify({ ...ROW, TASK: "row-file" })}\n`);
  assert.deepEqual(
    loadSuite([file]).tasks.map((t) => t.name),
    ["row-file"],
  );
});
