import { loadConfig } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import { loadCatalog } from "../providers/catalog.ts";
import { TASK_CLASSES } from "../router/classify.ts";
import { EVIDENCE_KINDS, type EvidenceKind } from "../router/evidence.ts";
import { fallbackChain } from "../router/fallback.ts";
import { type Decision, routeTask } from "../router/route.ts";

export interface RouteFlags {
  explain?: boolean;
  json?: boolean;
  model?: string;
  config?: string;
  includeEvidence?: string;
  store?: string;
}

/** `switchyard route`: the decision, and with --explain how every strategy voted. The results store is read only if it exists. */
export async function renderRoute(task: string, flags: RouteFlags): Promise<number> {
  if (task.trim() === "") {
    throw new ConfigError("route: the task is empty", { hint: 'switchyard route "<what the agent should do>"' });
  }
  const config = loadConfig(flags.config ? { file: flags.config } : {});
  const catalog = loadCatalog(config);
  // An explicit model must exist before anything is routed: the catalog throws a ConfigError with near matches.
  if (flags.model && flags.model !== "auto") catalog.resolve(flags.model);
  const include = flags.includeEvidence === undefined ? undefined : parseEvidenceKinds(flags.includeEvidence);
  const { loadEvidence } = await import("../router/route-with-evidence.ts");
  const ev = await loadEvidence(config, flags.store ? { store: flags.store } : {});
  const decision = routeTask(task, {
    config,
    catalog,
    ...(ev.storePath ? { store: { trials: () => ev.rows, path: ev.storePath } } : {}),
    evidencePolicy: { project: ev.project, ...(include ? { include } : {}) },
    ...(flags.model ? { explicitModel: flags.model } : {}),
  });
  const chain = fallbackChain(decision.model, config, catalog);
  if (flags.json) {
    // evidenceStore: the store read; storeLookedAt: where a store was looked for (none there when evidenceStore is absent).
    const json = { ...decision, fallbackChain: chain, storeLookedAt: ev.location };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    renderDecision(decision, chain, { explain: flags.explain === true, store: ev.storePath, lookedAt: ev.location }),
  );
  return 0;
}

/** `--include-evidence loopback,reduced,other-projects,unknown|all`. */
export function parseEvidenceKinds(text: string): Array<EvidenceKind | "all"> {
  const allowed = [...EVIDENCE_KINDS, "all"] as const;
  const out: Array<EvidenceKind | "all"> = [];
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(allowed as readonly string[]).includes(part)) {
      throw new ConfigError(`--include-evidence ${text}: unknown kind "${part}"`, {
        field: "--include-evidence",
        hint: `use a comma-separated list of ${allowed.join(", ")}`,
      });
    }
    out.push(part as EvidenceKind | "all");
  }
  return out;
}

export function renderDecision(
  d: Decision,
  chain: string[],
  opts: { explain: boolean; store?: string | undefined; lookedAt?: string },
): string {
  const out: string[] = [];
  out.push(`${d.model}  (${d.strategy}; class ${d.taskClass}; confidence ${d.confidence.toFixed(2)})`);
  for (const r of d.reasons) out.push(`  - ${r}`);
  if (!opts.explain) {
    if (chain.length > 1) out.push(`  fallbacks: ${chain.slice(1).join(" → ")}`);
    return `${out.join("\n")}\n`;
  }
  out.push("", "Task class scores (classifier probability; what pushed the task towards the class):");
  const cls = d.classification;
  for (const k of [...TASK_CLASSES].sort((a, b) => cls.scores[b] - cls.scores[a])) {
    // Cues of classes the model all but ruled out are noise.
    const cues = cls.cues[k].length && cls.scores[k] >= 0.01 ? `  ${cls.cues[k].join(", ")}` : "";
    out.push(`  ${k.padEnd(13)} ${cls.scores[k].toFixed(2)}${cues}`);
  }
  out.push("", "Strategies (in order: explicit, evidence, rules, default):");
  for (const v of d.verdicts) out.push(`  ${v.decided ? "✓" : "·"} ${v.strategy.padEnd(9)} ${v.note}`);
  if (d.evidence?.length) {
    out.push("", `Bench evidence for ${d.taskClass} (${opts.store ?? "results store"}):`);
    for (const e of d.evidence) {
      const cost = e.meanCostUsd === null ? "cost unknown" : `$${e.meanCostUsd.toFixed(4)}/trial`;
      const score = e.score === null ? "" : `, ${e.score.toFixed(2)} lower-bound passes per $`;
      out.push(
        `  ${e.model.padEnd(28)} ${e.passes}/${e.trials} passed, 95% CI [${e.interval.low.toFixed(2)}, ${e.interval.high.toFixed(2)}], ${cost}${score}${e.eligible ? "" : " (not eligible)"}`,
      );
    }
  } else if (opts.store) {
    out.push("", `Bench evidence for ${d.taskClass}: no comparable trials in ${opts.store}`);
  } else {
    const where = opts.lookedAt ? ` at ${opts.lookedAt}` : "";
    out.push(
      "",
      `Bench evidence: no results store${where} (run \`switchyard bench\`, or point --store / SWITCHYARD_STORE at one)`,
    );
  }
  if (d.excludedEvidence?.length) {
    out.push(
      "",
      `Bench evidence left out for ${d.taskClass} (include with router.include_evidence or --include-evidence):`,
    );
    for (const e of d.excludedEvidence) {
      out.push(`  ${e.kind.padEnd(15)} ${e.trials} trial(s) of ${e.models.join(", ")}: ${e.why}`);
    }
  }
  if (d.alternatives?.length) {
    out.push("", "Alternatives:");
    for (const a of d.alternatives) out.push(`  ${a.model}: ${a.why}`);
  }
  out.push("", `Fallback chain: ${chain.join(" → ")}`);
  return `${out.join("\n")}\n`;
}
