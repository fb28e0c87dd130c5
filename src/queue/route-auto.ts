import type { Config } from "../core/config.ts";
import { loadEvidence, routeOnEvidence } from "../router/route-with-evidence.ts";
import type { AutoRoute } from "./protocol.ts";

/**
 * `--agent auto` with `--queue`: the coordinator routes each task before its trials are enqueued, as an in-process
 * bench routes it (the router with this machine's results store as evidence — SWITCHYARD_STORE, the config's
 * `[results] store`, or the project's default — comparable trials only), so every worker runs the model chosen
 * here instead of routing with its own store. The store is read once per job, when the first `auto` trial is
 * enqueued; the choice, and the store it came from, travel with each trial (QueuedTrial.route).
 */
export type AutoRouter = (instruction: string) => Promise<AutoRoute>;

export function coordinatorRouter(
  config: Config,
  opts: { project?: string; env?: NodeJS.ProcessEnv; store?: string } = {},
): AutoRouter {
  let evidence: ReturnType<typeof loadEvidence> | undefined;
  return async (instruction) => {
    evidence ??= loadEvidence(config, opts);
    const ev = await evidence;
    const decision = routeOnEvidence(instruction, { config, explicitModel: "auto" }, ev);
    return {
      model: decision.model,
      strategy: decision.strategy,
      taskClass: decision.taskClass,
      store: ev.storePath ?? null,
      lookedIn: ev.location,
    };
  };
}
