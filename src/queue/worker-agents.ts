import type { Redis } from "ioredis";
import { agentVersionEnv, INSTALLED_AGENTS, isInstalledAgentName } from "../bench/agents/catalog.ts";
import type { InstalledAgentRunner } from "../bench/agents/prepare.ts";
import type { ClaimJudge } from "../bench/mcp-atlas/judge.ts";
import type { ModelAgentRunner } from "../bench/trial.ts";
import { type Config, loadConfig } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { ModelClient } from "../core/model.ts";
import type { JobMeta, QueuedTrial } from "./protocol.ts";
import { bucketName, rateLimitedClient, sharedLimiter } from "./rate-limit.ts";

/**
 * The agents of a trial on a worker, as an in-process bench prepares them: this machine's config and API keys (the
 * worker's environment; keys never travel through Redis) under the coordinator's [run] and [responses] settings
 * (recorded in the trial), and every model call through the job's shared rate limit for that provider and key.
 * - Switchyard's own agent: one runner per job and model.
 * - An installed CLI (codex, claude-code, …) at the version the coordinator pinned, from this machine's agent cache
 *   (installed from npm if missing, as a local bench does), run by the same runner through the same egress proxy.
 *   A worker that pins another version itself is refused, never run with another version.
 * - The MCP-Atlas claims judge (`--judge`): the worker's own client for that model.
 * A failure here (no key on this machine, no install) is thrown; the worker records it for the trial.
 */
const cache = new Map<string, Promise<unknown>>();

interface Args {
  redis: Redis;
  trial: QueuedTrial;
  meta: JobMeta;
  configFile?: string;
  env: NodeJS.ProcessEnv;
}

function once<T>(key: string, make: () => Promise<T>): Promise<T> {
  let hit = cache.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = make();
    cache.set(key, hit);
    hit.catch(() => cache.delete(key));
  }
  return hit;
}

/** The worker's config (providers, models, keys) with the coordinator's run and request settings. */
function trialConfig(args: Args): Config {
  const base = loadConfig({ env: args.env, ...(args.configFile ? { file: args.configFile } : {}) });
  const { run, responses } = args.trial.run.config;
  return { ...base, run: { ...base.run, ...run }, responses: { ...base.responses, ...responses } };
}

function limited(args: Args): (client: ModelClient) => ModelClient {
  return (client) => {
    const provider = client.providerInfo.name;
    const apiKey = client.providerInfo.apiKeyEnv ? args.env[client.providerInfo.apiKeyEnv] : undefined;
    const rate = args.meta.rateLimits.find((r) => r.provider === provider);
    return rateLimitedClient(client, sharedLimiter(args.redis, bucketName(provider, apiKey), rate));
  };
}

/**
 * Switchyard's agent for the trial's model; for `--agent auto`, the model the coordinator routed the trial to
 * (QueuedTrial.route), never one this worker would route to with its own results store.
 */
export async function modelAgentsFor(args: Args): Promise<ModelAgentRunner> {
  const { trial } = args;
  if (trial.agent.kind !== "switchyard") throw new Error("modelAgentsFor: not a model agent");
  const auto = trial.agent.model === "auto";
  if (auto && !trial.route) {
    throw new ConfigError("--agent auto: the trial carries no model routed by its coordinator", {
      hint: "run the coordinator's Switchyard version on this machine",
    });
  }
  const model = auto && trial.route ? trial.route.model : trial.agent.model;
  const run = await once(`model\0${trial.jobKey}\0${model}`, async () => {
    const { prepareModelAgents } = await import("../bench/switchyard-agent.ts");
    return prepareModelAgents([model], {
      config: trialConfig(args),
      env: args.env,
      ...(args.configFile ? { configFile: args.configFile } : {}),
      maxRetries: 0,
      wrapClient: limited(args),
    });
  });
  return auto ? (a) => run({ ...a, model }) : run;
}

export function installedAgentFor(
  args: Args & { onInstall?: (message: string) => void },
): Promise<InstalledAgentRunner> {
  const { trial, env } = args;
  const agent = trial.agent;
  const pin = trial.run.installed;
  if (agent.kind !== "installed") throw new Error("installedAgentFor: not an installed agent");
  if (!pin || !isInstalledAgentName(pin.agent) || INSTALLED_AGENTS[pin.agent].package !== pin.package) {
    const err = new ConfigError(`${agent.agent}: the trial names no CLI this worker knows (${JSON.stringify(pin)})`, {
      hint: "run the coordinator's Switchyard version on this machine",
    });
    return Promise.reject(err);
  }
  const name = pin.agent;
  return once(`installed\0${trial.jobKey}\0${name}:${agent.model}@${pin.version}`, async () => {
    const config = trialConfig(args);
    const variable = agentVersionEnv(name);
    const own = env[variable]?.trim() || config.installed_agents[name]?.version;
    if (own && own !== pin.version) {
      throw new ConfigError(
        `${name}: this machine pins version ${own} (${env[variable]?.trim() ? variable : `[installed_agents.${name}] version`}), the job pins ${pin.version}; not running another version than the job's`,
        { hint: `unset the pin on this worker, or set it to ${pin.version}` },
      );
    }
    const { prepareInstalledAgents } = await import("../bench/agents/prepare.ts");
    const { parseEgressList } = await import("../sandbox/egress-rules.ts");
    const run = await prepareInstalledAgents([{ agent: name, model: agent.model }], {
      config: { ...config, installed_agents: { ...config.installed_agents, [name]: { version: pin.version } } },
      env: { ...env, [variable]: pin.version },
      allowHosts: parseEgressList(trial.run.allowHosts, "--allow-host"),
      onInstall: (cli) =>
        args.onInstall?.(
          cli.installMs === null
            ? `${cli.name} ${cli.version}: cached in ${cli.dir}`
            : `${cli.name} ${cli.version}: installed from npm in ${(cli.installMs / 1000).toFixed(1)}s into ${cli.dir}`,
        ),
    });
    const checked: InstalledAgentRunner = async (a) => {
      const out = await run(a);
      if (out.agentInfo.version !== pin.version) {
        throw new Error(`${name} ran as version ${out.agentInfo.version}, not the job's ${pin.version}`);
      }
      return out;
    };
    return checked;
  });
}

/** The worker's judge for `--judge <model>`; undefined when the job has none. */
export function judgeFor(args: Args): Promise<ClaimJudge | undefined> {
  const ref = args.trial.run.judge;
  if (!ref) return Promise.resolve(undefined);
  return once(`judge\0${args.trial.jobKey}\0${ref}`, async () => {
    const config = trialConfig(args);
    const { createModelClient } = await import("../providers/client.ts");
    const { judgeWithClient } = await import("../bench/mcp-atlas/judge.ts");
    const client = createModelClient(ref, { config, env: args.env, maxRetries: 0 });
    return judgeWithClient(limited(args)(client));
  });
}
