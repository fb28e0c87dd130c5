import { applyRun } from "../agent/review.ts";
import type { RunOutcome } from "../agent/session.ts";
import type { ScreenshotTally } from "../computer/screenshots.ts";
import type { RunEvent } from "../core/events.ts";
import type { ApprovalRequest } from "../core/tool.ts";
import { formatUsd } from "../ledger/price.ts";
import { displayPath, shellCommand } from "./hints.ts";

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
  const changed =
    f.endState === "review_failed"
      ? "changes not reviewed"
      : outcome.changes.length
        ? outcome.changes
            .map((c) => `${c.kind === "added" ? "A" : c.kind === "deleted" ? "D" : "M"} ${c.path}`)
            .join(", ")
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

/**
 * Ctrl-C or SIGTERM stops the run: its loop ends `aborted` (exit 130, or 143 for SIGTERM) and its end still writes
 * the review and summary, so the transcript, summary.json and the exit code agree. A second signal kills at once
 * (the default); `switchyard resume` then finishes what was left.
 */
export function stopOnSignals(controller: AbortController): () => void {
  const stop = (signal: "SIGINT" | "SIGTERM") => {
    process.stderr.write(
      `switchyard: stopping (${signal}): the run's changes are reviewed and kept first; ${signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"} again stops at once\n`,
    );
    controller.abort(signal);
  };
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  process.once("SIGINT", onInt);
  process.once("SIGTERM", onTerm);
  return () => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  };
}

/** The run's outcome → the diff, the apply prompt (or --apply) and the next steps; returns the exit code. */
export async function review(
  outcome: RunOutcome,
  workspace: string,
  opts: { apply: boolean; tty: boolean; json: boolean; strict: boolean },
): Promise<number> {
  renderFinal({ ...outcome, cost: outcome.final.cost }, { showPatch: !opts.json, workspace, paths: outcome.paths });
  const outside = outcome.changes.filter((c) => c.outOfScope).map((c) => c.path);
  if (outside.length) {
    process.stderr.write(
      `switchyard: warning: ${outside.length} change(s) outside the task's scope (written through bash): ${outside.join(", ")}` +
        `${opts.strict ? " — --strict will not apply them" : ""}\n`,
    );
  }
  if (outcome.reviewFailure) {
    const resume = shellCommand(["resume", outcome.runId], workspace);
    const discard = shellCommand(["discard", outcome.runId], workspace);
    process.stderr.write(
      `switchyard: nothing was applied: the run's changes could not be reviewed; they are kept in ${displayPath(outcome.reviewFailure.copy)}\n` +
        `  fix the cause above, then: ${resume}  (writes the review, no model call)  |  ${discard}\n`,
    );
    return outcome.final.exitCode;
  }
  if (outcome.final.endState === "aborted") {
    // Ctrl-C: exit 130 (128 + SIGINT). Nothing is applied; the run can be continued or reviewed as it is.
    process.stderr.write(
      `switchyard: interrupted; continue it with: switchyard resume ${outcome.runId}` +
        (outcome.changes.length
          ? `  (or review what it changed so far: switchyard apply ${outcome.runId} | switchyard discard ${outcome.runId})`
          : "") +
        "\n",
    );
    return outcome.final.exitCode;
  }
  if (outcome.changes.length) {
    const apply =
      opts.apply || (opts.tty && (await askYesNo(`apply ${outcome.changes.length} change(s) to ${workspace}?`)));
    if (apply) {
      const applied = applyRun(workspace, outcome.runId, { strict: opts.strict });
      process.stderr.write(`switchyard: applied ${applied.length} change(s) from run ${outcome.runId}\n`);
    } else {
      const apply = shellCommand(["apply", outcome.runId], workspace);
      const discard = shellCommand(["discard", outcome.runId], workspace);
      const more = shellCommand(["run", "--continue", outcome.runId, "<follow-up>"], workspace);
      process.stderr.write(`switchyard: changes kept for review: ${apply}  |  ${discard}\n`);
      process.stderr.write(`  ask for more first: ${more}\n`);
    }
  }
  return outcome.final.exitCode;
}

/**
 * Ask a yes/no question on the terminal; resolves false on anything but y/yes. Ctrl-C at the prompt (the terminal
 * hands it to readline as a key, not as a signal) is a "no", and `onCtrlC` runs: an approval asked during the run
 * stops the run as Ctrl-C anywhere else does; the apply prompt keeps the changes for review.
 */
export async function askYesNo(question: string, onCtrlC?: () => void): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } catch (err) {
    if ((err as Error).name !== "AbortError") throw err;
    process.stderr.write("^C\n");
    onCtrlC?.();
    return false;
  } finally {
    rl.close();
  }
}

/**
 * Approvals asked on the terminal; Ctrl-C at one stops the run: the SIGINT handler of `stopOnSignals` runs at once
 * (before the denial returns, so the loop asks the model nothing more); with none left, SIGINT's default ends it.
 */
export function ttyApprover(): (req: ApprovalRequest) => Promise<boolean> {
  const interrupt = () => {
    if (process.listenerCount("SIGINT") > 0) process.emit("SIGINT", "SIGINT");
    else process.kill(process.pid, "SIGINT");
  };
  return (req) => askYesNo(`approve ${req.kind} (${req.tool}): ${req.summary}?`, interrupt);
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
