import { execFileSync } from "node:child_process";
import { createHash, type Hash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DOCKER_DEFAULT_CAPS, RUN_AS_INSIDE, runAsDir } from "./run-as.ts";
import { hostId, type SandboxUserns } from "./userns.ts";

/**
 * An "image root": the writable root file system of a bench trial, standing in for a container built from the task's
 * Dockerfile. The host's root file system plays the base image (FROM):
 * - `/` is a per-trial host folder, so RUN can create /data, /srv, /home/user... and they persist to later phases;
 * - `/etc` is a per-trial copy of the host's /etc (RUN useradd, RUN echo >> /etc/...), without the files the host
 *   keeps from other users (shadow, gshadow, sudoers, private keys: anything not world-readable), without the host's
 *   login accounts (ids 1000–60000: a base image has none), and with a shadow and gshadow that hold no password
 *   (`*`), owned by the sandbox's ids as an image's /etc is owned by its root;
 * - /usr, /opt, /var and the /bin, /lib... links are the host's, read-only (a write there fails with "Read-only file
 *   system": reduced fidelity, see local-env.ts); /var/tmp, /var/log and /var/mail are the trial's own, and a path
 *   the Dockerfile needs below a read-only folder (WORKDIR /opt/app) is carved out writable (`nested`).
 */

/** Host folders shown read-only in every image root. */
export const IMAGE_SYSTEM_DIRS = ["/usr", "/opt", "/var"];
/** Top-level names that are links into /usr on merged-/usr hosts (recreated as links) or real folders (bound). */
const TOP_LINKS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/** Paths below the read-only folders that every image root has of its own (empty at first). */
export const IMAGE_WRITABLE = ["/var/tmp", "/var/log", "/var/mail"];

let etcTemplate: string | undefined;

/**
 * Build the trial's root at `root` (must not exist yet or be empty). Runs before any sandboxed code. With
 * `etc: "overlay"` the root's /etc stays empty: the caller shows an EtcOverlay there (etc-overlay.ts); with "copy"
 * it gets its own copy of the /etc template (slower: ~1200 files per trial).
 */
export function prepareImageRoot(root: string, opts: { mapped: boolean; etc: "copy" | "overlay" }): void {
  mkdirSync(root, { recursive: true });
  const own = (p: string, id = 0) => {
    if (opts.mapped) lchownSync(p, hostId(id), hostId(id));
  };
  if (opts.etc === "copy") execFileSync("cp", ["-a", join(etcTemplateDir(opts.mapped), "etc"), join(root, "etc")]);
  else mkdirSync(join(root, "etc"));
  for (const top of TOP_LINKS) {
    if (!existsSync(top)) continue;
    const st = lstatSync(top);
    if (st.isSymbolicLink()) {
      symlinkSync(readlinkSync(top), join(root, top.slice(1)));
      own(join(root, top.slice(1)));
    }
  }
  for (const [dir, mode] of [
    ["tmp", 0o1777],
    ["root", 0o700],
    ["var", 0o755],
    ["var/tmp", 0o1777],
    ["var/log", 0o755],
    ["var/mail", 0o2775],
    // Parents of the trial's mount points (/logs/agent, /.switchyard-offline/bin): bwrap would make them 0700,
    // which shuts a non-root USER out.
    ["logs", 0o755],
    [".switchyard-offline", 0o755],
  ] as const) {
    mkdirSync(join(root, dir), { recursive: true });
    chmodSync(join(root, dir), mode);
    own(join(root, dir));
  }
  chmodSync(root, 0o755);
  own(root);
}

/**
 * The trials' base /etc: a copy of the host's /etc with ids shifted into the sandbox's range, shared by every
 * process through the temp folder and named after a digest of what it was made from (every entry's path, type,
 * mode, owner, size and mtime), so a change to the host's /etc makes a new one and a stale one is never used. Made
 * in a temp folder and renamed into place; never changed afterwards (it is only ever an overlay's lower layer).
 */
export function etcTemplateDir(mapped: boolean): string {
  if (etcTemplate && existsSync(etcTemplate)) return etcTemplate;
  const hash = createHash("sha256").update(`v2 mapped=${mapped}\n`);
  digestTree("/etc", hash);
  const dir = join(tmpdir(), `switchyard-etc-${hash.digest("hex").slice(0, 16)}`);
  if (!existsSync(dir)) {
    const tmp = mkdtempSync(join(tmpdir(), "switchyard-etc-tmp-"));
    copyReadable("/etc", join(tmp, "etc"), mapped);
    dropLoginAccounts(join(tmp, "etc"));
    writeShadow(join(tmp, "etc"), mapped);
    chmodSync(tmp, 0o755);
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process made it first
    }
  }
  etcTemplate = dir;
  return dir;
}

function digestTree(path: string, hash: Hash): void {
  const st = lstatSync(path);
  hash.update(`${path}\0${st.mode}\0${st.uid}\0${st.gid}\0${st.size}\0${st.mtimeMs}\n`);
  if (st.isDirectory() && (st.mode & 0o005) === 0o005)
    for (const name of readdirSync(path).sort()) digestTree(join(path, name), hash);
}

/** Copy what every host user may read: a file or folder not readable by "others" is left out. */
function copyReadable(from: string, to: string, mapped: boolean): void {
  const st = lstatSync(from);
  const own = () => {
    if (mapped) lchownSync(to, hostId(st.uid), hostId(st.gid));
  };
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(from), to);
    own();
    return;
  }
  if (st.isDirectory()) {
    if ((st.mode & 0o005) !== 0o005) return;
    mkdirSync(to);
    for (const name of readdirSync(from)) copyReadable(join(from, name), join(to, name), mapped);
    chmodSync(to, st.mode & 0o7777);
    own();
    return;
  }
  if (!st.isFile() || (st.mode & 0o004) === 0) return;
  copyFileSync(from, to);
  chmodSync(to, st.mode & 0o7777);
  own();
}

/** Debian's range of ids for people's accounts (login.defs UID_MIN..UID_MAX, GID_MIN..GID_MAX). */
const LOGIN_IDS = { min: 1000, max: 60000 };

/**
 * The host's own login accounts (ids 1000–60000) are not the image's: a base image has none, and a Dockerfile's
 * `RUN useradd -u 1000 agent` must find that id free ("useradd: UID 1000 is not unique" otherwise). Their passwd
 * and group entries go, and their names leave the member lists of the groups that stay.
 */
function dropLoginAccounts(etc: string): void {
  const isLogin = (id: string | undefined) => Number(id) >= LOGIN_IDS.min && Number(id) <= LOGIN_IDS.max;
  /** Rewrite a colon-separated account file, entry by entry (`undefined` drops the entry). */
  const rewrite = (file: string, entry: (fields: string[]) => string[] | undefined) => {
    const f = join(etc, file);
    if (!existsSync(f)) return;
    const lines = readFileSync(f, "utf8").split("\n");
    const kept = lines.flatMap((l) => {
      if (!l.includes(":")) return [l];
      const fields = entry(l.split(":"));
      return fields ? [fields.join(":")] : [];
    });
    writeFileSync(f, kept.join("\n"));
  };
  const dropped = new Set<string>();
  rewrite("passwd", (p) => {
    if (!isLogin(p[2])) return p;
    dropped.add(p[0] ?? "");
    return undefined;
  });
  rewrite("group", (g) => {
    if (isLogin(g[2])) return undefined;
    const members = (g[3] ?? "").split(",").filter((m) => m && !dropped.has(m));
    return [...g.slice(0, 3), members.join(","), ...g.slice(4)];
  });
}

/** shadow/gshadow as a fresh image has them: one entry per account, no password. */
function writeShadow(etc: string, mapped: boolean): void {
  const lines = (f: string) =>
    existsSync(join(etc, f))
      ? readFileSync(join(etc, f), "utf8")
          .split("\n")
          .filter((l) => l.includes(":"))
          .map((l) => l.split(":"))
      : [];
  const shadowGid = Number(lines("group").find((g) => g[0] === "shadow")?.[2] ?? 0);
  const files: Record<string, string> = {
    shadow: lines("passwd")
      .map((p) => `${p[0]}:*:20000:0:99999:7:::\n`)
      .join(""),
    gshadow: lines("group")
      .map((g) => `${g[0]}:*::${g[3] ?? ""}\n`)
      .join(""),
  };
  for (const [name, text] of Object.entries(files)) {
    const f = join(etc, name);
    writeFileSync(f, text);
    chmodSync(f, 0o640);
    if (mapped) lchownSync(f, hostId(0), hostId(shadowGid));
  }
}

/**
 * Read-only binds of the host's system folders, carving out `nested` writable paths (which live in the root). A link
 * below a rebuilt folder is made once (bwrap refuses to make a link where one exists): only its presence in `root` is
 * checked (lstat, never followed).
 */
export function imageSystemArgs(root: string, nested: string[]): string[] {
  const writable = [...new Set([...IMAGE_WRITABLE, ...nested])];
  const args: string[] = [];
  for (const top of TOP_LINKS) {
    if (existsSync(top) && !lstatSync(top).isSymbolicLink() && lstatSync(top).isDirectory())
      args.push("--ro-bind", top, top);
  }
  for (const d of IMAGE_SYSTEM_DIRS) bindReadOnly(root, d, writable, args);
  return args;
}

/** A folder with a writable path below it is rebuilt from read-only binds of its other entries. */
function bindReadOnly(root: string, dir: string, writable: string[], args: string[]): void {
  if (!existsSync(dir)) return;
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) {
    let made = false;
    try {
      made = lstatSync(join(root, dir)).isSymbolicLink();
    } catch {}
    if (!made) args.push("--symlink", readlinkSync(dir), dir);
    return;
  }
  if (writable.includes(dir)) return;
  const inside = writable.filter((p) => p.startsWith(`${dir}/`));
  if (inside.length === 0 || !st.isDirectory()) {
    args.push("--ro-bind", dir, dir);
    return;
  }
  args.push("--dir", dir);
  for (const name of readdirSync(dir)) bindReadOnly(root, `${dir}/${name}`, inside, args);
}

/** USER values that are the image's root itself (a name other than "root" may still be uid 0: run-as resolves it). */
const ROOT_USERS = new Set(["", "0", "root", "0:0", "root:root"]);

export interface ImageSandboxArgs {
  /** The trial's root folder on the host. */
  root: string;
  /** Extra binds (logs, /tests, /solution, shims), in order, parents first. */
  mounts: { host: string; inside: string; mode: "ro" | "rw" }[];
  nested: string[];
  network: boolean;
  cwd: string;
  env: Record<string, string>;
  /** Docker USER the command runs as; undefined or "" runs as the image's root. */
  user?: string | undefined;
  command: string[];
  userns: SandboxUserns | undefined;
  /** The trial's /etc overlay: its mount namespace (entered first with nsenter) and merged folder, bound at /etc. */
  etc?: { mountNs: string; merged: string } | undefined;
}

/**
 * The argv (and the fd to hand the child as fd 3) of one command in an image root. As host root: setpriv to the
 * unprivileged owner of the user namespace, then `bwrap --userns 3 --uid 0` so the sandbox's root is id 0 of that
 * namespace; `--cap-drop ALL` then `--cap-add` of Docker's default set (no CAP_SYS_ADMIN); own pid, ipc, uts,
 * cgroup and (unless `network`) net namespaces; `--die-with-parent --new-session`. Without root: bwrap's own
 * single-id namespace, no USER switch.
 */
export function imageSandboxArgv(o: ImageSandboxArgs): { argv: string[]; fd3?: number } {
  const argv: string[] = o.etc ? ["nsenter", `--mount=${o.etc.mountNs}`, "--"] : [];
  const base = String(o.userns?.hostBase ?? 0);
  if (o.userns) argv.push("setpriv", `--reuid=${base}`, `--regid=${base}`, "--clear-groups", "bwrap", "--userns", "3");
  else argv.push("bwrap", "--unshare-user");
  argv.push("--uid", "0", "--gid", "0", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try");
  if (!o.network) argv.push("--unshare-net");
  argv.push("--die-with-parent", "--new-session", "--cap-drop", "ALL");
  for (const cap of DOCKER_DEFAULT_CAPS) argv.push("--cap-add", cap);
  argv.push("--bind", o.root, "/", ...imageSystemArgs(o.root, o.nested), "--proc", "/proc", "--dev", "/dev");
  if (o.etc) argv.push("--bind", o.etc.merged, "/etc");
  argv.push("--ro-bind", runAsDir(), "/.switchyard");
  for (const m of o.mounts) argv.push(m.mode === "rw" ? "--bind" : "--ro-bind", m.host, m.inside);
  argv.push("--chdir", o.cwd, "--clearenv");
  // run-as is only needed to become someone else than the image's root (it costs a few processes per command);
  // without it HOME is root's, /root, unless ENV set one.
  const switchUser = o.userns !== undefined && !ROOT_USERS.has(o.user ?? "");
  const env = switchUser || o.env.HOME !== undefined ? o.env : { ...o.env, HOME: "/root" };
  for (const [k, v] of Object.entries(env)) argv.push("--setenv", k, v);
  argv.push("--");
  if (switchUser && o.user) argv.push(RUN_AS_INSIDE, o.user);
  argv.push(...o.command);
  return o.userns ? { argv, fd3: o.userns.fd } : { argv };
}
