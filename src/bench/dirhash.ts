import { createHash } from "node:crypto";
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../core/errors.ts";

/**
 * Harbor's task checksum: `dirhash(task_dir, "sha256")` (harbor/models/task/task.py `Task.checksum`), i.e. the
 * Dirhash Standard v0.1.0 (github.com/andhus/dirhash) with the Python package's defaults: every file and folder
 * is included (hidden ones too), symbolic links are followed, folders without any file are left out, and each
 * entry is described by its name and data. A file's hash is sha256 of its bytes; a folder's is sha256 of the
 * sorted entry descriptors joined by "\0\0", where an entry descriptor is the sorted strings
 * `name:<name>` and `data:<file hash>` (or `dirhash:<folder hash>`) joined by "\0".
 */
export function taskChecksum(dir: string): string {
  const h = hashDir(dir, new Set());
  if (h === undefined) {
    throw new ConfigError(`${dir}: nothing to hash (the task folder has no files)`, { file: dir });
  }
  return h;
}

/** Hex sha256, as Harbor's checksums are written. */
export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** undefined for a folder with no file in it (recursively): such folders are not entries. */
function hashDir(dir: string, ancestors: Set<string>): string | undefined {
  const real = realpathSync(dir);
  if (ancestors.has(real)) {
    throw new ConfigError(`${dir}: a symbolic link loops back to a folder above it`, {
      file: dir,
      hint: "remove the cyclic link from the task folder",
    });
  }
  const inner = new Set(ancestors).add(real);
  const descriptors: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      continue; // a dangling link
    }
    let entry: string | undefined;
    if (st.isDirectory()) {
      const sub = hashDir(p, inner);
      if (sub !== undefined) entry = `dirhash:${sub}`;
    } else if (st.isFile()) {
      entry = `data:${sha256(readFileSync(p))}`;
    }
    if (entry !== undefined) descriptors.push([entry, `name:${name}`].sort().join("\0"));
  }
  if (descriptors.length === 0) return undefined;
  return sha256(Buffer.from(descriptors.sort().join("\0\0"), "utf8"));
}
