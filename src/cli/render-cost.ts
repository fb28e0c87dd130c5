import { existsSync } from "node:fs";
import { loadConfig } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { KindTotals, ModelTotals } from "../ledger/ledger.ts";
import { formatUsd } from "../ledger/price.ts";
import { type CostSummary, type ModelProjection, projectDaily, summarizeTarget } from "../ledger/summarize.ts";
import { loadCatalog } from "../providers/catalog.ts";

export interface CostFlags {
  json?: boolean;
  perDay: string;
  workspace?: string;
  config?: string;
}

const n = (v: number) => v.toLocaleString("en-US");
const usd = (v: number) => (v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`);

/** `switchyard cost`: breakdown by model and kind of token, and "N tasks a day ≈ $X a day". */
export async function renderCost(target: string, flags: CostFlags): Promise<number> {
  const perDay = Number(flags.perDay);
  if (!Number.isFinite(perDay) || perDay <= 0) {
    throw new ConfigError(`--per-day ${flags.perDay}: must be a number > 0`, {
      field: "--per-day",
      hint: "e.g. --per-day 250",
    });
  }
  const config = loadConfig(flags.config ? { file: flags.config } : {});
  const catalog = loadCatalog(config);
  if (flags.workspace !== undefined && !existsSync(flags.workspace)) {
    throw new ConfigError(`workspace not found: ${flags.workspace}`, {
      field: "--workspace",
      hint: "pass an existing directory with --workspace DIR",
    });
  }
  const summary = summarizeTarget(target, {
    ...(flags.workspace === undefined ? {} : { cwd: flags.workspace }),
    priceOf: (ref) => {
      try {
        return catalog.resolve(ref).model.price;
      } catch {
        return undefined;
      }
    },
  });
  const projection = projectDaily(summary, perDay);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, projection }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(renderCostSummary(summary, perDay));
  return 0;
}

/** One line per model: its tasks, trials and solved trials, cost per task and per solved task, the projection. */
function modelLines(models: ModelProjection[], perDay: number): string[] {
  const known = (v: number | null, what: string) => (v === null ? `${what} unknown` : `${what} ${usd(v)}`);
  return [
    "Projection per model (per task: mean over tasks, each task's trials averaged first; per solved task: cost / passed trials):",
    ...models.map((m) => {
      const day = m.perDayUsd === null ? "unknown" : `${usd(m.perDayUsd)} a day`;
      const partial = m.complete ? "" : " (priced trials only)";
      const unscored = m.unscored ? `, ${m.unscored} not scored` : "";
      return (
        `  ${m.model.padEnd(30)} ${m.tasks} task${m.tasks === 1 ? "" : "s"}, ${m.trials} trial${m.trials === 1 ? "" : "s"}, ` +
        `${m.solved} solved${unscored}  ${known(m.perTaskUsd, "per task")}  ${m.solved ? known(m.perSolvedUsd, "per solved task") : "nothing solved"}` +
        `  ${perDay} tasks a day ≈ ${day}${partial}`
      );
    }),
  ];
}

function kindLines(k: KindTotals): string[] {
  return [
    `  input (uncached)  ${n(k.input.tokens).padStart(14)} tok  ${usd(k.input.usd).padStart(10)}`,
    `  cache read        ${n(k.cacheRead.tokens).padStart(14)} tok  ${usd(k.cacheRead.usd).padStart(10)}`,
    `  cache write       ${n(k.cacheWrite.tokens).padStart(14)} tok  ${usd(k.cacheWrite.usd).padStart(10)}`,
    `  output            ${n(k.output.tokens).padStart(14)} tok  ${usd(k.output.usd).padStart(10)}`,
    `    of which reasoning ${n(k.reasoning.tokens).padStart(11)} tok  ${usd(k.reasoning.usd).padStart(10)}  (billed as output)`,
  ];
}

/** Under a model's line: its price tiers (when any call was not standard) and its latency figures. */
function modelDetailLines(m: ModelTotals): string[] {
  const out: string[] = [];
  if (m.tiers) {
    const tiers = Object.entries(m.tiers)
      .sort((a, b) => b[1].usd - a[1].usd)
      .map(([tier, t]) => `${tier} ${t.calls} call${t.calls === 1 ? "" : "s"} ${usd(t.usd)}`);
    out.push(`    price tiers: ${tiers.join(", ")}`);
  }
  const l = m.latency;
  if (l) {
    const ttft = l.meanTtftMs === null ? "–" : `${Math.round(l.meanTtftMs)} ms`;
    const tps = l.meanOutputTokensPerSecond === null ? "–" : `${l.meanOutputTokensPerSecond.toFixed(1)} tok/s`;
    out.push(
      `    latency: TTFT ${ttft}, output ${tps} (mean of ${l.responses} response${l.responses === 1 ? "" : "s"})`,
    );
  }
  return out;
}

export function renderCostSummary(s: CostSummary, perDay: number): string {
  const t = s.totals;
  const unit = s.kind === "job" ? "trial" : "run";
  const out: string[] = [
    `Cost of ${s.kind} ${s.source} (${s.units} ${unit}${s.units === 1 ? "" : "s"}, ${t.calls} model calls)`,
  ];
  out.push("", "By model:");
  for (const [model, m] of Object.entries(t.byModel).sort((a, b) => b[1].cost.total - a[1].cost.total)) {
    const provider = m.providerCostUsd === undefined ? "" : `  (provider says ${usd(m.providerCostUsd)})`;
    out.push(
      `  ${model.padEnd(30)} ${String(m.calls).padStart(5)} calls  in ${n(m.usage.input)}  cache ${n(m.usage.cacheRead)}+${n(m.usage.cacheWrite)}  out ${n(m.usage.output)}  ${formatUsd(m.cost)}${provider}`,
    );
    out.push(...modelDetailLines(m));
  }
  out.push("", "By kind of token:", ...kindLines(t.byKind));
  out.push(
    "",
    `Total: ${formatUsd(t.cost)}${t.providerCostUsd === undefined ? "" : `  (provider-reported: ${usd(t.providerCostUsd)})`}`,
  );
  if (t.unpricedModels.length) {
    out.push(`  unknown cost: no price in the catalog for ${t.unpricedModels.join(", ")} (not counted as $0)`);
  }
  for (const d of t.disagreements) {
    out.push(`  ! ${d.model} (${d.runId}): we computed ${usd(d.oursUsd)}, the provider reported ${usd(d.providerUsd)}`);
  }
  const p = projectDaily(s, perDay);
  if (p.byModel) out.push("", ...modelLines(p.byModel, perDay));
  if (p.byModel && p.byModel.length > 1) {
    out.push(
      "",
      `${perDay} tasks a day: see each model above (the job ran ${p.byModel.length} models; no single mean)`,
    );
  } else if (p.perTaskUsd === null || p.perDayUsd === null) {
    out.push("", `${perDay} tasks a day ≈ unknown (no ${unit} has a known price)`);
  } else {
    const over = s.unpricedUnits.length ? ` over the ${s.units - s.unpricedUnits.length} priced ${unit}s` : "";
    const what = s.kind === "job" ? `mean over tasks, each task's trials averaged first${over}` : `mean${over}`;
    out.push("", `Per task: ${usd(p.perTaskUsd)} (${what})`);
    out.push(`${perDay} tasks a day ≈ ${usd(p.perDayUsd)} a day${p.complete ? "" : " (priced runs only)"}`);
  }
  if (s.warnings.length) out.push("", "Warnings:", ...s.warnings.map((w) => `  ${w}`));
  return `${out.join("\n")}\n`;
}
