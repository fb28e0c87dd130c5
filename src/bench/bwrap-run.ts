import { spawn } from "node:child_process";
import { closeSync, constants, fchmodSync, lstatSync, openSync, rmSync } from "node:fs";
import { killOnDeadline } from "../sandbox/deadline.ts";
import { type ImageSandboxArgs, imageSandboxArgv } from "../sandbox/image-root.ts";

/**
 * A thin, one-command-per-call runner for trial phases (setup steps, oracle, verifier) in the trial's image root
 * (src/sandbox/image-root.ts): the trial's own writable `/` with the host's system folders read-only, the sandbox's
 * root being id 0 of an unprivileged user namespace, a Docker USER applied through run-as, no network. Each call
 * may join the trial's cgroup (`cgroupProcs`) before exec, so the task's cpus/memory limits cover every process.
 */

export interface Mount {
  host: string;
  inside: string;
  mode: "ro" | "rw";
}

export interface RunOptions extends Omit<ImageSandboxArgs, "command" | "network"> {
  /** A shell command (run as `/bin/bash -c`, or the given `shell` argv prefix, e.g. Docker's ["/bin/sh", "-c"]). */
  command: string;
  shell?: string[];
  timeoutMs?: number;
  /**
   * Combined stdout+stderr goes to this host file (appended); otherwise it is captured. Every user of the sandbox may
   * write it too, as the file a `> FILE` of the phase's own shell makes (see openOutputFile).
   */
  outputFile?: string;
  signal?: AbortSignal;
  /** cgroup.procs files the command joins before it execs (the trial's limits). */
  cgroupProcs?: string[];
}

export interface RunResult {
  exitCode: number | null;
  timedOut: boolean;
  /** Captured output (empty when outputFile is set); capped at 64 KiB. */
  output: string;
}

const MAX_CAPTURE = 64 * 1024;

/**
 * Harbor runs `/tests/test.sh > /logs/verifier/test-stdout.txt 2>&1` inside the container, so that file is the
 * phase user's and a test.sh that writes it itself (`pytest … > /logs/verifier/test-stdout.txt`) can. Here the host
 * opens it, in a folder the sandbox can write (/logs/verifier): whatever the sandbox left at that name that is not
 * a plain file of its own (a link, a folder, a hard link) is removed, never followed, and the file is made writable
 * by every id inside (mode 666).
 */
function openOutputFile(path: string): number {
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.nlink !== 1) rmSync(path, { recursive: true, force: true });
  } catch {
    // not there yet
  }
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
  fchmodSync(fd, 0o666);
  return fd;
}

export function runInSandbox(opts: RunOptions): Promise<RunResult> {
  const { argv: inner, fd3 } = imageSandboxArgv({
    ...opts,
    network: false,
    command: [...(opts.shell ?? ["/bin/bash", "-c"]), opts.command],
  });
  const join = opts.cgroupProcs?.map((f) => `echo $$ > ${f}`).join(" && ");
  const argv = join ? ["/bin/sh", "-c", `${join} && exec "$@"`, "sh", ...inner] : inner;
  const fd = opts.outputFile ? openOutputFile(opts.outputFile) : undefined;
  return new Promise((resolve) => {
    const out = fd ?? "pipe";
    const child = spawn(argv[0] ?? "bwrap", argv.slice(1), {
      stdio: fd3 === undefined ? ["ignore", out, out] : ["ignore", out, out, fd3],
      detached: true,
    });
    let output = "";
    const take = (b: Buffer) => {
      if (output.length < MAX_CAPTURE) output += b.toString("utf8").slice(0, MAX_CAPTURE - output.length);
    };
    child.stdout?.on("data", take);
    child.stderr?.on("data", take);
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const deadline = killOnDeadline(opts, kill);
    let done = false;
    const finish = (exitCode: number | null) => {
      if (done) return;
      done = true;
      deadline.clear();
      if (fd !== undefined) closeSync(fd);
      resolve({ exitCode, timedOut: deadline.timedOut(), output });
    };
    child.on("error", (err) => {
      output += `failed to start bwrap: ${err.message}`;
      finish(null);
    });
    child.on("close", (code) => finish(code));
  });
}
