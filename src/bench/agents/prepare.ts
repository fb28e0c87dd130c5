import { accessSync, constants, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import type { RunEventBody } from "../../core/events.ts";
import type { ModelInfo, ProviderInfo } from "../../core/model.ts";
import { promptTokens } from "../../core/usage.ts";
import { priceUsage } from "../../ledger/price.ts";
import type { EgressRule } from "../../sandbox/egress-rules.ts";
import { parseEgressList } from "../../sandbox/egress-rules.ts";
import { resourceLimits } from "../environment-settings.ts";
import type { LocalEnvironment } from "../local-env.ts";
import type { BenchTask } from "../task.ts";
import type { AgentResult } from "../trial-result.ts";
import type { InstalledAgentAdapter } from "./adapter.ts";
import { agentVersion, INSTALLED_AGENTS, type InstalledAgentName } from "./catalog.ts";
import { claudeCodeAdapter } from "./claude-code.ts";
import { codexAdapter } from "./codex.ts";
import { geminiCliAdapter } from "./gemini-cli.ts";
import { AgentInstallError, ensureInstalled, type InstalledCli } from "./install.ts";
import { opencodeAdapter } from "./opencode.ts";
import { piAdapter } from "./pi.ts";
import { credentialValues, type InstalledRunOutcome, runInstalledAgent } from "./run-installed.ts";
import { taskEgressRules } from "./task-network.ts";

export const ADAPTERS: Record<InstalledAgentName, InstalledAgentAdapter> = {
  codex: codexAdapter,
  "claude-code": claudeCodeAdapter,
  "gemini-cli": geminiCliAdapter,
  opencode: opencodeAdapter,
  pi: piAdapter,
};

/** An installed agent with its model, as `--agent codex:gpt-5.5` names it. */
export interface InstalledAgentSpec {
  agent: InstalledAgentName;
  model: string;
}

export interface InstalledRunnerArgs {
  task: BenchTask;
  spec: InstalledAgentSpec;
  env: LocalEnvironment;
  trialDir: string;
  scratchDir: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What a trial records from an installed agent (the same shape the Switchyard agent's runner returns). */
export interface InstalledRunnerResult {
  agentResult: AgentResult;
  /** provider/model */
  model: string;
  timedOut: boolean;
  error?: { type: string; message: string };
  /** The CLI failed (own error, non-zero exit): the trial is not scored (Harbor: the verifier does not run). */
  skipVerifier?: boolean;
  baseUrl: string;
  agentInfo: { name: string; version: string; model_info: { name: string; provider: string } };
  outcome?: InstalledRunOutcome;
}

export type InstalledAgentRunner = (args: InstalledRunnerArgs) => Promise<InstalledRunnerResult>;

export interface PrepareInstalledOptions {
  config: Config;
  env?: NodeJS.ProcessEnv;
  /** Agent cache root (default: SWITCHYARD_AGENT_CACHE or ~/.cache/switchyard/agents). */
  cacheRoot?: string;
  /** `--subscription codex=~/.codex/auth.json`: sign-in files, by agent (opt-in; read-only, never copied). */
  subscriptions?: Partial<Record<InstalledAgentName, string>>;
  /** `--allow-host`: hosts every installed agent may reach besides its model endpoint. */
  allowHosts?: EgressRule[];
  /** Called once per CLI after it is installed or found in the cache. */
  onInstall?: (cli: InstalledCli) => void;
}

interface Resolved {
  spec: InstalledAgentSpec;
  model: ModelInfo;
  provider: ProviderInfo;
  baseUrl: string;
  apiKey: string | undefined;
  credentials: string | undefined;
}

/**
 * Everything an installed agent needs, checked before any trial starts (a ConfigError, exit 2): the model resolves
 * in the catalog, the CLI speaks its provider's protocol, and its key is set (or the opted-in sign-in file exists).
 * Each CLI is then installed into the cache once; a CLI that fails to install makes its trials AgentSetupError
 * (with npm's last lines), never a score.
 */
export async function prepareInstalledAgents(
  specs: InstalledAgentSpec[],
  opts: PrepareInstalledOptions,
): Promise<InstalledAgentRunner> {
  const env = opts.env ?? process.env;
  const { loadCatalog } = await import("../../providers/catalog.ts");
  const { requireApiKey, resolveBaseUrl } = await import("../../providers/client.ts");
  const catalog = loadCatalog(opts.config);
  for (const name of Object.keys(opts.subscriptions ?? {}) as InstalledAgentName[]) {
    if (!specs.some((s) => s.agent === name)) {
      throw new ConfigError(`--subscription ${name}: no ${name} agent in --agent`, {
        field: "--subscription",
        hint: `add ${name}:<model> to --agent, or drop the --subscription entry`,
      });
    }
  }
  const resolved = new Map<string, Resolved>();
  for (const spec of specs) {
    const info = INSTALLED_AGENTS[spec.agent];
    const { model, provider } = catalog.resolve(spec.model);
    if (!info.protocols.includes(model.protocol)) {
      throw new ConfigError(
        `--agent ${spec.agent}:${spec.model}: ${spec.agent} talks ${info.protocols.join(" or ")}, but ${provider.name}/${model.id} is served over ${model.protocol}`,
        { field: "--agent", hint: suggestFor(model.protocol, spec.model) },
      );
    }
    const credentials = opts.subscriptions?.[spec.agent];
    if (credentials) checkCredentialsFile(spec.agent, credentials);
    const apiKey = credentials ? undefined : requireApiKey(provider, env);
    resolved.set(key(spec), { spec, model, provider, baseUrl: resolveBaseUrl(provider, env), apiKey, credentials });
  }
  const installs = new Map<InstalledAgentName, InstalledCli | AgentInstallError>();
  await Promise.all(
    [...new Set(specs.map((s) => s.agent))].map(async (name) => {
      const info = INSTALLED_AGENTS[name];
      const version = agentVersion(name, { env, configured: opts.config.installed_agents });
      try {
        const cli = await ensureInstalled(info, version, {
          env,
          ...(opts.cacheRoot === undefined ? {} : { cacheRoot: opts.cacheRoot }),
        });
        installs.set(name, cli);
        opts.onInstall?.(cli);
      } catch (err) {
        installs.set(name, err instanceof AgentInstallError ? err : new AgentInstallError(String(err)));
      }
    }),
  );

  return async (args) => {
    const r = resolved.get(key(args.spec));
    if (!r) throw new Error(`installed agent ${args.spec.agent}:${args.spec.model} was not prepared`);
    const cli = installs.get(r.spec.agent);
    if (!cli || cli instanceof AgentInstallError) throw new AgentSetupFailure(cli?.message ?? "not installed");
    return runOne(args, r, cli, opts, env);
  };
}

/** Thrown by the runner when the CLI cannot run at all (trial.ts records AgentSetupError, no verifier). */
export class AgentSetupFailure extends Error {
  override name = "AgentSetupError";
}

async function runOne(
  args: InstalledRunnerArgs,
  r: Resolved,
  cli: InstalledCli,
  opts: PrepareInstalledOptions,
  env: NodeJS.ProcessEnv,
): Promise<InstalledRunnerResult> {
  const { createRedactor } = await import("../../agent/redact.ts");
  const { TranscriptWriter } = await import("../../agent/transcript.ts");
  const adapter = ADAPTERS[r.spec.agent];
  const secrets: NodeJS.ProcessEnv = { ...env };
  if (r.credentials) {
    for (const [i, v] of credentialValues(r.credentials).entries()) secrets[`SUBSCRIPTION_TOKEN_${i}`] = v;
  }
  const redact = createRedactor(secrets);
  const extraAllow = [
    ...(opts.allowHosts ?? []),
    ...taskEgressRules(args.task),
    ...(r.credentials ? parseEgressList((adapter.subscriptionHosts ?? []).join(","), "--subscription") : []),
  ];
  const limits = resourceLimits(args.task.config);
  const outcome = await runInstalledAgent({
    adapter,
    cli,
    model: r.model,
    provider: r.provider,
    baseUrl: r.baseUrl,
    ...(r.apiKey ? { apiKey: r.apiKey } : {}),
    ...(r.credentials ? { credentialsFile: r.credentials } : {}),
    instruction: args.task.instruction,
    env: args.env,
    trialDir: args.trialDir,
    scratchDir: args.scratchDir,
    timeoutMs: args.timeoutMs,
    extraAllow,
    redact,
    maxProcesses: opts.config.run.max_processes,
    memoryMb: limits.memory_mb,
    cpus: limits.cpus,
    ...(args.signal ? { signal: args.signal } : {}),
  });
  const { parsed } = outcome;
  const computed = priceUsage(parsed.usage, r.model.price);
  const reported = parsed.reportedCostUsd;
  const failure = outcome.timedOut
    ? undefined
    : outcome.exitCode !== 0
      ? { type: "NonZeroAgentExitCodeError", message: exitMessage(r.spec.agent, outcome) }
      : parsed.error
        ? { type: "AgentError", message: `${r.spec.agent} reported an error: ${parsed.error}` }
        : undefined;
  const endState = outcome.timedOut ? "timeout" : failure ? "error" : "done";
  const ttft =
    parsed.reportedTtftMs ??
    (parsed.firstOutputMs !== null && outcome.startupMs !== null
      ? Math.max(0, parsed.firstOutputMs - outcome.startupMs)
      : null);
  const refused = outcome.egress.filter((e) => e.action === "refused");
  const agentResult: AgentResult = {
    n_input_tokens: promptTokens(parsed.usage),
    n_cache_tokens: parsed.usage.cacheRead,
    n_output_tokens: parsed.usage.output,
    cost_usd: reported ?? (computed.priced ? computed.total : null),
    end_state: endState,
    steps: parsed.turns,
    n_tool_calls: parsed.toolCalls,
    n_failed_tool_calls: parsed.failedToolCalls,
    n_argument_errors: 0,
    ttft_ms: ttft,
    output_tokens_per_second: null,
    cost_source: reported !== null ? "reported" : computed.priced ? "computed" : null,
    catalog_cost_usd: computed.priced ? computed.total : null,
    n_cache_write_tokens: parsed.usage.cacheWrite,
    n_reasoning_tokens: parsed.usage.reasoning,
    startup_ms: outcome.startupMs,
    egress_allowed: outcome.egress.filter((e) => e.action === "allowed").length,
    egress_refused: refused.map((e) => `${e.method} ${e.host}:${e.port}`),
  };
  const ref = `${r.provider.name}/${r.model.id}`;
  writeTranscript(
    new TranscriptWriter({
      file: join(args.trialDir, "transcript.jsonl"),
      runId: `${args.task.name}-${r.spec.agent}-${Date.now().toString(36)}`,
      redact,
    }),
    {
      task: args.task.instruction,
      model: r.model,
      provider: r.provider,
      workdir: args.env.workdir,
      timeoutMs: args.timeoutMs,
      events: parsed.events,
      endState,
      message: failure?.message ?? (outcome.timedOut ? `${r.spec.agent} ran past the timeout` : "done"),
      steps: parsed.turns,
      usage: parsed.usage,
      cost: reported === null ? computed : { ...computed, total: reported },
      durationMs: outcome.durationMs,
    },
  );
  return {
    agentResult,
    model: ref,
    timedOut: outcome.timedOut,
    ...(failure ? { error: failure, skipVerifier: true } : {}),
    baseUrl: r.baseUrl,
    agentInfo: {
      name: r.spec.agent,
      version: cli.version,
      model_info: { name: r.model.id, provider: r.provider.name },
    },
    outcome,
  };
}

function writeTranscript(
  w: InstanceType<typeof import("../../agent/transcript.ts").TranscriptWriter>,
  t: {
    task: string;
    model: ModelInfo;
    provider: ProviderInfo;
    workdir: string;
    timeoutMs: number;
    events: RunEventBody[];
    endState: "done" | "error" | "timeout";
    message: string;
    steps: number;
    usage: import("../../core/usage.ts").Usage;
    cost: import("../../core/events.ts").CostBreakdown;
    durationMs: number;
  },
): void {
  try {
    const model = { provider: t.provider.name, id: t.model.id, protocol: t.model.protocol };
    w.append(
      {
        type: "run_started",
        task: t.task,
        model,
        workspace: t.workdir,
        sandbox: "bwrap",
        limits: { timeoutMs: t.timeoutMs },
      },
      0,
    );
    let step = 0;
    for (const ev of t.events) {
      if (ev.type === "model_response") step++;
      w.append(ev, step);
    }
    const exitCode = t.endState === "done" ? 0 : t.endState === "timeout" ? 7 : 1;
    w.append(
      {
        type: "final",
        endState: t.endState,
        exitCode,
        message: t.message,
        steps: t.steps,
        usage: t.usage,
        cost: t.cost,
        durationMs: t.durationMs,
      },
      step,
    );
  } finally {
    w.close();
  }
}

function exitMessage(agent: string, o: InstalledRunOutcome): string {
  const how = o.signal ? `was killed by ${o.signal}` : `exited with status ${o.exitCode}`;
  const own = o.parsed.error ? `; it reported: ${o.parsed.error}` : "";
  return `${agent} ${how}${own}. Last output:\n${o.tail || "(none)"}`;
}

function key(s: InstalledAgentSpec): string {
  return `${s.agent}:${s.model}`;
}

function checkCredentialsFile(agent: InstalledAgentName, file: string): void {
  const hint = `sign in with the CLI first (its file: ${ADAPTERS[agent].subscriptionFile ?? "see its docs"}) and pass --subscription ${agent}=<that file>`;
  if (!ADAPTERS[agent].subscriptionFile) {
    throw new ConfigError(`--subscription ${agent}: ${agent} has no subscription sign-in here`, {
      field: "--subscription",
      hint: "use an API key (the provider's *_API_KEY variable)",
    });
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new ConfigError(`--subscription ${agent}=${file}: no such file`, { field: "--subscription", hint });
  }
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new ConfigError(`--subscription ${agent}=${file}: not readable`, { field: "--subscription", hint });
  }
}

function suggestFor(protocol: string, model: string): string {
  const fits = Object.values(INSTALLED_AGENTS)
    .filter((a) => (a.protocols as readonly string[]).includes(protocol))
    .map((a) => `${a.name}:${model}`);
  return fits.length ? `use ${fits.join(" or ")}` : "pick a model its protocol serves";
}
