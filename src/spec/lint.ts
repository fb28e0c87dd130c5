import { readFileSync } from "node:fs";
import {
  CONCRETE,
  firstHit,
  LANG_FROM_EXT,
  lintFeatures,
  RUNNER_FOR,
  TEST_RUNNERS,
  UNBOUNDED,
  VAGUE_VERBS,
} from "./lint-cues.ts";
import type { TaskSpec } from "./spec.ts";

/**
 * The prompt linter: four mistakes that make an agent run long, wander or stop at the wrong time.
 * - vague: no concrete object (a path, an identifier, a URL or endpoint, a command) and no measurable outcome.
 * - missing_context: no language, framework or test runner (from the text or the spec's front matter).
 * - no_success_criterion: nothing says when the task is done (tests pass, returns 200, exit code, a number with a
 *   unit, an expected output; or the spec's definition_of_done / test_command).
 * - unbounded_scope: open-ended goals ("refactor the whole codebase", "improve code quality") with no spec scope.
 * Every suggestion rewrites the user's own words.
 * Whether a rule fires is decided by a small logistic model per rule (lint-model.json, trained by
 * scripts/train-lint.ts from bench/data/lint-train.jsonl) over the detectors of lint-cues.ts; the spec's front matter
 * then overrides (scope, language/framework/test_command, definition_of_done/test_command/checkpoints).
 * bench/lint-accuracy.ts measures it on a held-out set.
 */

export type LintRule = "vague" | "missing_context" | "no_success_criterion" | "unbounded_scope";

export interface Finding {
  rule: LintRule;
  severity: "error" | "warning";
  message: string;
  /** A concrete rewrite of the part at fault, quoting the user's text. */
  suggestion: string;
  /** The text that triggered the finding. */
  evidence?: string;
}

function clip(s: string, n = 80): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function stripTrailingPunct(s: string): string {
  return s.replace(/[\s.!?]+$/, "");
}

export const LINT_RULES: readonly LintRule[] = ["vague", "missing_context", "no_success_criterion", "unbounded_scope"];

interface LintModel {
  rules: Record<LintRule, { bias: number; weights: Record<string, number> }>;
}

let cached: LintModel | undefined;

function model(): LintModel {
  cached ??= JSON.parse(readFileSync(new URL("./lint-model.json", import.meta.url), "utf8")) as LintModel;
  return cached;
}

/**
 * The model's probability, per rule, that a prompt has that mistake (spec front matter not considered).
 * Logistic regression per rule over lintFeatures(text); see lint-model.json and scripts/train-lint.ts.
 */
export function lintScores(text: string): Record<LintRule, number> {
  const features = lintFeatures(text.trim());
  const m = model();
  const out = {} as Record<LintRule, number>;
  for (const rule of LINT_RULES) {
    const r = m.rules[rule];
    let z = r.bias;
    for (const f of features.keys()) z += r.weights[f] ?? 0;
    out[rule] = 1 / (1 + Math.exp(-z));
  }
  return out;
}

/** The rule fires at or above this probability. */
export const LINT_THRESHOLD = 0.5;

export function lintPrompt(text: string, spec?: TaskSpec): Finding[] {
  const findings: Finding[] = [];
  const t = text.trim();
  const quoted = clip(stripTrailingPunct(t));
  const concrete = firstHit(t, CONCRETE);
  const features = lintFeatures(t);
  const p = lintScores(t);
  const fires = (rule: LintRule) => p[rule] >= LINT_THRESHOLD;
  const words = t.split(/\s+/).filter(Boolean).length;

  if (fires("vague") && !spec?.scope) {
    const verb = VAGUE_VERBS.exec(t)?.[0];
    findings.push({
      rule: "vague",
      severity: "error",
      message: `"${quoted}" names no concrete object (file, function, endpoint, command) and no measurable outcome${
        words < 6 ? `; ${words} word${words === 1 ? "" : "s"} leave the agent guessing` : ""
      }`,
      suggestion: `"${quoted} in \`<path/to/file>\` (\`<functionName>\`): <what happens now, e.g. the error text>; expected: <what should happen>"${
        verb && !/^(make|do)$/i.test(verb)
          ? ` — say what to ${verb.toLowerCase()} and where`
          : " — say what to change and where"
      }`,
      evidence: t.slice(0, 120),
    });
  }

  const specContext = Boolean(spec?.language || spec?.framework || spec?.testCommand);
  if (fires("missing_context") && !specContext) {
    const ext = new RegExp(`\\.(${Object.keys(LANG_FROM_EXT).join("|")})\\b`).exec(t)?.[1];
    const impliedLang = ext ? LANG_FROM_EXT[ext] : undefined;
    const guess = impliedLang ?? "<language>";
    const runnerHint = (impliedLang && RUNNER_FOR[impliedLang]) ?? "<test command, e.g. pytest -q>";
    findings.push({
      rule: "missing_context",
      severity: "warning",
      message: impliedLang
        ? `no framework or test runner stated (the file names suggest ${impliedLang})`
        : "no language, framework or test runner stated",
      suggestion: `"${quoted}. This is a ${guess} project using <framework>; run the tests with \`${runnerHint}\`." — or set language, framework and test_command in a spec's front matter`,
      ...(ext ? { evidence: `.${ext}` } : {}),
    });
  }

  const specCriterion = Boolean(spec && (spec.definitionOfDone.length || spec.testCommand || spec.checkpoints.length));
  if (fires("no_success_criterion") && !specCriterion) {
    const testCmd = TEST_RUNNERS.exec(t)?.[0];
    findings.push({
      rule: "no_success_criterion",
      severity: concrete ? "warning" : "error",
      message: "nothing says when the task is done (e.g. tests pass, returns 200, exit code 0, a number with a unit)",
      suggestion: `"${quoted}; done when \`${testCmd ?? "<test command>"}\` passes and <an observable result, e.g. a sample run prints the expected output or the endpoint returns 200>." — or add definition_of_done to the spec`,
    });
  }

  if (fires("unbounded_scope") && !spec?.scope) {
    const rule = UNBOUNDED.map((u) => ({ u, m: u.re.exec(t) })).find((x) => x.m);
    const phrase =
      rule?.m?.[0] ??
      features.get("unbounded:whole") ??
      features.get("unbounded:everything") ??
      features.get("unbounded:all of a kind") ??
      features.get("unbounded:rewrite") ??
      features.get("unbounded:broad object") ??
      features.get("unbounded") ??
      stripTrailingPunct(t);
    const bounded = rule ? rule.u.bounded(phrase) : `${phrase} (in \`<file or module>\` only)`;
    const rewritten = t.includes(phrase) ? t.replace(phrase, bounded) : `${stripTrailingPunct(t)} ${bounded}`;
    findings.push({
      rule: "unbounded_scope",
      severity: "error",
      message: `"${phrase}" has no boundary: the agent can change anything and never knows when to stop`,
      suggestion: `"${clip(stripTrailingPunct(rewritten), 160)}; stop after <N files / one PR-sized change>." — or list the allowed paths in the spec's scope`,
      evidence: phrase,
    });
  }
  return findings;
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === "error");
}
