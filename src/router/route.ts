import type { Config } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { TrialRow } from "../ledger/results-store.ts";
import { loadCatalog } from "../providers/catalog.ts";
import { type CatalogLike, normalizeRef } from "./catalog-view.ts";
import { type Classification, categoryToClass, classifyTask, TASK_CLASSES, type TaskClass } from "./classify.ts";
import {
  comparableEvidence,
  costFloored,
  type EvidencePolicy,
  type ExcludedEvidence,
  evidenceFor,
  MIN_COST_USD,
  type ModelEvidence,
} from "./evidence.ts";

export type StrategyName = "explicit" | "evidence" | "rules" | "default";

export interface Decision {
  model: string;
  strategy: StrategyName;
  taskClass: TaskClass;
  /**
   * 0..1: explicit 1; evidence = the winner's Wilson lower bound; rules = the classifier's probability for the
   * class × 0.9; default 0.2.
   */
  confidence: number;
  reasons: string[];
  alternatives?: Array<{ model: string; why: string }>;
  classification: Classification;
  /** What every strategy said, in order (for `route --explain`). Strategies after the deciding one are "skipped". */
  verdicts: Array<{ strategy: StrategyName; decided: boolean; note: string }>;
  /** Evidence rows for the task class, when a results store was given. */
  evidence?: ModelEvidence[];
  /** Trials of the task class the evidence strategy left out (not comparable), by kind. */
  excludedEvidence?: ExcludedEvidence[];
  /** The results store the evidence was read from (a path, or a URL with its password masked), when it was given. */
  evidenceStore?: string;
}

export interface RouteOptions {
  /** `--model`; "auto" (or absent) lets the router choose. */
  explicitModel?: string;
  config: Config;
  /**
   * Bench trials to learn from (a SQLite results store, or rows an async store returned), and where they were read
   * (`path`, named in the evidence's reasons and in Decision.evidenceStore).
   */
  store?: { trials(): readonly TrialRow[]; readonly path?: string };
  /** Which trials count: this project's, real endpoints, full fidelity, plus config router.include_evidence. */
  evidencePolicy?: EvidencePolicy;
  /** Resolves bare ids and aliases to "provider/id"; default: the catalog built from `config`. */
  catalog?: CatalogLike;
}

/** Built-in rules, overridable per class by config `router.rules`. */
export const DEFAULT_RULES: Record<TaskClass, string> = {
  terminal: "openai/gpt-5.5",
  gui: "openai/gpt-5.5",
  patch: "anthropic/claude-opus-4-7",
  long_context: "openai/gpt-5.5",
  knowledge: "openai/gpt-5.5",
};

const RULE_WHY: Record<TaskClass, string> = {
  terminal: "strong in shell-driven tasks",
  gui: "native computer use",
  patch: "strong at code edits and patches",
  long_context: "1M-token context window",
  knowledge: "broad knowledge",
};

export const DEFAULT_MODEL = "openai/gpt-5.5";

type Verdict = Omit<Decision, "classification" | "verdicts" | "taskClass" | "evidence"> | { note: string };

interface Ctx {
  task: string;
  opts: RouteOptions;
  cls: Classification;
  evidence?: ModelEvidence[];
  excluded?: ExcludedEvidence[];
}

function rulesOf(config: Config): Record<TaskClass, string> {
  const rules = { ...DEFAULT_RULES };
  for (const [k, v] of Object.entries(config.router.rules)) {
    if (!(TASK_CLASSES as readonly string[]).includes(k)) {
      throw new ConfigError(`config router.rules.${k}: unknown task class "${k}"`, {
        field: `router.rules.${k}`,
        hint: `rename the key in switchyard.toml (or the --config file) to one of ${TASK_CLASSES.join(", ")}`,
      });
    }
    rules[k as TaskClass] = v;
  }
  return rules;
}

function explicit(ctx: Ctx): Verdict {
  const m = ctx.opts.explicitModel;
  if (!m || m === "auto") return { note: m === "auto" ? "--model auto: let the router choose" : "no --model given" };
  const model = normalizeRef(ctx.opts.catalog, m);
  return {
    model,
    strategy: "explicit",
    confidence: 1,
    reasons: [`--model ${m}${model !== m ? ` (resolved to ${model})` : ""} was given explicitly`],
  };
}

function evidence(ctx: Ctx): Verdict {
  const ev = ctx.evidence;
  if (!ev) return { note: "no results store" };
  const min = ctx.opts.config.router.min_trials;
  const floor = ctx.opts.config.router.min_pass_rate;
  const belowFloor = (e: ModelEvidence) => floor !== undefined && e.passes / e.trials < floor;
  const eligible = ev.filter((e) => e.eligible && !belowFloor(e));
  if (eligible.length === 0) {
    return {
      note: ev.length
        ? `no model has ≥ ${min} trials, a known cost${floor === undefined ? "" : ` and a pass rate ≥ ${floor}`} for class ${ctx.cls.taskClass} (${ev.map((e) => `${e.model}: ${e.passes}/${e.trials}`).join(", ")})`
        : `no ${ctx.excluded?.length ? "comparable " : ""}bench trials for class ${ctx.cls.taskClass}${leftOut(ctx.excluded)}`,
    };
  }
  const best = eligible[0]!;
  if (!best.score)
    return { note: `every model's 95% lower bound on the pass rate is 0 for class ${ctx.cls.taskClass}` };
  const figures = (e: ModelEvidence) =>
    `${e.passes}/${e.trials} passed, 95% Wilson lower bound ${e.interval.low.toFixed(2)}, ` +
    `$${(e.meanCostUsd ?? 0).toFixed(4)}/trial` +
    (costFloored(e) ? ` (floored at $${MIN_COST_USD} for the score)` : "") +
    ` → ${(e.score ?? 0).toFixed(1)} per $`;
  const fmt = (e: ModelEvidence) => `${e.model}: ${figures(e)}`;
  return {
    model: best.model,
    strategy: "evidence",
    confidence: best.interval.low,
    reasons: [
      `bench evidence for class ${ctx.cls.taskClass}${ctx.opts.store?.path ? ` (results store ${ctx.opts.store.path})` : ""}: best pass rate per dollar, judged on the Wilson 95% interval's lower bound (not the point estimate) among models with ≥ ${min} trials${floor === undefined ? "" : ` and a pass rate ≥ ${floor} (router.min_pass_rate)`}`,
      fmt(best),
    ],
    alternatives: ev
      .filter((e) => e !== best)
      .map((e) => ({
        model: e.model,
        why: belowFloor(e)
          ? `${e.passes}/${e.trials} passed, below router.min_pass_rate ${floor}`
          : e.eligible
            ? figures(e)
            : e.meanCostUsd === null
              ? `${e.trials} trial(s), none with a known cost`
              : `${e.trials} trial(s), fewer than ${min}`,
      })),
  };
}

function leftOut(excluded: readonly ExcludedEvidence[] | undefined): string {
  if (!excluded?.length) return "";
  return ` (left out: ${excluded.map((e) => `${e.trials} ${e.kind}`).join(", ")}; see router.include_evidence)`;
}

function rules(ctx: Ctx): Verdict {
  if (ctx.cls.margin === 0) return { note: "nothing in the task text matched what the classifier knows" };
  const rs = rulesOf(ctx.opts.config);
  const k = ctx.cls.taskClass;
  const fromConfig = k in ctx.opts.config.router.rules;
  const model = normalizeRef(ctx.opts.catalog, rs[k]);
  return {
    model,
    strategy: "rules",
    confidence: Math.round(ctx.cls.margin * 90) / 100,
    reasons: [
      `task class ${k} (p ${ctx.cls.margin.toFixed(2)}; cues: ${ctx.cls.cues[k].join(", ")})`,
      fromConfig ? `config router.rules.${k} = ${rs[k]}` : `built-in rule: ${k} → ${rs[k]} (${RULE_WHY[k]})`,
    ],
  };
}

function fallbackDefault(ctx: Ctx): Verdict {
  const c = ctx.opts.config;
  const src = c.router.default ? "config router.default" : c.model ? "config model" : "built-in default";
  const ref = c.router.default ?? c.model ?? DEFAULT_MODEL;
  return {
    model: normalizeRef(ctx.opts.catalog, ref),
    strategy: "default",
    confidence: 0.2,
    reasons: [`${src}: ${ref}`],
  };
}

/**
 * The router: a chain of strategies, each deciding or passing; the last always decides. Order: explicit `--model`,
 * then the bench evidence (the team's own measurements on its own tasks outrank generic rules), then rules from
 * the task class, then the default.
 */
export function routeTask(task: string, opts: RouteOptions): Decision {
  // A bad rule is a config error on every call, not only for tasks whose class reaches the rules strategy.
  rulesOf(opts.config);
  const cls = classifyTask(task);
  const ctx: Ctx = { task, opts: opts.catalog ? opts : { ...opts, catalog: loadCatalog(opts.config) }, cls };
  let excluded: ExcludedEvidence[] | undefined;
  if (opts.store) {
    const classRows = opts.store
      .trials()
      .filter((r) => r.model.includes("/") && categoryToClass(r.category) === cls.taskClass);
    const policy: EvidencePolicy = {
      ...opts.evidencePolicy,
      include: [...opts.config.router.include_evidence, ...(opts.evidencePolicy?.include ?? [])],
    };
    const comparable = comparableEvidence(classRows, policy);
    excluded = comparable.excluded;
    ctx.evidence = evidenceFor(cls.taskClass, comparable.rows, opts.config.router.min_trials);
    ctx.excluded = excluded;
  }
  const chain: Array<[StrategyName, (c: Ctx) => Verdict]> = [
    ["explicit", explicit],
    ["evidence", evidence],
    ["rules", rules],
    ["default", fallbackDefault],
  ];
  const verdicts: Decision["verdicts"] = [];
  let decided: Exclude<Verdict, { note: string }> | undefined;
  for (const [name, strategy] of chain) {
    if (decided) {
      verdicts.push({ strategy: name, decided: false, note: "skipped (an earlier strategy decided)" });
      continue;
    }
    const v = strategy(ctx);
    if ("model" in v) {
      decided = v;
      verdicts.push({ strategy: name, decided: true, note: `→ ${v.model}` });
    } else {
      verdicts.push({ strategy: name, decided: false, note: v.note });
    }
  }
  const d = decided ?? (fallbackDefault(ctx) as Exclude<Verdict, { note: string }>);
  const out: Decision = { ...d, taskClass: cls.taskClass, classification: cls, verdicts };
  if (ctx.evidence) out.evidence = ctx.evidence;
  if (excluded?.length) out.excludedEvidence = excluded;
  if (opts.store?.path) out.evidenceStore = opts.store.path;
  return out;
}
