import { listRuns, pruneRuns, type RunListing } from "../agent/run-list.ts";
import { checkWorkspace } from "../agent/session.ts";
import { shellCommand } from "./hints.ts";

/** `switchyard runs` and `runs prune`: a table (or JSON) on stdout; hints that work as printed on stderr. */
export async function renderRuns(flags: { workspace?: string; json?: boolean }): Promise<number> {
  const workspace = checkWorkspace(flags.workspace ?? process.cwd());
  const runs = listRuns(workspace);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) {
    process.stderr.write(`switchyard: no runs in ${workspace}\n`);
    return 0;
  }
  const now = Date.now();
  const rows = [
    ["RUN", "STATE", "MODEL", "STEPS", "COST", "AGE", "TASK"],
    ...runs.map((r) => [
      r.runId,
      r.endState && r.endState !== "done" ? `${r.state} (${r.endState})` : r.state,
      r.model,
      String(r.steps),
      r.costUsd === null ? "–" : usd(r.costUsd),
      age(now - Date.parse(r.createdAt)),
      oneLine(r.task, 50),
    ]),
  ];
  process.stdout.write(`${table(rows)}\nsorted by age, newest first\n`);
  for (const hint of hints(runs, workspace)) process.stderr.write(`${hint}\n`);
  return 0;
}

export async function renderPrune(flags: { workspace?: string; dryRun?: boolean }): Promise<number> {
  const workspace = checkWorkspace(flags.workspace ?? process.cwd());
  const r = pruneRuns(workspace, { dryRun: Boolean(flags.dryRun) });
  const verb = flags.dryRun ? "would delete" : "deleted";
  for (const run of r.removed) process.stdout.write(`${run.runId}  ${run.state}  ${mb(run.copyBytes)}\n`);
  process.stderr.write(
    `switchyard: ${verb} the copies of ${r.removed.length} finished run(s), ${mb(r.bytes)}; transcripts and summaries are kept\n`,
  );
  return 0;
}

function hints(runs: RunListing[], workspace: string): string[] {
  const out: string[] = [];
  const pending = runs.find((r) => r.state === "pending");
  if (pending) {
    out.push(
      `  review: ${shellCommand(["apply", pending.runId], workspace)}  |  ${shellCommand(["discard", pending.runId], workspace)}`,
    );
  }
  const interrupted = runs.find((r) => r.state === "interrupted");
  if (interrupted) out.push(`  continue a killed run: ${shellCommand(["resume", interrupted.runId], workspace)}`);
  const unreviewed = runs.find((r) => r.state === "review_failed");
  if (unreviewed) {
    out.push(
      `  write a failed review once its cause is fixed: ${shellCommand(["resume", unreviewed.runId], workspace)}`,
    );
  }
  if (runs.some((r) => ["applied", "unchanged", "discarded"].includes(r.state) && r.copyBytes > 0)) {
    out.push(`  free the copies of finished runs: ${shellCommand(["runs", "prune"], workspace)}`);
  }
  return out;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function usd(v: number): string {
  return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;
}

function mb(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
