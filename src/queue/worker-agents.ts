import type { Redis } from "ioredis";
import type { ModelAgentRunner } from "../bench/trial.ts";
import { loadConfig } from "../core/config.ts";
import { REASONING_LEVELS } from "../core/model.ts";
import type { JobMeta, QueuedTrial } from "./protocol.ts";
import { bucketName, rateLimitedClient, sharedLimiter } from "./rate-limit.ts";

/**
 * Switchyard's own agent on a worker: this machine's config and API keys (the worker's environment), the job's
 * per-trial limits (recorded by the coordinator, as --resume compares them), and every model call through the
 * job's shared rate limit for that provider and key. One runner per job and model.
 */
const runners = new Map<string, Promise<ModelAgentRunner>>();

export function modelAgentsFor(args: {
  redis: Redis;
  trial: QueuedTrial;
  meta: JobMeta;
  configFile?: string;
  env: NodeJS.ProcessEnv;
}): Promise<ModelAgentRunner> {
  const { trial, meta, env, redis } = args;
  if (trial.agent.kind !== "switchyard") throw new Error("modelAgentsFor: not a model agent");
  const model = trial.agent.model;
  const key = `${trial.jobKey}\0${model}`;
  let hit = runners.get(key);
  if (!hit) {
    hit = (async () => {
      const base = loadConfig({ env, ...(args.configFile ? { file: args.configFile } : {}) });
      const limits = trial.agentKwargs as {
        max_steps?: number;
        budget_usd?: number;
        max_tokens?: number;
        reasoning?: unknown;
      };
      const run = { ...base.run };
      if (typeof limits.max_steps === "number") run.max_steps = limits.max_steps;
      if (typeof limits.budget_usd === "number") run.budget_usd = limits.budget_usd;
      if (typeof limits.max_tokens === "number") run.max_tokens = limits.max_tokens;
      const level = REASONING_LEVELS.find((l) => l === limits.reasoning);
      if (level) run.reasoning = level;
      const { prepareModelAgents } = await import("../bench/switchyard-agent.ts");
      return prepareModelAgents([model], {
        config: { ...base, run },
        env,
        ...(args.configFile ? { configFile: args.configFile } : {}),
        maxRetries: 0,
        wrapClient: (client) => {
          const provider = client.providerInfo.name;
          const apiKey = client.providerInfo.apiKeyEnv ? env[client.providerInfo.apiKeyEnv] : undefined;
          const rate = meta.rateLimits.find((r) => r.provider === provider);
          return rateLimitedClient(client, sharedLimiter(redis, bucketName(provider, apiKey), rate));
        },
      });
    })();
    runners.set(key, hit);
    hit.catch(() => runners.delete(key));
  }
  return hit;
}
