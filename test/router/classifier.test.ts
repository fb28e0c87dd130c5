import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { classifyTask, TASK_CLASSES, type TaskClass } from "../../src/router/classify.ts";
import { CUE_GROUPS, extractFeatures, stem } from "../../src/router/features.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const rows = (set: string) =>
  readFileSync(`${ROOT}bench/data/router-${set}.jsonl`, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text: string; label: TaskClass });

test("the held-out prompts (never trained on) are classified at least 90% right, every class at least 80%", () => {
  const held = rows("heldout");
  assert.ok(held.length >= 100);
  const right = held.filter((r) => classifyTask(r.text).taskClass === r.label).length;
  assert.ok(right / held.length >= 0.9, `held-out accuracy ${right}/${held.length}`);
  for (const k of TASK_CLASSES) {
    const of = held.filter((r) => r.label === k);
    const ok = of.filter((r) => classifyTask(r.text).taskClass === k).length;
    assert.ok(ok / of.length >= 0.8, `${k}: ${ok}/${of.length}`);
  }
});

test("training and held-out sets do not share a prompt", () => {
  const train = new Set(rows("train").map((r) => r.text.toLowerCase().trim()));
  assert.deepEqual(
    rows("heldout").filter((r) => train.has(r.text.toLowerCase().trim())),
    [],
  );
});

test("the shipped model only uses features the extractor produces", () => {
  const model = JSON.parse(readFileSync(`${ROOT}src/router/classifier-model.json`, "utf8")) as {
    classes: string[];
    bias: number[];
    weights: Record<string, number[]>;
  };
  assert.deepEqual(model.classes, [...TASK_CLASSES]);
  const groups = new Set(CUE_GROUPS.map((g) => `g:${g.name}`));
  for (const [f, w] of Object.entries(model.weights)) {
    assert.ok(groups.has(f) || f.startsWith("w:"), f);
    assert.equal(w.length, TASK_CLASSES.length);
  }
});

test("explanations quote the words of the task that drove the class", () => {
  const text = "Open the web shop in the browser, click the Basket icon and screenshot the total";
  const c = classifyTask(text);
  assert.equal(c.taskClass, "gui");
  assert.ok(c.cues.gui.length > 0 && c.cues.gui.length <= 4);
  for (const cue of c.cues.gui) {
    const quoted = /"([^"]+)"$/.exec(cue)?.[1];
    assert.ok(quoted && text.toLowerCase().includes(quoted.toLowerCase()), cue);
  }
  assert.ok(
    c.cues.gui.some((s) => s.startsWith("a pointer or UI action")),
    c.cues.gui.join(" | "),
  );
  const sum = TASK_CLASSES.reduce((s, k) => s + c.scores[k], 0);
  assert.ok(Math.abs(sum - 1) < 0.01, `probabilities sum to ${sum}`);
  assert.equal(c.margin, c.scores.gui);
});

test("phrasings outside the bundled examples: GUI work, long-context analysis and knowledge questions", () => {
  const cases: Array<[string, TaskClass]> = [
    ["in the web console press the red Delete button next to the second VM and confirm the popup", "gui"],
    ["There are 700 markdown files in notes/. Read them all and tell me which projects I abandoned.", "long_context"],
    ["why do we need a salt when hashing passwords", "knowledge"],
    ["the build is broken since the last commit, `npm run build` fails in src/index.ts, fix it", "patch"],
    ["add a cron entry that runs /opt/cleanup.sh every sunday at 3am", "terminal"],
  ];
  for (const [text, want] of cases) assert.equal(classifyTask(text).taskClass, want, text);
});

test("features: stems share inflections, groups name the words they matched", () => {
  assert.equal(stem("clicking"), stem("clicked"));
  assert.equal(stem("files"), stem("file"));
  const f = extractFeatures("Please click the Save button");
  assert.equal(f.get("g:gui_widget"), "button");
  assert.equal(f.has("w:please"), false, "politeness carries no class signal");
});
