import { spawn } from "node:child_process";
import { chmodSync, chownSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { etcTemplateDir } from "./image-root.ts";
import { hostId } from "./userns.ts";

/**
 * A trial's writable /etc without copying ~1200 files per trial: an overlayfs whose lower layer is the process's
 * /etc template (the host's world-readable /etc with ids shifted into the sandbox's range, image-root.ts) and whose
 * upper layer is the trial's own folder, so RUN useradd or an edit of /etc/hosts changes only that trial.
 *
 * The overlay is mounted once per trial, by host root, inside a private mount namespace held by a small process
 * (`unshare --mount` running `cat` on a pipe from here: it exits, and the namespace with it, when this process goes
 * away). Every sandbox of the trial enters that namespace first (`nsenter --mount`) and binds the merged folder at
 * /etc; the host's own mount table never sees the overlay. Copy-up runs with the mounter's credentials, permission
 * checks with the sandbox's (overlayfs(5)), whose root owns the template's files — so the sandbox's root can change
 * any of them, and nothing else.
 */

export interface EtcOverlay {
  mountNs: string;
  merged: string;
  close(): void;
}

/** Mount the overlay under `dir`; undefined (the caller copies /etc instead) when it cannot be mounted here. */
export async function openEtcOverlay(dir: string): Promise<EtcOverlay | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lower = join(etcTemplateDir(true), "etc");
  const upper = join(dir, "upper");
  const work = join(dir, "work");
  const merged = join(dir, "merged");
  if ([lower, dir].some((p) => /[,:\\\n]/.test(p))) return undefined;
  for (const d of [upper, work, merged]) mkdirSync(d, { recursive: true });
  chownSync(upper, hostId(0), hostId(0));
  chmodSync(upper, 0o755);
  chmodSync(dir, 0o711);
  const holder = spawn(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      'mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" && echo ready && exec cat',
      "sh",
      lower,
      upper,
      work,
      merged,
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  const ready = await new Promise<boolean>((resolve) => {
    let out = "";
    holder.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("ready")) resolve(true);
    });
    holder.on("exit", () => resolve(false));
    holder.on("error", () => resolve(false));
  });
  holder.stdout.removeAllListeners("data");
  holder.stdout.resume();
  holder.stderr.resume();
  if (!ready || holder.pid === undefined) {
    holder.kill("SIGKILL");
    return undefined;
  }
  holder.unref();
  for (const s of [holder.stdin, holder.stdout, holder.stderr]) (s as unknown as { unref?: () => void }).unref?.();
  return {
    mountNs: `/proc/${holder.pid}/ns/mnt`,
    merged,
    close: () => {
      holder.stdin.end();
      holder.kill("SIGKILL");
    },
  };
}
