import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readCompleteTrialResult, type TrialResult } from "../../src/bench/trial-result.ts";

/** Real `switchyard` processes for the queue tests: coordinators and workers, with their output captured. */
export const REPO = new URL("../../", import.meta.url).pathname;

export interface Proc {
  child: ChildProcess;
  out(): string;
  err(): string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when stderr matches (or rejects after timeoutMs, naming what was seen). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of live) if (c.exitCode === null) c.kill("SIGKILL");
});

export function switchyard(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; entry?: string } = { cwd: REPO },
): Proc {
  const entry = opts.entry ?? join(REPO, "bin", "switchyard.ts");
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let stdout = "";
  let stderr = "";
  const waiters: Array<() => void> = [];
  child.stdout?.on("data", (b) => {
    stdout += b;
  });
  child.stderr?.on("data", (b) => {
    stderr += b;
    for (const w of waiters) w();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) =>
      child.on("close", (code, signal) => {
        live.delete(child);
        for (const w of waiters) w();
        resolve({ code, signal, stdout, stderr });
      }),
  );
  return {
    child,
    out: () => stdout,
    err: () => stderr,
    done,
    waitFor(re, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${stderr}`)), timeoutMs);
        const check = () => {
          const m = stderr.match(re);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`process ended before ${re}:\n${stderr}`));
          }
        };
        waiters.push(check);
        check();
      });
    },
  };
}

export async function stopAll(procs: Proc[]): Promise<void> {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.done));
}

/** Trial folders of a job with a complete result.json. */
export function completeTrials(jobDir: string): Map<string, TrialResult> {
  const out = new Map<string, TrialResult>();
  if (!existsSync(jobDir)) return out;
  for (const e of readdirSync(jobDir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const r = readCompleteTrialResult(join(jobDir, e.name, "result.json"));
    if (r) out.set(e.name, r);
  }
  return out;
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
