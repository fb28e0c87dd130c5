import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Config, loadConfig } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { RunEventBody } from "../core/events.ts";
import type { ModelClient } from "../core/model.ts";
import { createAgentRunStats, toAgentResult } from "./agent-run-stats.ts";
import { resourceLimits } from "./environment-settings.ts";
import { computerOptionsFor } from "./task-computer.ts";
import type { ModelAgentRunner } from "./trial.ts";
import type { AgentResult } from "./trial-result.ts";

/**
 * Switchyard's own agent as a bench agent: the agent loop (src/agent/loop.ts) with the default tools on a bwrap
 * sandbox (src/sandbox/bwrap.ts) whose mounts are the trial's agent-phase mounts: the WORKDIR (/app) and the
 * other writable folders, /logs/agent and /logs/verifier; never /tests or /solution. No network. The instruction
 * is the task message, verbatim. Tasks with `[environment] computer` also get the computer tool (task-computer.ts),
 * and MCP servers from `[[environment.mcp_servers]]` join the tools. Events go to the trial's transcript.jsonl. `auto` asks the router per task,
 * with the results store as evidence.
 *
 * End states: done, step_limit, budget_exhausted, loop_guard and denied are agent outcomes (scored by the
 * verifier, no exception); timeout is AgentTimeoutError; provider_error and error are AgentError.
 */
export interface PrepareOptions {
  configFile?: string;
  config?: Config;
  env?: NodeJS.ProcessEnv;
  /** Retries of the adapter itself (default 4); 0 when `wrapClient` retries (the queue's shared rate limiter). */
  maxRetries?: number;
  /** Wraps each trial's model client (src/queue/ routes every call through a rate limit shared by all workers). */
  wrapClient?: (client: ModelClient) => ModelClient;
  /** The results store `--agent auto` reads its evidence from (the bench's --store); default as `switchyard route`. */
  evidenceStore?: string;
}

export async function prepareModelAgents(models: string[], opts: PrepareOptions = {}): Promise<ModelAgentRunner> {
  const env = opts.env ?? process.env;
  const config =
    opts.config ?? loadConfig({ env, ...(opts.configFile === undefined ? {} : { file: opts.configFile }) });
  const { createModelClient, resolveBaseUrl } = await import("../providers/client.ts");
  // Resolve every model and check its key before any trial starts (a ConfigError names the variable); for `auto`,
  // every model the router may pick.
  const checked = new Set(models.filter((m) => m !== "auto"));
  if (models.includes("auto")) {
    const { autoCandidates } = await import("../router/route-with-evidence.ts");
    const store = opts.evidenceStore === undefined ? {} : { store: opts.evidenceStore };
    for (const m of await autoCandidates(config, { env, ...store })) checked.add(m);
  }
  for (const m of checked) {
    try {
      createModelClient(m, { config, env });
    } catch (err) {
      if (err instanceof ConfigError && models.includes("auto") && !models.includes(m)) {
        throw new ConfigError(`--agent auto may route to ${m}: ${err.message}`, {
          ...(err.field ? { field: err.field } : {}),
          hint: `${err.hint ?? "fix the model's configuration"}; or pin the route with router.rules / an explicit --agent model`,
        });
      }
      throw err;
    }
  }

  return async ({ task, model, env: trialEnv, trialDir, scratchDir, timeoutMs, signal }) => {
    const [
      { runLoop },
      { responseLimits },
      { createBwrapSandbox },
      tools,
      { buildSystemPrompt },
      { TranscriptWriter },
      { createRedactor },
    ] = await Promise.all([
      import("../agent/loop.ts"),
      import("../agent/budget.ts"),
      import("../sandbox/bwrap.ts"),
      import("../tools/index.ts"),
      import("../agent/system-prompt.ts"),
      import("../agent/transcript.ts"),
      import("../agent/redact.ts"),
    ]);
    let ref = model;
    if (model === "auto") ref = await routeAuto(task.instruction, config, opts.evidenceStore);
    const created = createModelClient(ref, {
      config,
      env,
      ...(opts.maxRetries === undefined ? {} : { maxRetries: opts.maxRetries }),
    });
    const client = opts.wrapClient ? opts.wrapClient(created) : created;
    if (task.mcpAtlas) {
      // MCP-Atlas tasks: only the enabled MCP tools, the prompt as the user message, the tool-call budget.
      const { runAtlasModel } = await import("./mcp-atlas/agent.ts");
      const { isLocalEnvironment } = await import("./local-env.ts");
      if (!isLocalEnvironment(trialEnv)) throw new Error("MCP-Atlas tasks run in the local environment");
      return runAtlasModel({
        task: { ...task, mcpAtlas: task.mcpAtlas },
        client,
        config,
        env,
        trialEnv,
        trialDir,
        scratchDir,
        timeoutMs,
        toolBudget: task.mcpAtlas.toolBudget,
        baseUrl: resolveBaseUrl(client.providerInfo, env),
        ...(signal ? { signal } : {}),
      });
    }
    const runDir = join(scratchDir, "agent-run");
    mkdirSync(runDir, { recursive: true });
    // The trial's image root, USER and limits ([environment] cpus/memory, Harbor's defaults when unset).
    const limits = resourceLimits(task.config);
    const memoryMb = limits.memory_mb;
    const sandbox = await createBwrapSandbox({
      mounts: [],
      image: trialEnv.sandboxSpec("agent"),
      cpus: limits.cpus,
      workdir: trialEnv.workdir,
      network: false,
      env: trialEnv.env,
      runDir,
      memoryMb,
      maxProcesses: config.run.max_processes,
      onWarning: () => {},
    });
    const toolList = tools.createDefaultTools({ bashTimeoutS: config.run.bash_timeout_s });
    const baseTools = {
      tools: toolList,
      // With the desktop, withComputer wraps the sandbox so that bash gets DISPLAY.
      sandbox: sandbox as import("../core/sandbox.ts").Sandbox,
      systemNote: undefined as string | undefined,
      close: async () => {
        await Promise.all(toolList.map((t) => t.close?.().catch(() => {})));
      },
    };
    // The task's MCP servers ([[environment.mcp_servers]]): stdio ones run inside this sandbox, next to /app.
    const { parseTaskMcpServers } = await import("../tools/mcp-config.ts");
    const mcpServers = parseTaskMcpServers(task.config.environment["mcp_servers"], join(task.dir, "task.toml"));
    const mcp = Object.keys(mcpServers).length
      ? await (await import("../tools/mcp.ts")).connectMcpServers(mcpServers, {
          sandbox,
          ...(signal ? { signal } : {}),
          onWarning: () => {},
        })
      : undefined;
    if (mcp) toolList.push(...mcp.tools);
    // The task's computer ([environment] computer / computer_url, a Switchyard extension): the tool is appended,
    // older screenshots are dropped from context, and close() stops the browser or display before the sandbox.
    let computer: ReturnType<typeof computerOptionsFor>;
    try {
      computer = computerOptionsFor(task, sandbox, config);
    } catch (err) {
      await mcp?.close().catch(() => {});
      await sandbox.dispose().catch(() => {});
      throw err;
    }
    const {
      tools: runTools,
      definitions,
      transformHistory,
      sandbox: toolSandbox,
      systemNote,
      close: closeTools,
    } = computer
      ? await (await import("../tools/computer-environment.ts")).withComputer(
          async () => baseTools,
          computer,
        )(undefined)
      : { ...baseTools, definitions: tools.toolDefinitions(toolList), transformHistory: undefined };
    const writer = new TranscriptWriter({
      file: join(trialDir, "transcript.jsonl"),
      runId: `${task.name}-${Date.now().toString(36)}`,
      redact: createRedactor(env),
    });
    const stats = createAgentRunStats();
    // OpenTelemetry GenAI spans when OTEL_EXPORTER_OTLP_ENDPOINT is set (src/telemetry/); nothing otherwise.
    const otel = await (await import("../telemetry/index.ts")).telemetry(env);
    const spans = otel?.run({ "switchyard.task.name": task.name, "switchyard.trial.dir": trialDir });
    const emit = (body: RunEventBody, step: number) => {
      writer.append(body, step);
      stats.add(body);
      spans?.onEvent(body);
    };
    const system = buildSystemPrompt({ workdir: trialEnv.workdir, ...(systemNote ? { extra: systemNote } : {}) });
    emit(
      {
        type: "run_started",
        task: task.instruction,
        model: { provider: client.model.provider, id: client.model.id, protocol: client.model.protocol },
        workspace: trialEnv.workdir,
        sandbox: "bwrap",
        limits: { maxSteps: config.run.max_steps, timeoutMs },
        system,
        ...(config.run.reasoning ? { reasoning: config.run.reasoning } : {}),
      },
      0,
    );
    for (const message of mcp?.warnings ?? []) emit({ type: "warning", code: "mcp_server", message }, 0);
    try {
      const final = await runLoop({
        client,
        tools: runTools,
        toolContext: { sandbox: toolSandbox, signal: signal ?? new AbortController().signal, runDir },
        system,
        task: task.instruction,
        limits: {
          maxSteps: config.run.max_steps,
          timeoutMs,
          ...(config.run.max_tokens === undefined ? {} : { maxTokens: config.run.max_tokens }),
          ...(config.run.budget_usd === undefined ? {} : { budgetUsd: config.run.budget_usd }),
          ...responseLimits(config.run),
        },
        emit,
        definitions,
        ...(transformHistory ? { transformHistory } : {}),
        execute: mcp ? mcp.execute : tools.executeToolCall,
        ...(signal ? { signal } : {}),
      });
      const agentResult: AgentResult = toAgentResult(final, stats, {
        protocol: client.model.protocol,
        toolDefinitionTokens: mcp?.toolTokenCost ?? 0,
      });
      const fullRef = `${client.model.provider}/${client.model.id}`;
      const failed = final.endState === "provider_error" || final.endState === "error";
      return {
        agentResult,
        model: fullRef,
        baseUrl: resolveBaseUrl(client.providerInfo, env),
        // createModelClient applied config run.reasoning (the bench's --reasoning) to every request.
        reasoningEffort: config.run.reasoning ?? null,
        timedOut: final.endState === "timeout",
        ...(failed ? { error: { type: "AgentError", message: `${final.endState}: ${final.message}` } } : {}),
      };
    } finally {
      writer.close();
      await otel?.flush().catch(() => {});
      await closeTools().catch(() => {});
      await mcp?.close().catch(() => {});
      await sandbox.dispose().catch(() => {});
    }
  };
}

async function routeAuto(instruction: string, config: Config, store: string | undefined): Promise<string> {
  const { routeWithEvidence } = await import("../router/route-with-evidence.ts");
  const from = store === undefined ? {} : { store };
  return (await routeWithEvidence(instruction, { config, explicitModel: "auto", ...from })).decision.model;
}
