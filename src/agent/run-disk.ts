import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../core/errors.ts";
import type { ToolResult } from "../core/messages.ts";
import {
  attachQuotaDisk,
  createQuotaDisk,
  isMounted,
  type QuotaDisk,
  quotaUnavailable,
  unmount,
} from "../sandbox/disk-quota.ts";
import type { RunPaths } from "./review.ts";
import { copyWorkspace } from "./workspace.ts";

/**
 * Where a run writes while it runs, under its disk quota (config `run.disk_mb`, src/sandbox/disk-quota.ts): the
 * workspace copy and the sandbox scratch (/tmp, $HOME, full outputs) live on one loop-mounted file system of the
 * quota's size at `<run>/disk/`. When the run stops, the copy is moved out to `<run>/work/` for review, apply and
 * a later resume, the scratch is dropped, and the image is deleted; what the run leaves behind is reported.
 * Without root (or mkfs.ext4, or loop devices) the run uses `work/` and `scratch/` directly and says the quota is
 * not enforced.
 */
export interface RunDisk {
  copy: string;
  scratch: string;
  sizeMb: number;
  /** The disk image (enforced quota only): where the copy is when `finish` could not move it out. */
  image?: string;
  /** Undefined when enforced; otherwise why not. */
  unenforced?: string;
  /** True when the quota is (nearly) used up. */
  full(): boolean;
  /** After the run: copy the work out, measure, release. */
  finish(): Promise<DiskReport>;
}

export interface DiskReport {
  quotaMb: number;
  enforced: boolean;
  /** Bytes the run had in use on its file system when it stopped (enforced quota only). */
  usedBytes?: number;
  /** Bytes of sandbox scratch (/tmp, $HOME, outputs) the run wrote; dropped at the end when the quota is enforced. */
  scratchBytes: number;
  /** Bytes the run's folder keeps on the host disk until `switchyard discard` (copy, transcript, diff, …). */
  leftBytes?: number;
}

function layout(paths: RunPaths) {
  const mountpoint = join(paths.dir, "disk");
  return {
    image: join(paths.dir, "disk.img"),
    // Written once the copy on the image is complete: an image without it (a kill while copying) is not trusted.
    ready: join(paths.dir, "disk.ready"),
    mountpoint,
    copy: join(mountpoint, "work"),
    scratch: join(mountpoint, "scratch"),
  };
}

/** Open the run's disk: `resume` reuses a crashed run's image or copies `work/` into a fresh one. */
export async function openRunDisk(opts: {
  paths: RunPaths;
  sizeMb: number;
  workspace: string;
  resume: boolean;
}): Promise<RunDisk> {
  const { paths, sizeMb } = opts;
  const l = layout(paths);
  const reason = quotaUnavailable();
  if (existsSync(l.image) && !existsSync(l.ready)) dropRunDisk(paths);
  const crashed = opts.resume && existsSync(l.image);
  if (reason && !crashed) return plainDisk(paths, sizeMb, reason, opts);
  let disk: QuotaDisk;
  try {
    disk = crashed
      ? attachQuotaDisk({ image: l.image, mountpoint: l.mountpoint, sizeMb })
      : createQuotaDisk({ image: l.image, mountpoint: l.mountpoint, sizeMb });
  } catch (err) {
    rmSync(l.image, { force: true });
    return plainDisk(paths, sizeMb, `the loop mount failed: ${(err as Error).message.split("\n")[0]}`, opts);
  }
  mkdirSync(l.scratch, { recursive: true });
  if (!crashed) {
    const source = opts.resume ? paths.copy : opts.workspace;
    try {
      if (opts.resume) mkdirSync(l.copy, { recursive: true });
      await copyWorkspace(source, l.copy);
    } catch (err) {
      const full = disk.full();
      disk.release();
      if (full || /No space left/i.test(String((err as Error).message))) {
        throw new ConfigError(`the workspace does not fit the run's disk quota of ${sizeMb} MB`, {
          field: "run.disk_mb",
          hint: "raise run.disk_mb in switchyard.toml, or run on a smaller workspace",
        });
      }
      throw err;
    }
    writeFileSync(l.ready, "");
  }
  if (opts.resume) {
    // The run goes on: the review written when it last stopped no longer describes it.
    for (const f of ["review.json", "diff.patch"]) rmSync(join(paths.dir, f), { force: true });
  }
  return {
    copy: l.copy,
    scratch: l.scratch,
    sizeMb,
    image: l.image,
    full: () => disk.full(),
    async finish() {
      const usedBytes = disk.usage().usedBytes;
      const scratchBytes = dirBytes(l.scratch);
      rmSync(paths.copy, { recursive: true, force: true });
      try {
        await copyWorkspace(l.copy, paths.copy);
      } catch (err) {
        // A partial work/ is not the run's copy (and may be what filled the disk): the image keeps the copy, and
        // the mount goes when this process does (its watchdog), so a resume can attach it again.
        rmSync(paths.copy, { recursive: true, force: true });
        throw err;
      }
      disk.release();
      rmSync(l.ready, { force: true });
      return { quotaMb: sizeMb, enforced: true, usedBytes, scratchBytes };
    },
  };
}

async function plainDisk(
  paths: RunPaths,
  sizeMb: number,
  reason: string,
  opts: { workspace: string; resume: boolean },
): Promise<RunDisk> {
  mkdirSync(paths.scratch, { recursive: true });
  if (!opts.resume) await copyWorkspace(opts.workspace, paths.copy);
  return {
    copy: paths.copy,
    scratch: paths.scratch,
    sizeMb,
    unenforced: reason,
    full: () => false,
    finish: async () => ({ quotaMb: sizeMb, enforced: false, scratchBytes: dirBytes(paths.scratch) }),
  };
}

/** True when the run's copy is still on its disk image (a run killed, or an end that could not move it off). */
export function onRunDisk(paths: RunPaths): boolean {
  const l = layout(paths);
  return existsSync(l.image) && existsSync(l.ready);
}

/** Release a run's disk without keeping anything (discard): unmount, delete the image and the mount point. */
export function dropRunDisk(paths: RunPaths): void {
  const l = layout(paths);
  if (isMounted(l.mountpoint)) unmount(l.mountpoint);
  rmSync(l.mountpoint, { recursive: true, force: true });
  rmSync(l.image, { force: true });
  rmSync(l.ready, { force: true });
}

/** Bytes a tree really occupies (allocated blocks, so sparse files count for what they hold). */
export function dirBytes(root: string): number {
  let total = 0;
  const walk = (p: string) => {
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) return;
    total += st.blocks * 512;
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(root);
  return total;
}

/** The note added to a tool result once the quota is used up: what happened and what to do. */
export function diskFullNote(result: ToolResult, sizeMb: number): ToolResult {
  const text =
    `[disk quota: this run's ${sizeMb} MB (workspace copy, /tmp and $HOME together) are used up: writes fail ` +
    'with "No space left on device" (ENOSPC). Delete what you no longer need (large files in /tmp, build outputs) ' +
    "or write less; the limit is run.disk_mb in switchyard.toml.]";
  return { ...result, content: [...result.content, { type: "text", text }] };
}
