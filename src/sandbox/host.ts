import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, realpathSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { ExecOptions, ExecResult, PersistentShell, Sandbox, SpawnOptions } from "../core/sandbox.ts";
import { collectProcess } from "./exec.ts";
import { confinedHostPath } from "./paths.ts";
import { descendants, signalQuietly } from "./procfs.ts";
import { withoutSecrets } from "./secret-env.ts";
import { openPersistentShell } from "./shell.ts";

export interface HostSandboxOptions {
  /** The workspace; the only place `hostPath(…, "write")` allows. */
  workdir: string;
  /** Host scratch directory for full outputs (created if missing). */
  runDir: string;
  /** Extra environment on top of the caller's own (passed as given, even names that look like secrets). */
  env?: Record<string, string>;
  /** More variable names to keep out (the configuration's key variables, `api_key_env`). */
  secretNames?: readonly string[];
}

/** Kill a detached child's process group and every descendant that left it. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const tree = descendants(child.pid);
  signalQuietly(-child.pid, "SIGKILL");
  for (const p of tree) signalQuietly(p.pid, "SIGKILL");
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * No isolation: commands run as the current user directly in `workdir`, with the caller's environment minus
 * variables that hold credentials (withoutSecrets: named like one, or a configured `api_key_env`; provider API
 * keys and the like never reach the agent).
 * Only for explicit opt-in (`--sandbox host`); the caller warns the user. File tools still get path checks:
 * reads anywhere, writes only inside the workspace.
 */
export async function createHostSandbox(opts: HostSandboxOptions): Promise<Sandbox> {
  const workdir = realpathSync(resolve(opts.workdir));
  const outputs = join(resolve(opts.runDir), "outputs");
  mkdirSync(outputs, { recursive: true });
  const children = new Set<ChildProcess>();
  const shells = new Set<PersistentShell>();
  const callerEnv = withoutSecrets(process.env, opts.secretNames);
  const env = (extra?: Record<string, string>): NodeJS.ProcessEnv => ({ ...callerEnv, ...opts.env, ...extra });
  const track = (child: ChildProcess): ChildProcess => {
    children.add(child);
    child.on("exit", () => children.delete(child));
    return child;
  };

  return {
    kind: "host",
    workdir,
    network: true,
    exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
      const child = track(
        spawn("bash", ["-c", command], {
          cwd: o.cwd ? resolve(workdir, o.cwd) : workdir,
          env: env(o.env),
          detached: true,
          stdio: ["pipe", "pipe", "pipe"],
        }),
      );
      return collectProcess(child, o, () => killGroup(child));
    },
    spawn(argv: string[], o: SpawnOptions = {}): ChildProcess {
      const [cmd, ...args] = argv;
      if (cmd === undefined) throw new Error("spawn: empty argv");
      return track(
        spawn(cmd, args, { cwd: o.cwd ? resolve(workdir, o.cwd) : workdir, env: env(o.env), detached: true }),
      );
    },
    async openShell(): Promise<PersistentShell> {
      const shell = await openPersistentShell({
        spawnBash: () =>
          track(
            spawn("bash", ["--noprofile", "--norc"], {
              cwd: workdir,
              env: env(),
              detached: true,
              stdio: ["pipe", "pipe", "pipe"],
            }),
          ),
        shellPid: (child) => child.pid,
        killTree: killGroup,
        outputDir: { host: outputs, inside: outputs },
      });
      shells.add(shell);
      return shell;
    },
    hostPath(path: string, access: "read" | "write"): string | undefined {
      const full = resolve(workdir, path);
      if (access === "read") return full;
      if (!inside(workdir, full)) return undefined;
      // A symlink in the workspace must not turn a write into one outside it.
      return confinedHostPath(workdir, relative(workdir, full));
    },
    async dispose(): Promise<void> {
      for (const shell of shells) await shell.close();
      shells.clear();
      for (const child of children) killGroup(child);
      children.clear();
    },
  };
}
