import { readFileSync } from "node:fs";
import { describeFeature, extractFeatures } from "./features.ts";

/**
 * Task classification for the router's rules: a small softmax-regression classifier shipped with the package
 * (classifier-model.json, trained by scripts/train-router.ts from bench/data/router-train.jsonl; nothing is
 * downloaded or trained at run time). Its features (features.ts) are hand-written cue groups — every GUI widget
 * name, "the whole repository", a question opener … — and word stems; the groups carry the classes to phrasings
 * the training set never saw. A text with no feature the model knows is "terminal" with margin 0 (the rules
 * strategy then passes). bench/router-accuracy.ts measures it on a held-out set.
 */

export const TASK_CLASSES = ["patch", "gui", "long_context", "terminal", "knowledge"] as const;
export type TaskClass = (typeof TASK_CLASSES)[number];

export interface Classification {
  taskClass: TaskClass;
  /** The model's probability per class (0..1, summing to 1; all 0 when no known feature fired). */
  scores: Record<TaskClass, number>;
  /** What pushed the text towards each class, strongest first (for `route --explain`). */
  cues: Record<TaskClass, string[]>;
  /** The winner's probability (0..1); 0 when nothing the model knows matched. */
  margin: number;
}

interface ClassifierModel {
  classes: TaskClass[];
  bias: number[];
  weights: Record<string, number[]>;
}

let cached: ClassifierModel | undefined;

function model(): ClassifierModel {
  cached ??= JSON.parse(readFileSync(new URL("./classifier-model.json", import.meta.url), "utf8")) as ClassifierModel;
  return cached;
}

/** How many cues per class `--explain` shows. */
const CUES_SHOWN = 4;

function perClass<T>(f: (k: TaskClass) => T): Record<TaskClass, T> {
  return Object.fromEntries(TASK_CLASSES.map((k) => [k, f(k)])) as Record<TaskClass, T>;
}

export function classifyTask(text: string): Classification {
  const m = model();
  const index = (k: TaskClass) => m.classes.indexOf(k);
  const known = [...extractFeatures(text)].filter(([f]) => m.weights[f] !== undefined);
  if (known.length === 0) {
    return { taskClass: "terminal", scores: perClass(() => 0), cues: perClass(() => []), margin: 0 };
  }
  const z = [...m.bias];
  for (const [f] of known) {
    m.weights[f]!.forEach((w, k) => {
      z[k]! += w;
    });
  }
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  const p = perClass((k) => e[index(k)]! / sum);
  // A feature's pull towards a class: its weight there minus its mean weight over all classes.
  const cues = perClass((k) =>
    known
      .map(([f, matched]) => {
        const w = m.weights[f]!;
        return { text: describeFeature(f, matched), pull: w[index(k)]! - w.reduce((a, b) => a + b, 0) / w.length };
      })
      .filter((c) => c.pull > 0.05)
      .sort((a, b) => b.pull - a.pull)
      .slice(0, CUES_SHOWN)
      .map((c) => c.text),
  );
  let best: TaskClass = "terminal";
  for (const k of TASK_CLASSES) if (p[k] > p[best]) best = k;
  const scores = perClass((k) => Math.round(p[k] * 1000) / 1000);
  return { taskClass: best, scores, cues, margin: Math.round(p[best] * 1000) / 1000 };
}

/**
 * Map a results-store category to a task class: a class name passes through; a Terminal-Bench category is
 * mapped by its name (software-engineering → patch, ...); anything else is classified as text, else terminal.
 */
export function categoryToClass(category: string): TaskClass {
  const c = category
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
  if ((TASK_CLASSES as readonly string[]).includes(c)) return c as TaskClass;
  // "patch-js", "gui_web": a class name as the first word
  const head = TASK_CLASSES.find((k) => c.startsWith(`${k}_`));
  if (head) return head;
  const known: Record<string, TaskClass> = {
    software_engineering: "patch",
    debugging: "patch",
    coding: "patch",
    system_administration: "terminal",
    security: "terminal",
    data_science: "terminal",
    data_processing: "terminal",
    machine_learning: "terminal",
    scientific_computing: "terminal",
    games: "terminal",
    file_operations: "terminal",
    text_processing: "terminal",
    build: "terminal",
    git: "terminal",
    processes: "terminal",
    networking: "terminal",
    web: "gui",
    computer_use: "gui",
    browser: "gui",
    question_answering: "knowledge",
    knowledge: "knowledge",
    long_context: "long_context",
  };
  const k = known[c];
  if (k) return k;
  const cls = classifyTask(category.replace(/[-_]/g, " "));
  return cls.margin > 0 ? cls.taskClass : "terminal";
}
