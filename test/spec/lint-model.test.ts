import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { LINT_RULES, type LintRule, lintPrompt, lintScores } from "../../src/spec/lint.ts";
import { lintFeatures } from "../../src/spec/lint-cues.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const rows = (set: string) =>
  readFileSync(`${ROOT}bench/data/lint-${set}.jsonl`, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text: string; labels: LintRule[] });

test("held-out prompts (never trained on): at least 90% agreement per finding, few false alarms", () => {
  const held = rows("heldout");
  assert.ok(held.length >= 60);
  const got = held.map((r) => new Set(lintPrompt(r.text).map((f) => f.rule)));
  for (const rule of LINT_RULES) {
    const agree = held.filter((r, i) => r.labels.includes(rule) === got[i]!.has(rule)).length;
    assert.ok(agree / held.length >= 0.9, `${rule}: ${agree}/${held.length}`);
  }
  const clean = held.map((r, i) => ({ r, g: got[i]! })).filter(({ r }) => r.labels.length === 0);
  const alarms = clean.filter(({ g }) => g.size > 0).length;
  assert.ok(alarms / clean.length <= 0.2, `${alarms}/${clean.length} well-specified prompts got a finding`);
});

test("training and held-out sets do not share a prompt", () => {
  const train = new Set(rows("train").map((r) => r.text.toLowerCase().trim()));
  assert.deepEqual(
    rows("heldout").filter((r) => train.has(r.text.toLowerCase().trim())),
    [],
  );
});

test("open-ended scope in words the old patterns missed is flagged, a bounded goal is not", () => {
  for (const p of [
    "improve the codebase",
    "clean up everything",
    "refactor the whole module",
    "Overhaul the entire data layer",
    "modernise all of it",
    "go through every file and make it nicer",
    "refactor all the things in lib/ to be cleaner, tests in test/ must pass",
  ]) {
    const f = lintPrompt(p).find((x) => x.rule === "unbounded_scope");
    assert.ok(f, p);
    assert.ok(p.toLowerCase().includes(String(f.evidence).toLowerCase()), `${p}: evidence ${f.evidence}`);
    assert.match(f.suggestion, /stop after/);
  }
  for (const p of [
    "Speed up `load_index()` in search/index.py to under 2 s on the sample data (pytest-benchmark)",
    "Handle errors better in the payment module",
    "Rename `getUsr` to `getUser` in src/api/users.ts",
  ]) {
    assert.ok(!lintPrompt(p).some((x) => x.rule === "unbounded_scope"), p);
  }
});

test("well-specified tasks in varied styles lint clean", () => {
  for (const p of [
    "In `billing/tax.py`, `vat(amount)` rounds down; it must round half up (Python 3.12). Done when `pytest tests/test_tax.py` passes.",
    "Count the lines with ERROR in /var/log/app.log and write the number to /app/answer.txt",
    "Bump the `requests` pin in requirements.txt to 2.32.3",
  ]) {
    assert.deepEqual(
      lintPrompt(p).map((f) => f.rule),
      [],
      p,
    );
  }
});

test("a new test that checks the change is a success criterion", () => {
  for (const q of [
    "Make parse_date return an empty list instead of None when nothing matches, and add a test that asserts it.",
    "In utils/dates.py make parse_date return None for an empty string instead of raising; write a unit test which checks it.",
  ]) {
    assert.ok(!lintPrompt(q).some((f) => f.rule === "no_success_criterion"), q);
  }
  const p = "Make the parser faster and add a section to the README";
  assert.ok(lintPrompt(p).some((f) => f.rule === "no_success_criterion"));
});

test("scores are probabilities; the spec's front matter overrides the model", () => {
  const p = lintScores("Improve code quality");
  for (const rule of LINT_RULES) assert.ok(p[rule] >= 0 && p[rule] <= 1);
  assert.ok(p.unbounded_scope > 0.5 && p.vague > 0.5);
  const spec = {
    file: "t.md",
    language: "python",
    testCommand: "pytest -q",
    definitionOfDone: [],
    checkpoints: [],
    scope: ["src/billing/**"],
    body: "",
  };
  assert.deepEqual(lintPrompt("Improve code quality", spec), []);
});

test("the shipped model only uses features the detectors produce", () => {
  const model = JSON.parse(readFileSync(`${ROOT}src/spec/lint-model.json`, "utf8")) as {
    rules: Record<string, { bias: number; weights: Record<string, number> }>;
  };
  assert.deepEqual(Object.keys(model.rules).sort(), [...LINT_RULES].sort());
  const seen = new Set<string>();
  for (const r of [...rows("train"), ...rows("heldout")]) for (const f of lintFeatures(r.text).keys()) seen.add(f);
  for (const rule of Object.values(model.rules)) {
    for (const f of Object.keys(rule.weights)) assert.ok(seen.has(f) || f.startsWith("w:"), f);
  }
});
