/**
 * Prompt-linter accuracy on the held-out prompt set (bench/data/lint-heldout.jsonl, multi-label), which the models
 * were never trained or tuned on (scripts/train-lint.ts reads only lint-train.jsonl). Prints, per finding,
 * agreement (the share of prompts where "flagged" matches the label), precision and recall, and the false alarms on
 * well-specified prompts (those labelled with no finding). Per-item errors are deliberately not printed.
 * Run: npx node bench/lint-accuracy.ts [--set train]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LINT_RULES, type LintRule, lintPrompt } from "../src/spec/lint.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const set = process.argv.includes("--set") ? process.argv[process.argv.indexOf("--set") + 1] : "heldout";
const file = join(ROOT, `bench/data/lint-${set === "train" ? "train" : "heldout"}.jsonl`);
const rows = readFileSync(file, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { text: string; labels: LintRule[] });

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : "–");
console.log(`${file.slice(ROOT.length)}: ${rows.length} prompts\n`);
console.log(
  `${"finding".padEnd(22)}${"labelled".padStart(9)}${"flagged".padStart(9)}${"agreement".padStart(11)}${"precision".padStart(11)}${"recall".padStart(9)}`,
);
const results = rows.map((r) => ({ r, got: new Set(lintPrompt(r.text).map((f) => f.rule)) }));
for (const rule of LINT_RULES) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let agree = 0;
  for (const { r, got } of results) {
    const want = r.labels.includes(rule);
    const has = got.has(rule);
    if (want === has) agree++;
    if (has && want) tp++;
    else if (has) fp++;
    else if (want) fn++;
  }
  console.log(
    `${rule.padEnd(22)}${String(tp + fn).padStart(9)}${String(tp + fp).padStart(9)}${pct(agree, rows.length).padStart(11)}${pct(tp, tp + fp).padStart(11)}${pct(tp, tp + fn).padStart(9)}`,
  );
}
const clean = results.filter(({ r }) => r.labels.length === 0);
const alarmed = clean.filter(({ got }) => got.size > 0).length;
const exact = results.filter(({ r, got }) => r.labels.length === got.size && r.labels.every((l) => got.has(l))).length;
console.log(`\nwell-specified prompts (no finding expected): ${clean.length}, with a false alarm: ${alarmed}`);
console.log(`prompts with exactly the labelled findings: ${pct(exact, rows.length)} (${exact}/${rows.length})`);
