import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256, taskChecksum } from "../dirhash.ts";
import type { AtlasTaskSpec } from "./rows.ts";
import { BUILTIN_SERVERS } from "./servers.ts";

/**
 * The checksum of one row task. The rows of a suite share one folder, so Harbor's task checksum (the dirhash of
 * the task folder) would give every row the same value, and editing one row would change it for all. A row task's
 * checksum covers exactly what that row runs with:
 * - the row itself, canonically (its parsed spec as JSON with sorted keys: a .jsonl, .csv or .json spelling of the
 *   same row, or another row's edit, does not change it);
 * - the suite's settings it inherits (mcp-atlas.toml without its list of row files, or the defaults);
 * - the shared environment/ folder (Harbor's dirhash of it: the Dockerfile and the data it lays out);
 * - the code of the builtin servers it enables: the npm servers' lock file, the tracker's source.
 * It is a sha256 in hex, like Harbor's checksum, over the canonical JSON of those four, tagged `switchyard.row.v1`.
 */
const FORMAT = "switchyard.row.v1";
const SERVERS_DIR = fileURLToPath(new URL("../../mcp-servers/", import.meta.url));
const NPM_LOCK = join(SERVERS_DIR, "npm", "package-lock.json");
const TRACKER_FILES = ["tracker-lite.mjs", "tracker-store.mjs"].map((f) => join(SERVERS_DIR, f));

/** JSON with object keys sorted at every depth (arrays keep their order); undefined members are left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, x]) => [k, sortKeys(x)]));
  }
  return v;
}

const fileHash = (file: string) => (existsSync(file) ? sha256(readFileSync(file)) : null);

/** The code a builtin server runs from, by server name; undefined for a server the suite defines itself. */
function serverCode(server: string): Record<string, string | null> | undefined {
  const builtin = BUILTIN_SERVERS[server];
  if (!builtin) return undefined;
  if (builtin.package) return { "npm/package-lock.json": fileHash(NPM_LOCK) };
  return Object.fromEntries(TRACKER_FILES.map((f) => [f.slice(SERVERS_DIR.length), fileHash(f)]));
}

export interface RowChecksumInput {
  spec: AtlasTaskSpec;
  /** The suite's settings the row inherits (the manifest without its row-file list). */
  suite: Record<string, unknown>;
  /** The suite folder (its environment/ is shared by every row). */
  dir: string;
  /** Servers the row enables (the server part of each enabled tool). */
  servers: readonly string[];
}

export function rowTaskChecksum(input: RowChecksumInput): string {
  const env = join(input.dir, "environment");
  let environment: string | null = null;
  try {
    environment = existsSync(env) ? taskChecksum(env) : null;
  } catch {
    environment = null; // an environment/ without files hashes to nothing, as dirhash leaves such folders out
  }
  const servers = Object.fromEntries(
    [...new Set(input.servers)].sort().map((s) => [s, serverCode(s) ?? "defined by the suite"]),
  );
  return sha256(canonicalJson({ format: FORMAT, task: input.spec, suite: input.suite, environment, servers }));
}
