import type { ScreenshotTally } from "../computer/screenshots.ts";
import type { RunEvent } from "../core/events.ts";
import type { ApprovalRequest } from "../core/tool.ts";
import { formatUsd } from "../ledger/price.ts";
import { displayPath } from "./hints.ts";

export { createRunRenderer, type RunRenderer } from "./render-run-events.ts";

export function renderFinal(
  outcome: {
    runId: string;
    final:
      | Extract<RunEvent, { type: "final" }>
      | { endState: string; message: string; steps: number; exitCode: number };
    changes: Array<{ path: string; kind: string }>;
    patch: string;
    screenshots?: ScreenshotTally;
    disk?: { quotaMb: number; enforced: boolean; leftBytes: number };
  } & { cost?: Parameters<typeof formatUsd>[0] },
  opts: { showPatch: boolean; workspace: string; paths: { transcript: string; patch: string } },
): void {
  const f = outcome.final;
  const err = (s: string) => process.stderr.write(`${s}\n`);
  if (opts.showPatch && outcome.patch)
    process.stderr.write(outcome.patch.endsWith("\n") ? outcome.patch : `${outcome.patch}\n`);
  const changed = outcome.changes.length
    ? outcome.changes.map((c) => `${c.kind === "added" ? "A" : c.kind === "deleted" ? "D" : "M"} ${c.path}`).join(", ")
    : "no changes";
  err(`switchyard: ${f.endState} after ${f.steps} step(s) (exit ${f.exitCode}) · ${changed}`);
  if (f.message) err(`  ${oneLine(f.message, 300)}`);
  if (outcome.cost !== undefined) err(`  cost: ${formatUsd(outcome.cost)}`);
  const d = outcome.disk;
  if (d) {
    const quota = `${d.quotaMb} MB disk quota${d.enforced ? "" : " (not enforced here)"}`;
    err(`  disk: ${quota} · ${fmtBytes(d.leftBytes)} kept in the run's folder until discard`);
  }
  const b = "budget" in f ? f.budget : undefined;
  if (b?.limitUsd !== undefined) {
    err(
      `  budget: $${b.spentUsd.toFixed(4)} of $${b.limitUsd} · largest reserve for one call $${b.largestReserveUsd.toFixed(4)}`,
    );
  }
  err(`  transcript: ${displayPath(opts.paths.transcript)}`);
  if (outcome.changes.length) err(`  diff: ${displayPath(opts.paths.patch)}`);
  const shots = outcome.screenshots;
  if (shots && shots.screenshots > 0) {
    err(
      `  screenshots: ${shots.screenshots} (${fmtBytes(shots.bytes)}) · ~${fmtInt(shots.tokens.anthropic)} tokens ` +
        `(Anthropic) / ~${fmtInt(shots.tokens.openai)} (OpenAI) when first sent, estimated`,
    );
  }
}

/** Ask a yes/no question on the terminal; resolves false on anything but y/yes. */
export async function askYesNo(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function ttyApprover(): (req: ApprovalRequest) => Promise<boolean> {
  return (req) => askYesNo(`approve ${req.kind} (${req.tool}): ${req.summary}?`);
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function fmtInt(n: number): string {
  return n.toLocaleString("en-US");
}

function fmtBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} B`;
}
