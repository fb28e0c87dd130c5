import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { JobEvent } from "../bench/job.ts";
import { isModelAgent, isScored, type TrialResult } from "../bench/trial-result.ts";
import { displayPath, shellCommand } from "./hints.ts";

/**
 * Live progress of `switchyard bench` on stderr.
 * - TTY: one line per finished trial (✓ passed, ✗ failed, ! error with its type), under a status block redrawn in
 *   place: a bar, done/total, pass rate, spend, elapsed time, an ETA, and the trials now running with their age.
 * - headless: one line per finished trial.
 * - `--json`: one JSON line per trial run in this session on stdout, nothing on stderr.
 */
export interface BenchProgress {
  onEvent(ev: JobEvent): void;
  /** Erase the status block; the summary follows. */
  end(): void;
  /** Redraw the TTY status block now (a no-op when headless). */
  redraw(): void;
}

export interface BenchProgressOptions {
  json: boolean;
  tty?: boolean;
  write?: (s: string) => void;
  clock?: () => number;
  /** Redraw interval of the TTY block (elapsed time and running trials' ages); default 1000 ms. */
  intervalMs?: number;
  /** More lines for the TTY status block (the queue's per-worker counts). */
  extraLines?: () => string[];
  /** Appended to each finished trial's line (the queue: which worker ran it). */
  suffix?: (r: TrialResult) => string;
}

export function createBenchProgress(opts: BenchProgressOptions): BenchProgress {
  const write = opts.write ?? ((s: string) => process.stderr.write(s));
  const clock = opts.clock ?? Date.now;
  const tty = (opts.tty ?? process.stderr.isTTY === true) && !opts.json;
  const started = clock();
  const running = new Map<string, number>();
  let total = 0;
  let done = 0;
  let doneHere = 0;
  let passed = 0;
  let scored = 0;
  let spend = 0;
  let unpriced = false;
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;

  const erase = () => {
    if (!tty || drawn === 0) return;
    write(`\r${drawn > 1 ? `\x1b[${drawn - 1}A` : ""}\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    if (!tty) return;
    erase();
    const lines = statusLines();
    write(lines.join("\n"));
    drawn = lines.length;
  };
  const statusLines = (): string[] => {
    const now = clock();
    const width = 24;
    const filled = total ? Math.round((done / total) * width) : 0;
    const rate = scored ? `${((passed / scored) * 100).toFixed(0)}%` : "–";
    const cost = usd(spend) + (unpriced ? "+?" : "");
    const elapsed = now - started;
    // ETA from this session's pace (resumed trials took no time here).
    const left = total - done;
    const eta = doneHere > 0 && left > 0 ? ` · ETA ~${duration((elapsed / doneHere) * left)}` : "";
    const head =
      `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} · pass ${rate} · spend ${cost} · ` +
      `${duration(elapsed)} elapsed${eta}`;
    const names = [...running.entries()].map(([name, t]) => `${name} (${duration(now - t)})`);
    const shown = names.slice(0, 4);
    if (names.length > shown.length) shown.push(`+${names.length - shown.length} more`);
    const extra = opts.extraLines?.() ?? [];
    return names.length ? [head, `  running: ${shown.join(", ")}`, ...extra] : [head, ...extra];
  };
  const above = (line: string) => {
    erase();
    write(`${line}\n`);
    draw();
  };

  const onEvent = (ev: JobEvent) => {
    if (opts.json) {
      if (ev.type === "trial_finished" && !ev.resumed)
        process.stdout.write(`${JSON.stringify({ type: "trial", ...ev.result })}\n`);
      return;
    }
    switch (ev.type) {
      case "job_started":
        total = ev.total;
        write(
          `job ${ev.jobId}: ${ev.total} trials${ev.resumed ? ` (${ev.alreadyComplete} already complete)` : ""} → ${ev.jobDir}\n`,
        );
        if (tty) {
          timer = setInterval(draw, opts.intervalMs ?? 1000);
          timer.unref();
        }
        draw();
        break;
      case "trial_started":
        running.set(ev.name, clock());
        draw();
        break;
      case "warning":
        above(`warning: ${ev.message}`);
        break;
      case "trial_finished": {
        running.delete(ev.result.trial_name);
        done = ev.done;
        if (!ev.resumed) doneHere++;
        const r = ev.result;
        if (r.reward !== null) scored++;
        if (r.passed) passed++;
        const c = r.agent_result?.cost_usd;
        if (c === null && isModelAgent(r.agent)) unpriced = true;
        if (typeof c === "number") spend += c;
        if (ev.resumed) {
          draw();
        } else if (tty) {
          above(trialLine(r) + (opts.suffix?.(r) ?? ""));
        } else {
          write(`${ev.done}/${ev.total} ${trialLine(r)}${opts.suffix?.(r) ?? ""}\n`);
        }
        break;
      }
      case "job_finished":
        break;
    }
  };
  return {
    onEvent,
    end() {
      if (timer) clearInterval(timer);
      erase();
    },
    redraw: draw,
  };
}

/**
 * `✓ task__oracle__1: passed (reward 1) · 12s`, `✗ …: failed (reward 0, agent timed out)`, and for a trial that did
 * not really run `! …: EnvironmentSetupError: … (unscored)`.
 */
export function trialLine(r: TrialResult): string {
  const secs = duration(Date.parse(r.finished_at) - Date.parse(r.started_at));
  if (!isScored(r)) {
    const why = r.exception_info
      ? `${r.exception_info.exception_type}: ${clip(r.exception_info.exception_message, 100)}`
      : "no reward";
    return `! ${r.trial_name}: ${why} (unscored) · ${secs}`;
  }
  const cut = r.exception_info ? ", agent timed out" : "";
  return `${r.passed ? "✓" : "✗"} ${r.trial_name}: ${r.passed ? "passed" : "failed"} (reward ${r.reward}${cut}) · ${secs}`;
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function usd(v: number): string {
  return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;
}

function clip(s: string, max: number): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * The failed trials (scored below 1, no infrastructure error) with their reason: the last line of the verifier's
 * output, and where that output is. Errored trials are listed by the summary itself.
 */
export function renderFailures(
  trials: TrialResult[],
  jobDir: string,
  readTail: (file: string) => string | undefined,
): string {
  const failed = trials.filter((t) => !t.exception_info && !t.passed);
  if (failed.length === 0) return "";
  const lines = failed.slice(0, 15).map((t) => {
    const out = join(jobDir, t.trial_name, "verifier", "test-stdout.txt");
    const why = readTail(out);
    return `  ✗ ${t.trial_name}: reward ${t.reward ?? "none"}${why ? ` · ${clip(why, 90)}` : ""}\n      verifier output: ${displayPath(out)}`;
  });
  if (failed.length > 15) lines.push(`  … and ${failed.length - 15} more (see the trials' verifier/ folders)`);
  return `\nfailed (${failed.length}):\n${lines.join("\n")}\n`;
}

/** After Ctrl-C: what did not run and the command that finishes the job (same arguments, --resume). */
export function renderInterrupted(opts: { done: number; total: number; jobDir: string; argv: string[] }): string {
  const args = [...opts.argv];
  if (!args.includes("--resume")) args.push("--resume");
  if (!args.includes("--job-name")) args.push("--job-name", basename(opts.jobDir));
  const notRun = Math.max(0, opts.total - opts.done);
  return (
    `switchyard: bench interrupted: ${notRun} of ${opts.total} trial(s) did not run\n` +
    `  fix: finish it with: ${shellCommand(args)}\n`
  );
}

/** The last non-empty line of a text file (its last 4 KB), if it can be read. */
export function lastLine(file: string): string | undefined {
  try {
    const text = readFileSync(file, "utf8").slice(-4096);
    return text
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1);
  } catch {
    return undefined;
  }
}
