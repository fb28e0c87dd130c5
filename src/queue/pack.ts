import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ConfigError } from "../core/errors.ts";

/**
 * A folder as one gzip'd JSON document, for the trip through Redis: task folders to workers (symbolic links
 * followed, as Harbor's task checksum follows them) and trial folders back to the coordinator (each file at most
 * `maxFileBytes`; a larger file, or a link, is left out and listed in `omitted` with its size).
 * Unpacking refuses any path that would land outside the target folder.
 */
export interface PackedEntry {
  path: string;
  kind: "file" | "dir";
  mode: number;
  /** base64 of the file's bytes. */
  data?: string;
}

export interface OmittedArtifact {
  path: string;
  bytes: number;
  reason: string;
}

export interface PackedFolder {
  format: "switchyard.pack.v1";
  entries: PackedEntry[];
  omitted: OmittedArtifact[];
}

export interface PackOptions {
  /** Files larger than this are left out (and listed in `omitted`). Default: no cap. */
  maxFileBytes?: number;
  /** Follow symbolic links (task folders); otherwise they are left out. Default false. */
  followLinks?: boolean;
  /** Only these entries of the folder itself (and what is below them). Default: all. */
  only?: readonly string[];
}

export function packFolder(root: string, opts: PackOptions = {}): PackedFolder {
  const out: PackedFolder = { format: "switchyard.pack.v1", entries: [], omitted: [] };
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (rel === "" && opts.only && !opts.only.includes(name)) continue;
      const abs = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const link = lstatSync(abs);
      if (link.isSymbolicLink() && !opts.followLinks) {
        out.omitted.push({ path, bytes: link.size, reason: "symbolic link" });
        continue;
      }
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(abs);
      } catch {
        out.omitted.push({ path, bytes: 0, reason: "dangling symbolic link" });
        continue;
      }
      if (st.isDirectory()) {
        out.entries.push({ path, kind: "dir", mode: st.mode & 0o777 });
        walk(abs, path);
      } else if (st.isFile()) {
        if (opts.maxFileBytes !== undefined && st.size > opts.maxFileBytes) {
          out.omitted.push({ path, bytes: st.size, reason: `larger than the ${opts.maxFileBytes}-byte artifact cap` });
          continue;
        }
        out.entries.push({ path, kind: "file", mode: st.mode & 0o777, data: readFileSync(abs).toString("base64") });
      } else {
        out.omitted.push({ path, bytes: st.size, reason: "not a regular file" });
      }
    }
  };
  walk(root, "");
  return out;
}

/** Any JSON value as gzip'd bytes (fast level: these blobs live minutes, in Redis). */
export function gzipJson(v: unknown): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(v)), { level: 1 });
}

export function gunzipJson(b: Buffer, what: string): unknown {
  try {
    return JSON.parse(gunzipSync(b).toString("utf8")) as unknown;
  } catch (err) {
    throw new ConfigError(`${what}: not gzip'd JSON (${(err as Error).message})`);
  }
}

export function encodePack(p: PackedFolder): Buffer {
  return gzipJson(p);
}

export function decodePack(b: Buffer, what: string): PackedFolder {
  const v = gunzipJson(b, what) as PackedFolder;
  if (v?.format !== "switchyard.pack.v1" || !Array.isArray(v.entries)) {
    throw new ConfigError(`${what}: unknown pack format ${JSON.stringify(v?.format)}`);
  }
  return v;
}

/** A relative path that stays inside its folder, or a ConfigError. */
function safeRelative(path: string, what: string): string {
  const n = normalize(path);
  if (isAbsolute(n) || n === ".." || n.startsWith(`..${sep}`) || n.includes(`${sep}..${sep}`) || n === ".") {
    throw new ConfigError(`${what}: entry ${JSON.stringify(path)} would land outside its folder; refused`);
  }
  return n;
}

/** Writes the pack's entries under `root` (created). Returns the files written, relative to root. */
export function unpackFolder(p: PackedFolder, root: string, what: string): string[] {
  mkdirSync(root, { recursive: true });
  const files: string[] = [];
  for (const e of p.entries) {
    const rel = safeRelative(e.path, what);
    const abs = join(root, rel);
    if (e.kind === "dir") {
      mkdirSync(abs, { recursive: true });
      chmodSync(abs, (e.mode & 0o777) | 0o700);
      continue;
    }
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, Buffer.from(e.data ?? "", "base64"));
    chmodSync(abs, (e.mode & 0o777) | 0o600);
    files.push(rel);
  }
  return files;
}
