import { spawn } from "node:child_process";
import type { SandboxUserns } from "./userns.ts";

/**
 * The pid, net, ipc and uts namespaces of one bench trial, shared by its agent, oracle and verifier sandboxes as the
 * processes of one Harbor container share them: a server the agent starts in the background (`nohup … &`) is still
 * listening on 127.0.0.1 when the verifier's tests query it, and is gone when the trial ends.
 *
 * They are held by a small process made inside the sandbox user namespace (userns.ts), so that they are owned by it
 * and bwrap, joining them, may mount /proc for that pid namespace: as host root,
 * `nsenter --user … unshare --pid --fork --kill-child --net --ipc --uts` runs `cat` on a pipe from here as pid 1 of
 * the new pid namespace, with SIGCHLD ignored so the orphans it inherits are reaped. It exits when the trial closes
 * the pipe or kills it (or this process dies); the kernel then kills every process left in the pid namespace.
 */

export interface TrialNamespaces {
  /** Folder of the holder's namespace links (net, ipc, uts; pid_for_children is the trial's pid namespace). */
  nsDir: string;
  close(): void;
}

const HOLDER_SCRIPT = 'trap "" CHLD; ip link set lo up && echo ready && exec cat';

/** Start the holder; undefined (each sandbox keeps namespaces of its own) when it cannot be made here. */
export async function openTrialNamespaces(userns: SandboxUserns | undefined): Promise<TrialNamespaces | undefined> {
  if (!userns || process.getuid?.() !== 0) return undefined;
  const holder = spawn(
    "nsenter",
    [
      "--user=/proc/self/fd/3",
      "--",
      "unshare",
      "--pid",
      "--fork",
      "--kill-child",
      "--net",
      "--ipc",
      "--uts",
      "--",
      "/bin/sh",
      "-c",
      HOLDER_SCRIPT,
    ],
    {
      stdio: ["pipe", "pipe", "pipe", userns.fd],
      env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
    },
  );
  const { stdin, stdout, stderr } = holder;
  if (!stdin || !stdout || !stderr) return undefined;
  const ready = await new Promise<boolean>((resolve) => {
    let out = "";
    stdout.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("ready")) resolve(true);
    });
    holder.on("exit", () => resolve(false));
    holder.on("error", () => resolve(false));
  });
  stdout.removeAllListeners("data");
  stdout.resume();
  stderr.resume();
  if (!ready || holder.pid === undefined) {
    holder.kill("SIGKILL");
    return undefined;
  }
  holder.unref();
  for (const s of [stdin, stdout, stderr]) (s as unknown as { unref?: () => void }).unref?.();
  return {
    nsDir: `/proc/${holder.pid}/ns`,
    close: () => {
      stdin.end();
      // unshare --kill-child takes pid 1 of the trial's pid namespace, and with it every process in it, down too.
      holder.kill("SIGKILL");
    },
  };
}
