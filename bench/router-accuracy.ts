/**
 * Router classification accuracy on the held-out prompt set (bench/data/router-heldout.jsonl), which the
 * classifier was never trained or tuned on (scripts/train-router.ts reads only router-train.jsonl). Prints the
 * accuracy, per-class recall and the confusion matrix; per-item errors are deliberately not printed.
 * Run: npx node bench/router-accuracy.ts [--set train]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { classifyTask, TASK_CLASSES, type TaskClass } from "../src/router/classify.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const set = process.argv.includes("--set") ? process.argv[process.argv.indexOf("--set") + 1] : "heldout";
const file = join(ROOT, `bench/data/router-${set === "train" ? "train" : "heldout"}.jsonl`);
const rows = readFileSync(file, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { text: string; label: TaskClass });

const confusion = new Map<string, number>();
let right = 0;
for (const r of rows) {
  const got = classifyTask(r.text).taskClass;
  if (got === r.label) right++;
  const key = `${r.label}>${got}`;
  confusion.set(key, (confusion.get(key) ?? 0) + 1);
}
const cell = (a: TaskClass, b: TaskClass) => confusion.get(`${a}>${b}`) ?? 0;
const w = 13;
console.log(`${file.slice(ROOT.length)}: ${rows.length} prompts`);
console.log(`accuracy ${((100 * right) / rows.length).toFixed(1)}% (${right}/${rows.length})\n`);
console.log(
  `${"label \\ predicted".padEnd(18)}${TASK_CLASSES.map((k) => k.padStart(w)).join("")}${"recall".padStart(9)}`,
);
for (const a of TASK_CLASSES) {
  const n = TASK_CLASSES.reduce((s, b) => s + cell(a, b), 0);
  const recall = n ? `${((100 * cell(a, a)) / n).toFixed(0)}%` : "–";
  console.log(
    `${a.padEnd(18)}${TASK_CLASSES.map((b) => String(cell(a, b)).padStart(w)).join("")}${recall.padStart(9)}`,
  );
}
