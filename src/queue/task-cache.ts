import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import type { Redis } from "ioredis";
import { taskChecksum } from "../bench/dirhash.ts";
import { type BenchTask, loadSuite } from "../bench/task.ts";
import { ConfigError } from "../core/errors.ts";
import { decodePack, encodePack, packFolder, unpackFolder } from "./pack.ts";
import { keys, type RowsFolder, TASK_TTL_S } from "./protocol.ts";

/**
 * Task folders travel by Harbor's task checksum: the coordinator publishes each folder once under
 * `switchyard:task:<checksum>`; a worker that lacks it fetches the blob, unpacks it, recomputes the checksum and
 * refuses a mismatch, then keeps it in its cache (`$XDG_CACHE_HOME/switchyard/tasks/<checksum>/<task name>/`,
 * marked complete by a `.verified` file written last) for every later trial of that task. The worker loads the task
 * from it as bench loads a task folder, with the job's `--mcp-url`s (MCP-Atlas Harbor bundles) and its own
 * environment (an MCP server's keys and packages are this machine's).
 *
 * The rows of an MCP-Atlas-style suite share one folder and each has its own checksum (bench/mcp-atlas/checksum.ts):
 * the folder travels under Harbor's checksum of what was published (publishRows), verified on arrival as a task
 * folder is, and the worker loads the row from it as bench loaded it and refuses a row whose own checksum is not
 * the one the job planned (loadQueuedRow).
 */

export function defaultTaskCache(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(base, "switchyard", "tasks");
}

/** Publish a task folder (a no-op, but for its expiry, when a blob of that checksum is already there). */
export async function publishTask(redis: Redis, dir: string, checksum: string): Promise<void> {
  const key = keys.task(checksum);
  if ((await redis.expire(key, TASK_TTL_S)) === 1) return;
  const blob = encodePack(packFolder(dir, { followLinks: true }));
  await redis.set(key, blob, "EX", TASK_TTL_S);
}

/**
 * Publish the folder a row task's rows share: a suite read through its mcp-atlas.toml as the whole folder (its
 * servers may use any file in it); a rows file given alone as that file and environment/ (its folder may be any
 * folder). The key is Harbor's checksum of exactly what was packed, computed as a worker computes it.
 */
export async function publishRows(
  redis: Redis,
  dir: string,
  origin: { file: string; manifest: boolean },
): Promise<RowsFolder> {
  const file = relative(dir, origin.file);
  const pack = packFolder(dir, { followLinks: true, ...(origin.manifest ? {} : { only: [file, "environment"] }) });
  const scratch = mkdtempSync(join(tmpdir(), "switchyard-rows-"));
  let checksum: string;
  try {
    unpackFolder(pack, join(scratch, "rows"), `rows of ${dir}`);
    checksum = taskChecksum(join(scratch, "rows"));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const key = keys.task(checksum);
  if ((await redis.expire(key, TASK_TTL_S)) !== 1) await redis.set(key, encodePack(pack), "EX", TASK_TTL_S);
  return { checksum, name: basename(dir), file, load: origin.manifest ? "." : file };
}

export class TaskFetchError extends ConfigError {}

/**
 * A row task from its fetched folder, loaded as bench loaded it (the folder's mcp-atlas.toml, or the rows file),
 * refused unless its own checksum is the one the job planned: the row, the suite's settings or environment/ edited
 * after the job planned it, or other builtin server code on this worker, would otherwise be run and scored as if it
 * were the planned row.
 */
export function loadQueuedRow(
  folder: string,
  task: { name: string; checksum: string; rows: RowsFolder },
  opts: { mcpUrls: Record<string, string>; env?: NodeJS.ProcessEnv },
): BenchTask {
  const row = loadQueuedTask(task.rows.load === "." ? folder : join(folder, task.rows.load), task, opts);
  const got = row.mcpAtlas?.checksum;
  if (got === task.checksum) return row;
  throw new TaskFetchError(
    `task ${task.name}: its row in ${task.rows.name}/${task.rows.file} hashes to ${got ?? "nothing (not a row)"} on this worker, not ${task.checksum} as the job planned it; refused, not run — the row, the suite's settings or environment/ changed after the job was planned, or this worker's builtin MCP servers differ from the coordinator's`,
    {
      hint: "re-run the coordinator's command: it plans the edited row again (a new checksum, a new trial)",
    },
  );
}

/** The task from its fetched folder, loaded as bench loads it (an MCP-Atlas bundle with the job's `--mcp-url`s). */
export function loadQueuedTask(
  folder: string,
  task: { name: string },
  opts: { mcpUrls: Record<string, string>; env?: NodeJS.ProcessEnv },
): BenchTask {
  const suite = loadSuite([folder], opts);
  const hit = suite.tasks.find((t) => t.name === task.name);
  if (hit) return hit;
  const failed = suite.failures.find((f) => f.name === task.name);
  if (failed) throw failed.error;
  throw new ConfigError(`task ${task.name}: not in ${folder}`, { file: folder });
}

/** Fetch (or find in the cache) the task's folder; returns its path. */
export async function fetchTask(
  redis: Redis,
  task: { name: string; checksum: string },
  cacheRoot: string,
): Promise<string> {
  const home = join(cacheRoot, task.checksum);
  const dir = join(home, task.name);
  if (existsSync(join(home, ".verified")) && existsSync(dir)) return dir;
  const blob = await redis.getBuffer(keys.task(task.checksum));
  if (!blob) {
    throw new TaskFetchError(`task ${task.name} (checksum ${task.checksum}) is not in Redis`, {
      hint: "re-run the coordinator's command: it publishes the job's task folders",
    });
  }
  mkdirSync(cacheRoot, { recursive: true });
  const incoming = mkdtempSync(join(cacheRoot, ".incoming-"));
  try {
    unpackFolder(decodePack(blob, `task ${task.name}`), join(incoming, task.name), `task ${task.name}`);
    const got = taskChecksum(join(incoming, task.name));
    if (got !== task.checksum) {
      throw new TaskFetchError(
        `task ${task.name}: the folder from Redis hashes to ${got}, not ${task.checksum}; refused`,
        { hint: "the blob was altered or the coordinator's task changed: re-run the coordinator's command" },
      );
    }
    writeFileSync(join(incoming, ".verified"), `${task.checksum}\n`);
    try {
      renameSync(incoming, home);
    } catch {
      // Another trial of this worker fetched it first: keep theirs.
    }
  } finally {
    rmSync(incoming, { recursive: true, force: true });
  }
  if (!existsSync(join(home, ".verified"))) {
    // A stale, incomplete folder from a killed worker: replace it.
    rmSync(home, { recursive: true, force: true });
    return fetchTask(redis, task, cacheRoot);
  }
  return dir;
}
