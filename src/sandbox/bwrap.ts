import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, chmodSync, chownSync, constants, mkdirSync, statSync } from "node:fs";
import { delimiter, dirname, join, posix, resolve } from "node:path";
import { ConfigError } from "../core/errors.ts";
import type { ExecOptions, ExecResult, PersistentShell, Sandbox, SpawnOptions } from "../core/sandbox.ts";
import { type BwrapMount, baseFilesystemArgs, isolationArgs, mountArgs, sortMounts } from "./bwrap-args.ts";
import { createCgroup, type SandboxCgroup } from "./cgroup.ts";
import { collectProcess } from "./exec.ts";
import { IMAGE_SYSTEM_DIRS, type ImageSandboxArgs, imageSandboxArgv } from "./image-root.ts";
import { confinedHostPath } from "./paths.ts";
import { descendants, signalQuietly } from "./procfs.ts";
import { openPersistentShell } from "./shell.ts";

export type { BwrapMount } from "./bwrap-args.ts";

export interface BwrapOptions {
  mounts: BwrapMount[];
  /** Working directory inside the sandbox; must lie under one of the mounts (e.g. /app). */
  workdir: string;
  /** Share the host network. Default false: a private network namespace with only loopback. */
  network?: boolean;
  env?: Record<string, string>;
  /** The non-root uid/gid commands run as. Default 1000/uid. Ignored when not running as root. */
  uid?: number;
  gid?: number;
  /** cgroup v1 memory limit for the whole sandbox. Default: no limit. */
  memoryMb?: number;
  /** cgroup v1 pids limit for the whole sandbox. Default 1024. */
  maxProcesses?: number;
  /** Host dir for sandbox scratch: `tmp/` becomes the private /tmp (full outputs go there), `home/` the $HOME. */
  runDir: string;
  /**
   * As root, chown -R the rw mounts to uid:gid so the sandbox user can write them (default true). The mounts
   * are expected to be the run's own copies (workspace copy, trial dirs), never the user's originals.
   */
  chownWritable?: boolean;
  /** Where degraded-isolation warnings go. Default: process.emitWarning. */
  onWarning?: (message: string) => void;
  /**
   * Rewrites every command's argv inside bwrap, e.g. to start the egress forwarder in front of it in the same
   * network namespace (egress-sandbox.ts). Default: none.
   */
  wrapArgv?: (argv: string[]) => string[];
  /** cgroup v1 CPU limit (CFS quota) for the whole sandbox, as `docker run --cpus`. Default: no limit. */
  cpus?: number;
  /**
   * Run in a bench trial's image root (src/sandbox/image-root.ts) instead of the host's read-only system folders:
   * `/` is the trial's own folder, processes are the Dockerfile's USER in the trial's user namespace, and `mounts`
   * add to `image.mounts`. `uid`, `gid` and `chownWritable` do not apply.
   */
  image?: Omit<ImageSandboxArgs, "command" | "network" | "cwd" | "env">;
}

export interface BwrapSandbox extends Sandbox {
  readonly kind: "bwrap";
  /** How limits are enforced: per-sandbox cgroups, or prlimit on the sandbox uid as a fallback. */
  readonly limits: "cgroup" | "prlimit";
}

const HOME = "/home/agent";

/** One process "exit" listener for all live sandboxes (not one each: the bench runs many at once). */
const exitHooks = new Set<() => void>();
function runExitHooks(): void {
  for (const hook of exitHooks) hook();
}
const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
    const full = `${dir}/${name}`;
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {}
  }
  return undefined;
}

function validate(opts: BwrapOptions): void {
  opts.mounts.forEach((m, i) => {
    const field = `mounts[${i}]`;
    if (!posix.isAbsolute(m.inside)) {
      throw new ConfigError(`sandbox mount ${field}.inside "${m.inside}" must be an absolute path`, { field });
    }
    try {
      statSync(m.host);
    } catch {
      throw new ConfigError(`sandbox mount ${field}.host "${m.host}" does not exist`, {
        field,
        hint: "create the directory or fix the path",
      });
    }
  });
  if (!posix.isAbsolute(opts.workdir) || (!opts.image && !opts.mounts.some((m) => isUnder(m.inside, opts.workdir)))) {
    throw new ConfigError(`sandbox workdir "${opts.workdir}" must be an absolute path under one of the mounts`, {
      field: "workdir",
    });
  }
}

/**
 * bwrap runs as the sandbox uid, so it must be able to reach each bind source: add o+x (search, not list) to
 * ancestors that would block it, such as a 0700 temp dir made by root. Nothing else about them changes.
 */
function ensureTraversable(path: string, uid: number, gid: number): void {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const st = statSync(dir);
    const canSearch = (st.uid === uid && st.mode & 0o100) || (st.gid === gid && st.mode & 0o010) || st.mode & 0o001;
    if (!canSearch) chmodSync(dir, (st.mode & 0o7777) | 0o001);
    if (dir === dirname(dir)) break;
  }
}

/**
 * A path of an image sandbox outside its mounts: in the trial's root, or — read-only — in the host system folders
 * shown there (unless carved out writable).
 */
function imageHostPath(
  image: NonNullable<BwrapOptions["image"]>,
  full: string,
  access: "read" | "write",
): string | undefined {
  const system = IMAGE_SYSTEM_DIRS.find((d) => isUnder(d, full));
  if (system && !image.nested.some((n) => isUnder(n, full))) {
    return access === "read" ? confinedHostPath(system, posix.relative(system, full)) : undefined;
  }
  return confinedHostPath(image.root, posix.relative("/", full));
}

function isUnder(root: string, path: string): boolean {
  const rel = posix.relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !posix.isAbsolute(rel));
}

/**
 * A bubblewrap sandbox driven by a mount list. Every exec, spawn and shell is its own bwrap invocation over
 * the same mounts, limits and cgroup.
 *
 * Privilege model (as root): `setpriv --reuid --regid --clear-groups` drops to the sandbox uid BEFORE bwrap,
 * and bwrap then builds an unprivileged user namespace mapping that uid to itself. The other order does not
 * work here: bwrap run as root with --unshare-all creates a user namespace that maps only uid 0, so a setpriv
 * inside fails with "setresuid failed: Invalid argument". Files the agent creates are owned by the real uid
 * (default 1000), which is why rw mounts are chowned to it.
 */
export async function createBwrapSandbox(opts: BwrapOptions): Promise<BwrapSandbox> {
  const bwrap = findExecutable("bwrap");
  if (!bwrap) {
    throw new ConfigError("bubblewrap (bwrap) is not installed; install it with: apt-get install bubblewrap", {
      hint: "apt-get install bubblewrap",
    });
  }
  validate(opts);
  const isRoot = process.getuid?.() === 0;
  const setpriv = isRoot ? findExecutable("setpriv") : undefined;
  if (isRoot && !setpriv) {
    throw new ConfigError(
      "setpriv is not installed (needed to drop root); install it with: apt-get install util-linux",
    );
  }
  const image = opts.image;
  const imageBase = image?.userns?.hostBase;
  const uid = imageBase ?? (isRoot ? (opts.uid ?? 1000) : process.getuid!());
  const gid = imageBase ?? (isRoot ? (opts.gid ?? opts.uid ?? 1000) : process.getgid!());
  const warn = opts.onWarning ?? ((m: string) => process.emitWarning(m, "SandboxWarning"));
  const network = opts.network ?? false;

  const runDir = resolve(opts.runDir);
  // In an image root, /tmp is the image's own (a file the agent leaves there is the verifier's to read, as in one
  // container); elsewhere a private folder of the run's.
  const tmpDir = image ? join(image.root, "tmp") : `${runDir}/tmp`;
  const homeDir = `${runDir}/home`;
  for (const dir of image ? [homeDir] : [tmpDir, homeDir]) {
    mkdirSync(dir, { recursive: true });
    if (isRoot) chownSync(dir, uid, gid);
  }
  if (!image) chmodSync(tmpDir, 0o1777);
  else mkdirSync(tmpDir, { recursive: true, mode: 0o1777 });
  if (isRoot && opts.chownWritable !== false && !image) {
    for (const m of opts.mounts) if (m.mode === "rw") execFileSync("chown", ["-R", `${uid}:${gid}`, m.host]);
  }
  if (isRoot) for (const m of opts.mounts) ensureTraversable(resolve(m.host), uid, gid);
  if (isRoot) ensureTraversable(runDir, uid, gid);
  if (image) for (const m of image.mounts) ensureTraversable(resolve(m.host), uid, gid);
  const mounts = sortMounts([
    ...(image?.mounts ?? []),
    ...opts.mounts.map((m) => ({ ...m, host: resolve(m.host) })),
    ...(image
      ? []
      : [
          { host: tmpDir, inside: "/tmp", mode: "rw" as const },
          { host: homeDir, inside: HOME, mode: "rw" as const },
        ]),
  ]);

  const maxProcesses = opts.maxProcesses ?? 1024;
  const cgroupName = `switchyard-${process.pid}-${randomBytes(4).toString("hex")}`;
  const made = isRoot
    ? await createCgroup(cgroupName, {
        maxProcesses,
        ...(opts.memoryMb === undefined ? {} : { memoryMb: opts.memoryMb }),
        ...(opts.cpus === undefined ? {} : { cpus: opts.cpus }),
      })
    : "not running as root";
  let cgroup: SandboxCgroup | undefined;
  if (typeof made === "string") {
    warn(
      `cgroups unavailable (${made}); limiting the sandbox with prlimit instead (per-uid process limit, address-space limit)`,
    );
  } else {
    cgroup = made;
  }

  const baseEnv: Record<string, string> = {
    PATH: BASE_PATH,
    HOME,
    LANG: "C.UTF-8",
    TERM: "dumb",
    TMPDIR: "/tmp",
    PAGER: "cat",
    GIT_PAGER: "cat",
    ...opts.env,
  };
  const fsArgs = baseFilesystemArgs();
  const children = new Set<ChildProcess>();
  const shells = new Set<PersistentShell>();
  let disposed = false;

  const launch = (argv: string[], o: { cwd?: string; env?: Record<string, string>; network?: boolean }) => {
    if (disposed) throw new Error("sandbox has been disposed");
    const cwd = o.cwd ? posix.resolve(opts.workdir, o.cwd) : opts.workdir;
    if (image) return launchImage(argv, cwd, o);
    const inner = [
      bwrap,
      ...isolationArgs({ network: o.network ?? network, uid, gid }),
      ...fsArgs,
      ...mountArgs(mounts),
      "--chdir",
      cwd,
      "--",
      ...(opts.wrapArgv ? opts.wrapArgv(argv) : argv),
    ];
    const limited = cgroup
      ? inner
      : [
          "prlimit",
          `--nproc=${maxProcesses}`,
          ...(opts.memoryMb ? [`--as=${opts.memoryMb * 1024 * 1024}`] : []),
          "--",
          ...inner,
        ];
    const dropped = setpriv ? [setpriv, `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", ...limited] : limited;
    // Join the cgroup before exec so that every process bwrap forks is accounted from its first instruction.
    const join = cgroup?.procsFiles.map((f) => `echo $$ > ${f}`).join(" && ");
    const [cmd, ...args] = join ? ["/bin/sh", "-c", `${join} && exec "$@"`, "sh", ...dropped] : dropped;
    const child = spawn(cmd!, args, { env: { ...baseEnv, ...o.env }, stdio: ["pipe", "pipe", "pipe"] });
    children.add(child);
    child.on("exit", () => children.delete(child));
    return child;
  };

  // An image sandbox: one bwrap in the trial's root, user namespace and USER; the environment is given explicitly.
  const launchImage = (
    argv: string[],
    cwd: string,
    o: { env?: Record<string, string>; network?: boolean },
  ): ChildProcess => {
    const { HOME: _home, ...rest } = baseEnv;
    const built = imageSandboxArgv({
      ...(image as NonNullable<typeof image>),
      mounts,
      network: o.network ?? network,
      cwd,
      env: { ...rest, ...opts.env, ...o.env },
      command: opts.wrapArgv ? opts.wrapArgv(argv) : argv,
    });
    const inner = cgroup
      ? built.argv
      : [
          "prlimit",
          `--nproc=${maxProcesses}`,
          ...(opts.memoryMb ? [`--as=${opts.memoryMb * 1024 * 1024}`] : []),
          "--",
          ...built.argv,
        ];
    const join = cgroup?.procsFiles.map((f) => `echo $$ > ${f}`).join(" && ");
    const [cmd, ...args] = join ? ["/bin/sh", "-c", `${join} && exec "$@"`, "sh", ...inner] : inner;
    const stdio: ("pipe" | number)[] = ["pipe", "pipe", "pipe"];
    if (built.fd3 !== undefined) stdio.push(built.fd3);
    const child = spawn(cmd!, args, { env: { PATH: BASE_PATH }, stdio });
    children.add(child);
    child.on("exit", () => children.delete(child));
    return child;
  };

  const killTree = (child: ChildProcess): void => {
    if (child.pid === undefined) return;
    const tree = descendants(child.pid);
    signalQuietly(child.pid, "SIGKILL");
    for (const p of tree) signalQuietly(p.pid, "SIGKILL");
  };
  const shellPids = new WeakMap<ChildProcess, number>();

  // If the caller exits without dispose(), still take the sandbox's processes down with it.
  const onExit = (): void => {
    for (const child of children) killTree(child);
    cgroup?.killAllSync();
  };
  exitHooks.add(onExit);
  if (exitHooks.size === 1) process.once("exit", runExitHooks);

  const sandbox: BwrapSandbox = {
    kind: "bwrap",
    workdir: opts.workdir,
    network,
    limits: cgroup ? "cgroup" : "prlimit",
    exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
      const child = launch(["bash", "-c", command], o);
      return collectProcess(child, o, () => killTree(child));
    },
    spawn(argv: string[], o: SpawnOptions = {}): ChildProcess {
      return launch(argv, o);
    },
    async openShell(): Promise<PersistentShell> {
      const shell = await openPersistentShell({
        spawnBash: () => launch(["bash", "--noprofile", "--norc"], {}),
        // bwrap's init (pid 1 of the namespace) is bash's parent: the first bash below it is the shell.
        shellPid: (child) => {
          const known = shellPids.get(child);
          if (known !== undefined || child.pid === undefined) return known;
          const leader = descendants(child.pid).find((p) => p.comm === "bash");
          if (leader) shellPids.set(child, leader.pid);
          return leader?.pid;
        },
        killTree,
        outputDir: { host: tmpDir, inside: "/tmp" },
      });
      shells.add(shell);
      return shell;
    },
    hostPath(path: string, access: "read" | "write"): string | undefined {
      const full = posix.resolve(opts.workdir, path);
      let best: (typeof mounts)[number] | undefined;
      for (const m of mounts) {
        if (isUnder(m.inside, full) && (!best || m.inside.length > best.inside.length)) best = m;
      }
      if (!best && image) return imageHostPath(image, full, access);
      if (!best || (access === "write" && best.mode !== "rw")) return undefined;
      return confinedHostPath(best.host, posix.relative(best.inside, full));
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      exitHooks.delete(onExit);
      if (exitHooks.size === 0) process.removeListener("exit", runExitHooks);
      await Promise.all([...shells].map((s) => s.close().catch(() => {})));
      shells.clear();
      for (const child of children) killTree(child);
      children.clear();
      await cgroup?.remove();
    },
  };
  return sandbox;
}
