import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, statfsSync } from "node:fs";
import { resolve } from "node:path";

/**
 * A per-run disk quota that the kernel enforces: a sparse file holding an ext4 file system of exactly the quota's
 * size, loop-mounted where the run's writable folders live (the workspace copy and the sandbox's /tmp and $HOME).
 * A write past the quota fails with ENOSPC ("No space left on device") whoever makes it — the agent's shell, a
 * tool, a process it started — and the host disk never holds more than the quota for the run. Measured on this
 * machine (root, cgroup v1, which has no disk controller): creating and mounting a 10 GiB image takes ~0.2–0.4 s
 * and ~4 MB of real disk (lazy inode tables, no journal); unmount ~60 ms. Needs root (mount) and mkfs.ext4; where
 * either is missing the quota is not enforced and the caller says so.
 *
 * A SIGKILLed owner cannot unmount: a detached watchdog does it (lazily) once the owner's pid is gone, so a
 * crashed run leaves an image file, never a mount; `attach` mounts it again for a resume.
 */
export interface QuotaDisk {
  /** Where the file system is mounted. */
  mountpoint: string;
  image: string;
  sizeMb: number;
  /** Bytes in use and the file system's size, from statfs. */
  usage(): { usedBytes: number; totalBytes: number };
  /** True when less than `slackBytes` is left (a write is about to fail, or has). */
  full(slackBytes?: number): boolean;
  /** Unmount and delete the image. */
  release(): void;
}

const MKFS = ["-q", "-F", "-m", "0", "-O", "^has_journal", "-E", "nodiscard,lazy_itable_init=1"];

/** Why a quota cannot be enforced here, or undefined when it can. */
export function quotaUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not running as root (a loop mount needs it)";
  for (const tool of ["mkfs.ext4", "mount", "umount"]) {
    if (!["/usr/sbin", "/sbin", "/usr/bin", "/bin"].some((d) => existsSync(`${d}/${tool}`))) {
      return `${tool} is not installed (apt-get install e2fsprogs mount)`;
    }
  }
  if (!existsSync("/dev/loop-control")) return "no loop devices (/dev/loop-control is missing)";
  return undefined;
}

/** Create an image of `sizeMb` MB and mount it at `mountpoint` (created). Throws when the kernel refuses. */
export function createQuotaDisk(opts: { image: string; mountpoint: string; sizeMb: number }): QuotaDisk {
  const image = resolve(opts.image);
  rmSync(image, { force: true });
  execFileSync("truncate", ["-s", `${opts.sizeMb}M`, image]);
  execFileSync("mkfs.ext4", [...MKFS, image], { stdio: "ignore" });
  return attachQuotaDisk({ image, mountpoint: opts.mountpoint, sizeMb: opts.sizeMb });
}

/**
 * Mount an existing image at `mountpoint` (a resume after a crash). A mount still there is a dead owner's (the run
 * lock keeps a live owner from being resumed) whose watchdog has not polled yet: reusing it, or mounting before the
 * watchdog runs, would have the watchdog detach the resumed run's disk under it (it detaches by path; mount ids and
 * loop devices are recycled). So wait for the watchdog to do its one job, and detach the mount ourselves only when no
 * watchdog did so in time.
 */
export function attachQuotaDisk(opts: { image: string; mountpoint: string; sizeMb: number }): QuotaDisk {
  const image = resolve(opts.image);
  const mountpoint = resolve(opts.mountpoint);
  mkdirSync(mountpoint, { recursive: true });
  awaitDeadOwnersMounts(() => (isMounted(mountpoint) ? [mountpoint] : []));
  execFileSync("mount", ["-o", "loop,nosuid,nodev", image, mountpoint], { stdio: "pipe" });
  // ext4's lost+found would show up in the workspace copy (and its diff).
  rmSync(`${mountpoint}/lost+found`, { recursive: true, force: true });
  const watchdog = startWatchdog(mountpoint);
  const stats = () => statfsSync(mountpoint);
  return {
    mountpoint,
    image,
    sizeMb: opts.sizeMb,
    usage() {
      const s = stats();
      return { usedBytes: (s.blocks - s.bfree) * s.bsize, totalBytes: s.blocks * s.bsize };
    },
    full(slackBytes = 1024 * 1024) {
      const s = stats();
      return s.bavail * s.bsize < slackBytes || s.ffree < 16;
    },
    release() {
      watchdog?.kill();
      unmount(mountpoint);
      rmSync(image, { force: true });
    },
  };
}

/** How long a resume waits for a dead owner's watchdog (which polls once a second) to detach its mount. */
const WATCHDOG_WAIT_MS = 10_000;

/**
 * Before a killed run's folder is removed or reused: the quota disks still mounted under `root` are a dead owner's
 * whose watchdogs have not polled yet (removing a folder with a mount in it fails with EBUSY, and a watchdog that
 * runs after a new mount at its path detaches that one). Waits for the watchdogs, then detaches what is left.
 */
export function releaseStaleMounts(root: string): void {
  awaitDeadOwnersMounts(() => mountsUnder(root));
}

function awaitDeadOwnersMounts(left: () => string[]): void {
  const deadline = Date.now() + WATCHDOG_WAIT_MS;
  while (left().length > 0 && Date.now() < deadline) sleepSync(100);
  for (let tries = 0; left().length > 0 && tries < 10; tries++) {
    // Deepest first, so that a nested mount is not hidden under its parent's detached one.
    for (const m of left().sort((a, b) => b.length - a.length)) {
      try {
        execFileSync("umount", ["-l", m], { stdio: "pipe" });
      } catch {
        // Gone between the read and the umount (its watchdog was just late).
      }
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Unmount `mountpoint` if it is a mount and remove the (then empty) directory. */
export function unmount(mountpoint: string): void {
  const dir = resolve(mountpoint);
  if (isMounted(dir)) {
    try {
      execFileSync("umount", [dir], { stdio: "pipe" });
    } catch {
      // Still busy (a process of the run outlived it): detach now, the kernel frees it when the last user goes.
      execFileSync("umount", ["-l", dir], { stdio: "pipe" });
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    // Not empty or not there: nothing of ours to remove.
  }
}

export function isMounted(dir: string): boolean {
  const target = resolve(dir);
  return mountPoints().includes(target);
}

/** The mount points strictly below `root`. */
export function mountsUnder(root: string): string[] {
  const prefix = `${resolve(root)}/`;
  return mountPoints().filter((m) => m.startsWith(prefix));
}

function mountPoints(): string[] {
  try {
    // /proc/self/mountinfo field 5 is the mount point (octal escapes for spaces and the like).
    return readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => unescapeMount(line.split(" ")[4] ?? ""));
  } catch {
    return [];
  }
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** A detached `sh` that lazily unmounts `mountpoint` once this process is gone (SIGKILL included). */
function startWatchdog(mountpoint: string): { kill(): void } | undefined {
  try {
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; umount -l "$1" 2>/dev/null`;
    const child = spawn("sh", ["-c", script, "sh", mountpoint], { detached: true, stdio: "ignore" });
    child.unref();
    return {
      kill() {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      },
    };
  } catch {
    return undefined;
  }
}
