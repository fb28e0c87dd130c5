/**
 * Trains the prompt linter's per-rule models from bench/data/lint-train.jsonl and writes src/spec/lint-model.json
 * (committed; nothing is trained at run time). The held-out set (bench/data/lint-heldout.jsonl) is never read
 * here: bench/lint-accuracy.ts scores it.
 *   npx node scripts/train-lint.ts          train on the whole training set and write the model
 *   npx node scripts/train-lint.ts --cv     5-fold cross-validation on the training set only (for tuning)
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LINT_RULES, type LintRule } from "../src/spec/lint.ts";
import { lintFeatures } from "../src/spec/lint-cues.ts";
import { type Example, readJsonl, scores, shuffled, train } from "./logistic.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const TRAIN = join(ROOT, "bench/data/lint-train.jsonl");
const OUT = join(ROOT, "src/spec/lint-model.json");

/** Regularisation: detectors generalise, word stems less so. */
const HYPER = { detector: 0.003, word: 0.03, minDf: 2, iterations: 300 };
type Hyper = typeof HYPER;

interface Row {
  text: string;
  labels: LintRule[];
}

function fit(rows: Row[], hyper: Hyper) {
  const df = new Map<string, number>();
  const feats = rows.map((r) => [...lintFeatures(r.text).keys()]);
  for (const fs of feats) for (const f of fs) df.set(f, (df.get(f) ?? 0) + 1);
  const vocab = [...df.entries()]
    .filter(([f, n]) => !f.startsWith("w:") || n >= hyper.minDf)
    .map(([f]) => f)
    .sort();
  const index = new Map(vocab.map((f, i) => [f, i]));
  const xOf = (fs: string[]) => fs.flatMap((f) => (index.has(f) ? [index.get(f)!] : []));
  const models = Object.fromEntries(
    LINT_RULES.map((rule) => {
      const examples: Example[] = rows.map((r, i) => ({ x: xOf(feats[i]!), y: r.labels.includes(rule) ? 1 : 0 }));
      const m = train(examples, {
        classes: 2,
        features: vocab.length,
        iterations: hyper.iterations,
        lambda: (f) => (vocab[f]!.startsWith("w:") ? hyper.word : hyper.detector),
      });
      return [rule, m];
    }),
  ) as Record<LintRule, ReturnType<typeof train>>;
  const predict = (text: string): LintRule[] => {
    const x = xOf([...lintFeatures(text).keys()]);
    return LINT_RULES.filter((rule) => scores(models[rule], x)[1]! >= 0.5);
  };
  return { vocab, models, predict };
}

function crossValidate(rows: Row[], hyper: Hyper, folds = 5): string {
  const data = shuffled(rows);
  const agree = Object.fromEntries(LINT_RULES.map((r) => [r, 0])) as Record<LintRule, number>;
  for (let k = 0; k < folds; k++) {
    const { predict } = fit(
      data.filter((_, i) => i % folds !== k),
      hyper,
    );
    for (const r of data.filter((_, i) => i % folds === k)) {
      const got = predict(r.text);
      for (const rule of LINT_RULES) if (got.includes(rule) === r.labels.includes(rule)) agree[rule]++;
    }
  }
  return LINT_RULES.map((r) => `${r} ${(agree[r] / data.length).toFixed(3)}`).join("  ");
}

const rows = readJsonl<Row>(TRAIN, (f) => readFileSync(f, "utf8"));
if (process.argv.includes("--cv")) {
  const grid: Hyper[] = [
    HYPER,
    { ...HYPER, detector: 0.001 },
    { ...HYPER, detector: 0.01 },
    { ...HYPER, word: 0.01 },
    { ...HYPER, word: 1e3 },
  ];
  for (const h of grid) console.log(`${JSON.stringify(h)}  5-fold CV agreement: ${crossValidate(rows, h)}`);
} else {
  const { vocab, models } = fit(rows, HYPER);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const rules = Object.fromEntries(
    LINT_RULES.map((rule) => {
      const m = models[rule];
      const weights: Record<string, number> = {};
      vocab.forEach((f, i) => {
        // A two-class softmax is a logistic regression with the difference of the two weight vectors.
        const w = round(m.weights[i]![1]! - m.weights[i]![0]!);
        if (Math.abs(w) >= 0.02) weights[f] = w;
      });
      return [rule, { bias: round(m.bias[1]! - m.bias[0]!), weights }];
    }),
  );
  const out = {
    about: "Prompt-linter models: logistic regression per rule over features from src/spec/lint-cues.ts.",
    trainedBy: "scripts/train-lint.ts",
    trainingSet: "bench/data/lint-train.jsonl",
    examples: rows.length,
    rules,
  };
  writeFileSync(OUT, `${JSON.stringify(out)}\n`);
  spawnSync(join(ROOT, "node_modules/.bin/biome"), ["format", "--write", OUT], { stdio: "ignore" });
  console.log(`wrote ${OUT}: ${rows.length} examples`);
}
