/**
 * Trains the router's task classifier from bench/data/router-train.jsonl and writes
 * src/router/classifier-model.json (committed; nothing is downloaded or trained at run time).
 * The held-out set (bench/data/router-heldout.jsonl) is never read here: bench/router-accuracy.ts scores it.
 *   npx node scripts/train-router.ts          train on the whole training set and write the model
 *   npx node scripts/train-router.ts --cv     5-fold cross-validation on the training set only (for tuning)
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TASK_CLASSES, type TaskClass } from "../src/router/classify.ts";
import { extractFeatures } from "../src/router/features.ts";
import { type Example, readJsonl, scores, shuffled, train } from "./logistic.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const TRAIN = join(ROOT, "bench/data/router-train.jsonl");
const OUT = join(ROOT, "src/router/classifier-model.json");

/** Regularisation per feature kind: cue groups generalise, so they are penalised least. */
export const HYPER = { g: 0.002, w: 0.003, minDf: 2, iterations: 400 };

interface Row {
  text: string;
  label: TaskClass;
}

function vocabulary(rows: Row[], minDf: number): string[] {
  const df = new Map<string, number>();
  for (const r of rows) for (const f of extractFeatures(r.text).keys()) df.set(f, (df.get(f) ?? 0) + 1);
  return [...df.entries()]
    .filter(([f, n]) => f.startsWith("g:") || n >= minDf)
    .map(([f]) => f)
    .sort();
}

function fit(rows: Row[], hyper = HYPER) {
  const vocab = vocabulary(rows, hyper.minDf);
  const index = new Map(vocab.map((f, i) => [f, i]));
  const toExample = (r: Row): Example => ({
    x: [...extractFeatures(r.text).keys()].flatMap((f) => (index.has(f) ? [index.get(f)!] : [])),
    y: TASK_CLASSES.indexOf(r.label),
  });
  const model = train(rows.map(toExample), {
    classes: TASK_CLASSES.length,
    features: vocab.length,
    iterations: hyper.iterations,
    lambda: (f) => hyper[vocab[f]!.slice(0, 1) as "g" | "w"],
  });
  const predict = (text: string): TaskClass => {
    const x = [...extractFeatures(text).keys()].flatMap((f) => (index.has(f) ? [index.get(f)!] : []));
    const p = scores(model, x);
    return TASK_CLASSES[p.indexOf(Math.max(...p))]!;
  };
  return { vocab, model, predict };
}

function crossValidate(rows: Row[], hyper = HYPER, folds = 5): number {
  const data = shuffled(rows);
  let right = 0;
  for (let k = 0; k < folds; k++) {
    const test = data.filter((_, i) => i % folds === k);
    const { predict } = fit(
      data.filter((_, i) => i % folds !== k),
      hyper,
    );
    right += test.filter((r) => predict(r.text) === r.label).length;
  }
  return right / data.length;
}

const rows = readJsonl<Row>(TRAIN, (f) => readFileSync(f, "utf8"));
if (process.argv.includes("--cv")) {
  const grid = [
    HYPER,
    { ...HYPER, g: 0.001 },
    { ...HYPER, g: 0.005 },
    { ...HYPER, w: 0.001 },
    { ...HYPER, w: 0.006 },
    { ...HYPER, minDf: 1 },
    { ...HYPER, minDf: 3 },
  ];
  for (const h of grid) console.log(`${JSON.stringify(h)}  5-fold CV accuracy ${crossValidate(rows, h).toFixed(3)}`);
} else {
  const { vocab, model } = fit(rows);
  const weights: Record<string, number[]> = {};
  const round = (v: number) => Math.round(v * 1000) / 1000;
  vocab.forEach((f, i) => {
    const w = Array.from(model.weights[i]!, round);
    if (Math.max(...w.map(Math.abs)) >= 0.02) weights[f] = w;
  });
  const out = {
    about: "Task classifier for the router: softmax regression over features from src/router/features.ts.",
    trainedBy: "scripts/train-router.ts",
    trainingSet: "bench/data/router-train.jsonl",
    examples: rows.length,
    classes: TASK_CLASSES,
    bias: Array.from(model.bias, round),
    weights,
  };
  writeFileSync(OUT, `${JSON.stringify(out)}\n`);
  // The repository's formatter owns the file's layout (one feature per line).
  spawnSync(join(ROOT, "node_modules/.bin/biome"), ["format", "--write", OUT], { stdio: "ignore" });
  console.log(`wrote ${OUT}: ${Object.keys(weights).length} features, ${rows.length} examples`);
}
