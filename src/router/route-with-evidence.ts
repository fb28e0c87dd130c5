import type { TrialRow } from "../ledger/results-store.ts";
import { maskUrl, openExistingStore, storeLocation } from "../ledger/trial-store.ts";
import { loadCatalog } from "../providers/catalog.ts";
import { normalizeRef } from "./catalog-view.ts";
import { comparableEvidence, type EvidenceKind } from "./evidence.ts";
import { DEFAULT_MODEL, DEFAULT_RULES, type Decision, type RouteOptions, routeTask } from "./route.ts";

export interface EvidenceOptions {
  env?: NodeJS.ProcessEnv;
  /** The project (absolute folder) whose store and trials count; default the current folder. */
  project?: string;
  /** Kinds of non-comparable evidence to include (`--include-evidence`), besides router.include_evidence. */
  include?: ReadonlyArray<EvidenceKind | "all">;
  /** `--store`: a SQLite path or a `postgres://` URL, before SWITCHYARD_STORE and the config. */
  store?: string;
}

/**
 * The bench trials the router may learn from: the results store named by --store, SWITCHYARD_STORE,
 * SWITCHYARD_RESULTS_DB or the config's `[results] store` (default `<project>/.switchyard/results.sqlite`; a
 * `postgres://` URL reads the shared Postgres store), read when it exists and never created just to route. The store
 * may answer asynchronously (a networked store); the rows are read once, here. `storePath` is the store read
 * (undefined: there was none), `location` where it was looked for (a URL's password masked).
 */
export async function loadEvidence(
  config: RouteOptions["config"],
  opts: EvidenceOptions = {},
): Promise<{ rows: TrialRow[]; storePath: string | undefined; location: string; project: string }> {
  const project = opts.project ?? process.cwd();
  const location = storeLocation({
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.store ? { flag: opts.store } : {}),
    project,
    store: config.results.store,
  });
  const store = await openExistingStore(location);
  const shown = maskUrl(location);
  if (!store) return { rows: [], storePath: undefined, location: shown, project };
  try {
    return { rows: await store.trials(), storePath: store.path, location: shown, project };
  } finally {
    await store.close();
  }
}

/**
 * Route with the project's bench evidence (loadEvidence), comparable trials only unless the config or `include`
 * says otherwise. Returns the decision and the store path that was read, if any.
 */
export async function routeWithEvidence(
  task: string,
  opts: Omit<RouteOptions, "store" | "evidencePolicy"> & EvidenceOptions,
): Promise<{ decision: Decision; storePath: string | undefined }> {
  const { env: _e, project: _p, store: _s, include, ...route } = opts;
  const ev = await loadEvidence(opts.config, opts);
  return { decision: routeOnEvidence(task, route, ev, include), storePath: ev.storePath };
}

/** Route with evidence already read (loadEvidence), comparable trials only unless the config or `include` says otherwise. */
export function routeOnEvidence(
  task: string,
  route: Omit<RouteOptions, "store" | "evidencePolicy">,
  ev: Awaited<ReturnType<typeof loadEvidence>>,
  include?: EvidenceOptions["include"],
): Decision {
  return routeTask(task, {
    ...route,
    ...(ev.storePath ? { store: { trials: () => ev.rows, path: ev.storePath } } : {}),
    evidencePolicy: { project: ev.project, ...(include ? { include } : {}) },
  });
}

/**
 * Every model `--model auto` / `--agent auto` may route to with this config and store: the rule of every task
 * class (built-in or router.rules), the default (router.default, model, or the built-in one) and every model with
 * evidence the router would count. Checked before any work starts, as an explicit model's key is.
 */
export async function autoCandidates(config: RouteOptions["config"], opts: EvidenceOptions = {}): Promise<string[]> {
  const catalog = loadCatalog(config);
  const refs = new Set<string>();
  for (const ref of Object.values({ ...DEFAULT_RULES, ...config.router.rules })) refs.add(normalizeRef(catalog, ref));
  refs.add(normalizeRef(catalog, config.router.default ?? config.model ?? DEFAULT_MODEL));
  const ev = await loadEvidence(config, opts);
  const policy = { project: ev.project, include: [...config.router.include_evidence, ...(opts.include ?? [])] };
  for (const r of comparableEvidence(ev.rows, policy).rows) if (r.model.includes("/")) refs.add(r.model);
  return [...refs].sort();
}
