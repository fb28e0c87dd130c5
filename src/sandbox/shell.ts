import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { FatalToolError } from "../core/errors.ts";
import type { PersistentShell, ShellResult } from "../core/sandbox.ts";
import { type CaptureLimits, OutputCapture } from "./output-capture.ts";
import { descendants, signalQuietly } from "./procfs.ts";

export const DEFAULT_SHELL_TIMEOUT_MS = 120_000;
export const MAX_SHELL_TIMEOUT_MS = 600_000;
/** After SIGINT, how long the command gets before its processes are SIGKILLed; then as long again before the shell counts as hung. */
const INTERRUPT_GRACE_MS = 1_000;

/** What a sandbox provides so a persistent shell can run inside it. */
export interface ShellHost {
  /** Start `bash --noprofile --norc` reading commands on stdin, inside the sandbox, stdio all pipes. */
  spawnBash(): ChildProcess;
  /** Host pid of the bash process (undefined if not found yet). */
  shellPid(child: ChildProcess): number | undefined;
  /** Kill bash and everything it started. */
  killTree(child: ChildProcess): void;
  /** Where full outputs go: a host directory and the same directory as the agent sees it. */
  outputDir: { host: string; inside: string };
  limits?: CaptureLimits;
}

interface Pending {
  capture: OutputCapture;
  resolve: (exitCode: number) => void;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("\0", "").replaceAll("'", `'\\''`)}'`;
}

/**
 * A persistent bash: one process per session, commands fed on stdin. Each command runs as `eval` of a
 * single-quoted literal inside a function, with stdin from /dev/null and stderr merged into stdout, followed
 * by a sentinel line carrying a per-session nonce and the exit code. A SIGINT trap that `return`s from the
 * function aborts the whole command (loops included) while the shell itself survives.
 */
export async function openPersistentShell(host: ShellHost): Promise<PersistentShell> {
  const nonce = randomBytes(8).toString("hex");
  const marker = Buffer.from(`\n__SY_${nonce}_`);
  let child: ChildProcess | undefined;
  let alive = false;
  let exitInfo = "";
  let pending: Pending | undefined;
  let carry = Buffer.alloc(0);
  let seq = 0;
  let queue: Promise<unknown> = Promise.resolve();
  let onExit: (() => void) | undefined;

  const onData = (chunk: Buffer): void => {
    const current = pending;
    if (!current) return;
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const at = buf.indexOf(marker);
    if (at !== -1) {
      const end = buf.indexOf("__\n", at + marker.length);
      if (end !== -1) {
        current.capture.write(buf.subarray(0, at));
        carry = Buffer.alloc(0);
        pending = undefined;
        current.resolve(Number(buf.subarray(at + marker.length, end).toString()));
        return;
      }
      current.capture.write(buf.subarray(0, at));
      carry = Buffer.from(buf.subarray(at));
      return;
    }
    // Keep enough bytes to recognise a marker split across chunks.
    const keep = Math.min(buf.length, marker.length + 16);
    const ok = current.capture.write(buf.subarray(0, buf.length - keep));
    carry = Buffer.from(buf.subarray(buf.length - keep));
    if (!ok && child?.stdout) {
      const stdout = child.stdout;
      stdout.pause();
      void current.capture.drain().then(() => stdout.resume());
    }
  };

  const send = (capture: OutputCapture, command: string): Promise<number> =>
    new Promise<number>((resolve) => {
      pending = { capture, resolve };
      carry = Buffer.alloc(0);
      child?.stdin?.write(
        `trap 'return 130' INT; __sy_run ${shellQuote(command)} </dev/null 2>&1; printf '\\n__SY_${nonce}_%d__\\n' "$?"\n`,
      );
    });

  const start = async (): Promise<void> => {
    const proc = host.spawnBash();
    child = proc;
    alive = true;
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    proc.stdin?.on("error", () => {});
    proc.stdout?.on("data", onData);
    proc.on("error", (err) => {
      if (child !== proc) return;
      alive = false;
      exitInfo = `could not start: ${err.message}`;
      onExit?.();
    });
    proc.on("exit", (code, signal) => {
      if (child !== proc) return;
      alive = false;
      exitInfo = signal ? `killed by ${signal}` : `exit status ${code}`;
      onExit?.();
    });
    proc.stdin?.write(`exec 2>&1\n__sy_run() { eval "$1"; }\n`);
    const capture = new OutputCapture({ fileHostPath: "/dev/null", fileInsidePath: "/dev/null" });
    const started = await Promise.race([send(capture, "true"), exited()]);
    if (started === "exited") {
      throw new FatalToolError(`the sandbox shell failed to start (${exitInfo}): ${stderr.trim() || "no output"}`);
    }
  };

  const exited = (): Promise<"exited"> =>
    new Promise((resolve) => {
      if (!alive) resolve("exited");
      else onExit = () => resolve("exited");
    });

  const kill = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    if (alive) {
      const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      host.killTree(proc);
      await gone;
    }
    alive = false;
    pending = undefined;
  };

  const interrupt = async (proc: ChildProcess, done: Promise<unknown>): Promise<"ok" | "hung"> => {
    const wait = (ms: number) => Promise.race([done.then(() => true), new Promise((r) => setTimeout(r, ms, false))]);
    const pid = host.shellPid(proc);
    // SIGINT to bash (its trap aborts the command) and to everything it started, like a terminal's Ctrl-C
    // (the process group itself may also hold the sandbox's init, which must not be signalled).
    if (pid !== undefined) for (const p of [pid, ...descendants(pid).map((d) => d.pid)]) signalQuietly(p, "SIGINT");
    if (await wait(INTERRUPT_GRACE_MS)) return "ok";
    // The command ignores SIGINT: kill everything bash started, but not bash itself.
    if (pid !== undefined) for (const p of descendants(pid)) signalQuietly(p.pid, "SIGKILL");
    if (await wait(INTERRUPT_GRACE_MS)) return "ok";
    return "hung";
  };

  const runOne = async (command: string, opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<ShellResult> => {
    const notes: string[] = [];
    if (!alive) {
      await start();
      notes.push(
        `[the previous shell had ended (${exitInfo}); a new shell was started: cwd and environment were reset]`,
      );
    }
    const proc = child!;
    const timeoutMs = Math.min(opts.timeoutMs ?? DEFAULT_SHELL_TIMEOUT_MS, MAX_SHELL_TIMEOUT_MS);
    const id = ++seq;
    const name = `switchyard-output-${nonce}-${id}.txt`;
    const capture = new OutputCapture({
      ...host.limits,
      fileHostPath: join(host.outputDir.host, name),
      fileInsidePath: join(host.outputDir.inside, name),
    });
    const done = send(capture, command);
    const died = exited();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<"timeout" | "aborted">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
      onAbort = () => resolve("aborted");
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener("abort", onAbort, { once: true });
    });
    let exitCode: number | null = null;
    let timedOut = false;
    try {
      const first = await Promise.race([done, died, stop]);
      if (typeof first === "number") {
        exitCode = first;
      } else if (first === "exited") {
        capture.write(carry);
        carry = Buffer.alloc(0);
        notes.push(`[the shell ended (${exitInfo}) and was restarted: cwd and environment were reset]`);
        await start();
      } else {
        timedOut = first === "timeout";
        const outcome = await interrupt(proc, Promise.race([done, died]));
        const what = timedOut ? `timed out after ${Math.round(timeoutMs / 1000)} s` : "was cancelled";
        if (outcome === "hung") {
          await kill();
          await start();
          notes.push(
            `[the command ${what} and the shell did not respond; the shell was restarted: cwd and environment were reset]`,
          );
        } else if (!alive) {
          await start();
          notes.push(`[the command ${what}; the shell ended and was restarted: cwd and environment were reset]`);
        } else {
          notes.push(`[the command ${what} and was interrupted; the shell session is still usable]`);
        }
      }
    } finally {
      clearTimeout(timer);
      if (onAbort) opts.signal?.removeEventListener("abort", onAbort);
    }
    if (pending?.capture === capture) pending = undefined;
    const result = await capture.finish();
    const sep = result.text.length > 0 && !result.text.endsWith("\n") ? "\n" : "";
    const output = notes.length > 0 ? result.text + sep + notes.join("\n") : result.text;
    return {
      output,
      exitCode,
      timedOut,
      totalBytes: result.totalBytes,
      ...(result.fullOutputPath === undefined ? {} : { fullOutputPath: result.fullOutputPath }),
    };
  };

  await start();
  return {
    run(command, opts = {}) {
      const next = queue.then(() => runOne(command, opts));
      queue = next.catch(() => {});
      return next;
    },
    async restart() {
      const next = queue.then(async () => {
        await kill();
        await start();
      });
      queue = next.catch(() => {});
      return next;
    },
    async close() {
      const next = queue.then(() => kill());
      queue = next.catch(() => {});
      return next;
    },
  };
}
