import {
  appendFileSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  symlinkSync,
  unlinkSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { ConfigError, errorMessage, SwitchyardError } from "../core/errors.ts";
import { ApplyRefusal, checkChangePath, checkInside, checkLinkResolves, checkLinkTarget } from "./apply-checks.ts";
import { type Change, hashEntry, lstatEntry, type Manifest, RUNS_DIR } from "./workspace.ts";

/**
 * Landing a run's changes in the workspace, all or nothing:
 * 1. check: every path is workspace-relative, no destination resolves outside the workspace, no new symlink points
 *    outside it;
 * 2. stage: every new entry is copied next to the workspace (same file system) and verified against the hash the
 *    review showed;
 * 3. swap: old entries are moved aside (never deleted), directories are created or emptied, staged entries are
 *    renamed into place. Every step is written to a journal first;
 * 4. on any failure the journal is replayed backwards, so the workspace is byte for byte what it was (content,
 *    modes, owners, link targets, empty directories). Only then are the moved-aside entries deleted.
 * A file ↔ directory ↔ symlink change is a deletion plus an addition of the same path: a directory is replaced only
 * once nothing is left in it (files the review does not cover, such as caches, make the apply refuse). A journal
 * left by a killed apply is rolled back by `recoverApply` before anything else touches the run.
 */
export interface ApplyOptions {
  /** Staging and backup directory, on the workspace's file system; default: a fresh one under `.switchyard/`. */
  stageDir?: string;
  /** hashEntry of every added/modified path as reviewed; a staged entry that differs is refused. */
  expected?: Manifest;
}

type Op =
  | { op: "backup"; path: string; backup: string }
  | { op: "place"; path: string; staged: string }
  | { op: "mkdir"; path: string };

const JOURNAL = "journal.jsonl";

class Transaction {
  private n = 0;
  readonly stage: string;
  constructor(stage: string) {
    this.stage = stage;
  }

  private log(op: Op): void {
    appendFileSync(join(this.stage, JOURNAL), `${JSON.stringify(op)}\n`);
  }

  /** Move `path` (a file, link or directory tree) aside. */
  backup(path: string): void {
    const backup = join(this.stage, "old", String(this.n++));
    this.log({ op: "backup", path, backup });
    renameSync(path, backup);
  }

  place(staged: string, path: string): void {
    this.log({ op: "place", path, staged });
    renameSync(staged, path);
  }

  mkdir(path: string, mode: number): void {
    this.log({ op: "mkdir", path });
    mkdirSync(path, { mode });
    chmodSync(path, mode);
  }
}

/** Undo a journal in reverse. Each op was logged before it ran, so an op may not have happened: check first. */
function rollback(stage: string): void {
  const file = join(stage, JOURNAL);
  if (!existsSync(file)) return;
  const ops: Op[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    try {
      if (line) ops.push(JSON.parse(line) as Op);
    } catch {
      // A torn last line: that op's intent was never fully written, so the op itself never started.
    }
  }
  for (const op of ops.reverse()) {
    const there = lstatEntry(op.path);
    if (op.op === "place") {
      if (!existsSync(op.staged) && there) unlinkSync(op.path);
    } else if (op.op === "mkdir") {
      if (there?.isDirectory()) rmdirSync(op.path);
    } else if (lstatEntry(op.backup)) {
      if (there) throw new Error(`${op.path} exists where the original must go back`);
      renameSync(op.backup, op.path);
    }
  }
  rmSync(file);
}

/**
 * Roll back an apply that was interrupted (the process was killed) and remove its stage. Returns true when there
 * was one.
 */
export function recoverApply(stage: string): boolean {
  if (!existsSync(join(stage, JOURNAL))) {
    rmSync(stage, { recursive: true, force: true });
    return false;
  }
  rollback(stage);
  rmSync(stage, { recursive: true, force: true });
  return true;
}

export function applyChanges(workspace: string, copy: string, changes: Change[], opts: ApplyOptions = {}): void {
  const realWorkspace = realpathSync(workspace);
  try {
    precheck(workspace, realWorkspace, copy, changes);
  } catch (err) {
    throw failure(err, undefined, workspace);
  }
  const runsDir = join(workspace, RUNS_DIR);
  const madeRunsDir = !existsSync(runsDir);
  if (madeRunsDir) mkdirSync(runsDir);
  const stage = opts.stageDir ?? mkdtempSync(join(runsDir, "apply-"));
  if (existsSync(join(stage, JOURNAL))) recoverApply(stage);
  mkdirSync(join(stage, "new"), { recursive: true });
  mkdirSync(join(stage, "old"), { recursive: true });
  let keep = false;
  try {
    swap(new Transaction(stage), { workspace, realWorkspace, copy, changes, expected: opts.expected });
  } catch (err) {
    try {
      rollback(stage);
    } catch (rbErr) {
      keep = true;
      throw new SwitchyardError(
        `apply failed (${errorMessage(err)}) and its rollback did not finish (${errorMessage(rbErr)}); the original ` +
          `entries are kept in ${stage} and ${JOURNAL} there lists where each one belongs`,
        { hint: "move them back by hand before using the workspace", cause: err },
      );
    }
    throw failure(err, stage, workspace);
  } finally {
    if (!keep) {
      // Committed (or rolled back): the journal goes first, so a crash now cannot undo a finished apply.
      rmSync(join(stage, JOURNAL), { force: true });
      rmSync(stage, { recursive: true, force: true });
      if (madeRunsDir) rmSync(runsDir, { recursive: true, force: true });
    }
  }
}

/** Errors by which the file system refuses a write the user can allow: bad input (exit 2), not a bug. */
const UNWRITABLE = new Set(["EACCES", "EPERM", "EROFS"]);

function failure(err: unknown, stage: string | undefined, workspace: string): SwitchyardError {
  const undone = stage === undefined ? "nothing was changed" : "everything was rolled back";
  if (err instanceof ApplyRefusal) {
    return new ConfigError(`${err.message}; ${undone}, the workspace is as it was`, {
      hint: "fix what the message names (in the workspace or the run's work/ copy) and apply again, or discard the run",
    });
  }
  const refused = unwritablePath(err, workspace);
  if (refused) {
    const code = (err as NodeJS.ErrnoException).code;
    return new ConfigError(
      `cannot write "${refused.rel}" in the workspace: ${refused.dir} is not writable (${code}); ${undone}, the workspace is as it was`,
      {
        file: refused.dir,
        hint: `make ${refused.dir} writable (its owner and mode, a read-only mount, or chattr -i) and apply again, or discard the run`,
        cause: err,
      },
    );
  }
  return new SwitchyardError(`apply failed: ${errorMessage(err)}; ${undone}, the workspace is as it was`, {
    cause: err,
  });
}

/** For a permission error on a workspace path (a rename names it as `dest`): that path and its directory. */
function unwritablePath(err: unknown, workspace: string): { rel: string; dir: string } | undefined {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (!e || typeof e.code !== "string" || !UNWRITABLE.has(e.code)) return undefined;
  const roots = [workspace, realpathSync(workspace)];
  for (const p of [e.dest, e.path]) {
    if (!p) continue;
    for (const root of roots) {
      const rel = relative(root, p);
      const outside = rel === "" || isAbsolute(rel) || rel === ".." || rel.startsWith(`..${sep}`);
      if (outside || rel === RUNS_DIR || rel.startsWith(`${RUNS_DIR}${sep}`)) continue;
      return { rel, dir: dirname(p) };
    }
  }
  return undefined;
}

/** Checks that need no writes: paths, destinations (except under a deleted entry), and new symlinks' targets. */
function precheck(workspace: string, realWorkspace: string, copy: string, changes: Change[]): void {
  for (const c of changes) checkChangePath(c.path);
  // Paths under a deleted entry (a link replaced by a directory) resolve only once the deletion has happened.
  const deleted = changes.filter((c) => c.kind === "deleted").map((c) => `${c.path}/`);
  for (const c of changes) {
    if (!deleted.some((d) => c.path.startsWith(d))) checkInside(realWorkspace, join(workspace, c.path), c.path);
    if (c.kind === "deleted") continue;
    const st = lstatEntry(join(copy, c.path));
    if (!st) throw new ApplyRefusal(`refusing to apply "${c.path}": it is no longer in the run's copy`);
    if (st.isSymbolicLink()) checkLinkTarget(c.path, readlinkSync(join(copy, c.path)));
  }
}

interface SwapContext {
  workspace: string;
  realWorkspace: string;
  copy: string;
  changes: Change[];
  expected: Manifest | undefined;
}

const depth = (p: string) => p.split("/").length;

function swap(tx: Transaction, ctx: SwapContext): void {
  const { workspace, realWorkspace, copy, changes } = ctx;
  const asRoot = process.getuid?.() === 0;
  const landing = changes.filter((c) => c.kind !== "deleted").sort((a, b) => depth(a.path) - depth(b.path));
  // Owners first, while the workspace is untouched: a modified entry keeps its owner; a new one takes its
  // directory's (the copy belongs to the sandbox's uid).
  const owners = new Map(landing.map((c) => [c.path, ownerFor(join(workspace, c.path))]));
  const staged = new Map(landing.map((c, i) => [c.path, stageEntry(tx.stage, copy, c.path, i, ctx.expected)]));

  for (const c of [...changes].sort((a, b) => depth(b.path) - depth(a.path))) {
    const dest = join(workspace, c.path);
    const st = lstatEntry(dest);
    if (!st || st.isDirectory()) continue;
    checkInside(realWorkspace, dest, c.path);
    tx.backup(dest);
  }
  for (const c of landing) {
    const dest = join(workspace, c.path);
    if (!lstatEntry(dest)?.isDirectory()) continue;
    const left = filesUnder(dest, workspace);
    if (left.length) {
      throw new ApplyRefusal(
        `cannot replace the directory "${c.path}": it still holds ${left.slice(0, 5).join(", ")}` +
          `${left.length > 5 ? ` and ${left.length - 5} more` : ""}, which the run's review does not cover (move them away first)`,
      );
    }
    tx.backup(dest);
  }
  for (const c of landing) {
    const dest = join(workspace, c.path);
    checkInside(realWorkspace, dest, c.path);
    const owner = owners.get(c.path);
    for (const dir of makeParents(tx, { workspace, copy, path: c.path })) {
      if (asRoot && owner) lchownSync(dir, owner.uid, owner.gid);
    }
    const from = staged.get(c.path) ?? "";
    if (asRoot && owner) lchownSync(from, owner.uid, owner.gid);
    tx.place(from, dest);
    if (lstatSync(dest).isSymbolicLink()) checkLinkResolves(realWorkspace, dest, c.path);
  }
  pruneEmptyDirs(tx, { workspace, copy, changes });
}

/** Copy the run's entry into the stage and check it is what the review showed. */
function stageEntry(stage: string, copy: string, path: string, i: number, expected: Manifest | undefined): string {
  const src = join(copy, path);
  const out = join(stage, "new", String(i));
  const st = lstatSync(src);
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), out);
  else {
    copyFileSync(src, out, constants.COPYFILE_FICLONE);
    // setuid/setgid/sticky bits are dropped.
    chmodSync(out, st.mode & 0o777);
  }
  if (expected) {
    const want = expected[path];
    if (want === undefined || hashEntry(out) !== want) {
      throw new ApplyRefusal(`refusing to apply "${path}": the run's copy of it changed since the review`);
    }
  }
  return out;
}

/** Create the missing directories on the way to `path` (modes as in the copy); returns those created. */
function makeParents(tx: Transaction, at: { workspace: string; copy: string; path: string }): string[] {
  const created: string[] = [];
  const parts = at.path.split("/").slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join("/");
    const dir = join(at.workspace, rel);
    const st = statEntry(dir);
    if (st?.isDirectory()) continue;
    if (st) {
      throw new ApplyRefusal(`cannot create "${at.path}": "${rel}" is a file in the workspace, not a directory`);
    }
    const mode = (statEntry(join(at.copy, rel))?.mode ?? 0o755) & 0o777;
    tx.mkdir(dir, mode);
    created.push(dir);
  }
  return created;
}

/** Directories that deletions left empty and that the run's copy no longer has go too (as git would show it). */
function pruneEmptyDirs(tx: Transaction, at: { workspace: string; copy: string; changes: Change[] }): void {
  const dirs = new Set<string>();
  for (const c of at.changes) {
    if (c.kind !== "deleted") continue;
    for (let d = dirname(c.path); d !== "."; d = dirname(d)) dirs.add(d);
  }
  for (const rel of [...dirs].sort((a, b) => depth(b) - depth(a))) {
    if (lstatEntry(join(at.copy, rel))?.isDirectory()) continue;
    const dir = join(at.workspace, rel);
    const st = lstatEntry(dir);
    if (st?.isDirectory() && readdirSync(dir).length === 0) tx.backup(dir);
  }
}

/** Files (not directories) under `dir`, relative to `root`. */
function filesUnder(dir: string, root: string): string[] {
  const out: string[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) out.push(...filesUnder(p, root));
    else out.push(relative(root, p));
  }
  return out;
}

/** stat (following links), or undefined for ENOENT/ENOTDIR. */
function statEntry(path: string): Stats | undefined {
  const st = lstatEntry(path);
  if (!st?.isSymbolicLink()) return st;
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function ownerFor(dest: string): { uid: number; gid: number } | undefined {
  for (let p = dest; ; p = dirname(p)) {
    const st = lstatEntry(p);
    if (st) return { uid: st.uid, gid: st.gid };
    if (dirname(p) === p) return undefined;
  }
}
