import { existsSync } from "node:fs";
import { openResultsStore, type ResultsStore, resultsPath, type StoreSetting } from "./results-store.ts";

/**
 * Which results store, whatever engine holds it: the embedded SQLite file (results-store.ts, the default) or a
 * shared Postgres database (results-store-pg.ts) named by a `postgres://` URL. Both hold the same `trials` table
 * with the same key and migrate their schema on open; the bench records through either and the router reads either.
 */

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** A Postgres URL fit for messages: the password replaced by "***". */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
  }
}

export interface StoreLocationOptions {
  /** `--store`: a SQLite path or a `postgres://` URL. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  project?: string;
  /** `[results] store` from the config (may also be a `postgres://` URL). */
  store?: StoreSetting;
}

/**
 * Where the store is: `--store` > SWITCHYARD_STORE > SWITCHYARD_RESULTS_DB > `[results] store` (resultsPath). Each
 * may be a file path or a `postgres://` URL.
 */
export function storeLocation(opts: StoreLocationOptions = {}): string {
  const env = opts.env ?? process.env;
  const pick = [opts.flag, env.SWITCHYARD_STORE].find((v) => v !== undefined && v.trim() !== "");
  if (pick) return pick.trim();
  if (!env.SWITCHYARD_RESULTS_DB && opts.store && isPostgresUrl(opts.store)) return opts.store;
  return resultsPath({
    env,
    ...(opts.project === undefined ? {} : { project: opts.project }),
    ...(opts.store ? { store: opts.store } : {}),
  });
}

/** Open the store at `location`; a Postgres store is connected and migrated before this returns. */
export async function openStore(location: string): Promise<ResultsStore> {
  if (isPostgresUrl(location)) {
    const { openPostgresStore } = await import("./results-store-pg.ts");
    return openPostgresStore(location);
  }
  return openResultsStore(location);
}

/**
 * For readers (the router): the store if there is one to read — a SQLite file is never created just to read it;
 * a Postgres URL is always opened (an unreachable one is a ConfigError).
 */
export async function openExistingStore(location: string): Promise<ResultsStore | undefined> {
  if (!isPostgresUrl(location) && !existsSync(location)) return undefined;
  return openStore(location);
}
