import { constants, existsSync, type Stats } from "node:fs";
import { chown, type FileHandle, mkdir, open, stat } from "node:fs/promises";
import { dirname, posix } from "node:path";
import { ToolError } from "../core/errors.ts";
import { inScope } from "../core/scope.ts";
import type { ToolContext } from "../core/tool.ts";

/** A file as a tool addresses it: the path the agent sees and the checked host path for I/O. */
export interface ToolFile {
  /** Absolute path inside the sandbox. */
  inside: string;
  host: string;
}

/** Linux limits: PATH_MAX for a whole path, NAME_MAX bytes for one component. */
const PATH_MAX = 4096;
const NAME_MAX = 255;

/**
 * Make a model-given path absolute inside the sandbox (workspace-relative paths resolve against workdir).
 * A NUL byte or an over-long path is refused here with a message the model can act on, rather than
 * surfacing as a Node argument error or ENAMETOOLONG from deep inside a file operation.
 */
export function insidePath(ctx: ToolContext, path: string): string {
  if (path.includes("\0")) throw new ToolError("The path contains a NUL byte; paths cannot contain NUL bytes.");
  const inside = posix.resolve(ctx.sandbox.workdir, path);
  if (Buffer.byteLength(inside) >= PATH_MAX || inside.split("/").some((c) => Buffer.byteLength(c) > NAME_MAX)) {
    throw new ToolError(
      `The path is too long (at most ${NAME_MAX} bytes a component and ${PATH_MAX - 1} in all); use a shorter path.`,
    );
  }
  return inside;
}

/** Resolve for reading; refuses paths the sandbox does not show (e.g. /etc/shadow, /root). */
export function readableFile(ctx: ToolContext, path: string): ToolFile {
  const inside = insidePath(ctx, path);
  const host = ctx.sandbox.hostPath(inside, "read");
  if (host === undefined) {
    throw new ToolError(`The path ${inside} is not accessible in this sandbox; work under ${ctx.sandbox.workdir}.`);
  }
  return { inside, host };
}

/** Resolve for writing: must be writable in the sandbox and inside the task's scope. */
export function writableFile(ctx: ToolContext, path: string): ToolFile {
  const inside = insidePath(ctx, path);
  const host = ctx.sandbox.hostPath(inside, "write");
  if (host === undefined) {
    throw new ToolError(
      `Permission denied: ${inside} is not writable; only ${ctx.sandbox.workdir} (and /tmp) can be changed, and a symlink there must not point outside the workspace.`,
    );
  }
  const rel = posix.relative(ctx.sandbox.workdir, inside);
  // Scope limits the workspace; scratch space outside it (/tmp) is never part of the diff.
  const inWorkspace = rel !== ".." && !rel.startsWith("../");
  if (ctx.scope !== undefined && inWorkspace && !inScope(ctx.scope, rel)) {
    throw new ToolError(`${inside} is outside the task's scope (allowed: ${ctx.scope.join(", ")}).`);
  }
  return { inside, host };
}

/**
 * Create a file (and missing parent dirs) with the owner of the nearest existing parent directory. File tools
 * run on the host, as root under bwrap; without this, files they create would be root-owned and the sandbox
 * user (uid 1000) could no longer change them with bash.
 */
export async function writeNewFile(host: string, data: string | Buffer): Promise<void> {
  let existing = dirname(host);
  const created: string[] = [];
  while (!existsSync(existing)) {
    created.unshift(existing);
    existing = dirname(existing);
  }
  await mkdir(dirname(host), { recursive: true });
  await writeConfined(host, data);
  if (process.getuid?.() !== 0) return;
  const owner = await stat(existing);
  for (const path of [...created, host]) await chown(path, owner.uid, owner.gid);
}

/**
 * Open flags: O_NOFOLLOW refuses a symlink as the last component (ELOOP), closing the gap between check and
 * write; O_NONBLOCK makes opening a FIFO return at once instead of blocking the host process until a writer or
 * reader comes (on a regular file it changes nothing). Every opened file is then checked with fstat to be a
 * regular file, so a FIFO, device or socket planted by the agent is refused before any read or write.
 */
const WRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * The most a file tool reads into Switchyard's own process (outside the sandbox's memory limit). Whole-file
 * operations (edit, patch) refuse bigger files; `view` reads a bounded slice (readHead, readLineRange).
 */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** A kind of file the tools do not touch, named for the model. */
function kindOf(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a directory";
  return "not a regular file";
}

/** Refuse anything but a regular file, with what it is and what to use instead. */
export function assertRegular(st: Stats, inside: string): void {
  const kind = kindOf(st);
  if (kind === undefined) return;
  throw new ToolError(
    `${inside} is ${kind}, not a regular file; the file tools only read and write regular files (use bash if you must).`,
  );
}

function tooBig(size: number, what: string): ToolError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new ToolError(
    `The file is ${mb(size)}; ${what} works on files up to ${mb(MAX_FILE_BYTES)}. View parts of it with a view_range, ` +
      "or search it with bash (grep -n, head, tail, sed -n 'A,Bp').",
  );
}

async function openChecked(host: string, flags: number, mode?: number): Promise<FileHandle> {
  const handle = await open(host, flags, mode).catch(refuseOpen);
  try {
    assertRegular(await handle.stat(), host);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Write a host path from `hostPath` without following a symlink in its last component: the agent's shell may
 * replace the checked file with a link between the check and the write. (A directory swapped for a link higher
 * up in that window is not caught; see docs/sandbox.md.)
 */
export async function writeConfined(host: string, data: string | Buffer): Promise<void> {
  const handle = await openChecked(host, WRITE_FLAGS, 0o644);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

/** Read a whole regular file (at most MAX_FILE_BYTES) as UTF-8 without following a symlink in its last component. */
export async function readConfined(host: string, what = "this tool"): Promise<string> {
  const handle = await openChecked(host, READ_FLAGS);
  try {
    const { size } = await handle.stat();
    if (size > MAX_FILE_BYTES) throw tooBig(size, what);
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/** The first `maxBytes` of a regular file (cut at a line end when there is one), its size, and whether it was cut. */
export async function readHead(host: string, maxBytes: number): Promise<{ text: string; size: number; cut: boolean }> {
  const handle = await openChecked(host, READ_FLAGS);
  try {
    const { size } = await handle.stat();
    const buf = Buffer.alloc(Math.min(size, maxBytes));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    let text = buf.subarray(0, bytesRead).toString("utf8");
    const cut = size > bytesRead;
    if (cut && text.lastIndexOf("\n") > 0) text = text.slice(0, text.lastIndexOf("\n"));
    return { text, size, cut };
  } finally {
    await handle.close();
  }
}

/**
 * Lines `from`..`to` (1-based, inclusive; `to` -1 = to the end) of a regular file, read in chunks so a file of
 * any size is never held whole: newlines are found in the bytes, and only lines in the range are decoded, at most
 * `maxBytes` of them (`cut` when more was dropped). Reading stops after line `to`; `total` (the file's line
 * count) is known only when the whole file was read.
 */
export async function readLineRange(
  host: string,
  from: number,
  to: number,
  maxBytes: number,
): Promise<{ lines: string[]; total?: number; cut: boolean }> {
  const handle = await openChecked(host, READ_FLAGS);
  try {
    const lines: string[] = [];
    let budget = maxBytes;
    let cut = false;
    let line = 1;
    let pieces: Buffer[] = [];
    const inRange = () => line >= from && (to === -1 || line <= to);
    const keep = (bytes: Buffer) => {
      if (!inRange() || bytes.length === 0) return;
      if (bytes.length > budget) cut = true;
      const part = bytes.subarray(0, Math.max(0, budget));
      budget -= part.length;
      if (part.length) pieces.push(Buffer.from(part));
    };
    const endLine = () => {
      if (inRange() && budget <= 0 && pieces.length === 0) cut = true;
      else if (inRange()) lines.push(Buffer.concat(pieces).toString("utf8"));
      pieces = [];
      line++;
    };
    const buf = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      for (let start = 0; ; ) {
        const nl = chunk.indexOf(0x0a, start);
        if (line < from) {
          // Before the range: only count.
          if (nl === -1) break;
          line++;
          start = nl + 1;
          continue;
        }
        keep(chunk.subarray(start, nl === -1 ? chunk.length : nl));
        // The last wanted line exists and nothing more of it can be shown: no need to find its end.
        if (line === to && budget <= 0) {
          endLine();
          return { lines, cut: true };
        }
        if (nl === -1) break;
        endLine();
        if (to !== -1 && line > to) return { lines, cut };
        start = nl + 1;
      }
    }
    if (inRange()) lines.push(Buffer.concat(pieces).toString("utf8"));
    return { lines, total: line, cut };
  } finally {
    await handle.close();
  }
}

const CHUNK_BYTES = 1024 * 1024;

/** The number of lines of a regular file as the editor numbers them (a trailing newline starts an empty last line). */
export async function countLines(host: string): Promise<number> {
  return (await readLineRange(host, Number.MAX_SAFE_INTEGER, -1, 0)).total ?? 0;
}

function refuseOpen(err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ELOOP") {
    throw new ToolError("The file was replaced by a symbolic link while the tool was using it; nothing was changed.");
  }
  // O_WRONLY | O_NONBLOCK on a FIFO without a reader.
  if (code === "ENXIO") throw new ToolError("The path is a named pipe (FIFO) or device, not a regular file.");
  throw err;
}
