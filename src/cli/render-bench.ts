import { groupLabel } from "../bench/stats.ts";
import { isModelAgent, isScored, type TrialResult } from "../bench/trial-result.ts";
import type { Config } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { BenchFlags } from "./commands/bench.ts";
import { createBenchProgress, lastLine, renderFailures, renderInterrupted } from "./render-bench-progress.ts";
import { withRequestFlags } from "./request-flags.ts";

/** Flag parsing, progress (TTY bar on stderr), JSON lines and the final summary for `switchyard bench`. */

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${flag} ${v}: must be a whole number ≥ 1`, { field: flag });
  return n;
}

/** Per-trial limits of a model agent: flags override the config's [run] section. */
function withTrialLimits(config: Config, flags: BenchFlags): Config {
  const run = { ...config.run };
  if (flags.budgetUsd !== undefined) {
    const x = Number(flags.budgetUsd);
    if (!(x > 0) || !Number.isFinite(x)) {
      throw new ConfigError(`--budget-usd ${flags.budgetUsd}: must be a number > 0`, { field: "--budget-usd" });
    }
    run.budget_usd = x;
  }
  if (flags.maxTokens !== undefined) run.max_tokens = positiveInt("--max-tokens", flags.maxTokens);
  if (flags.maxSteps !== undefined) run.max_steps = positiveInt("--max-steps", flags.maxSteps);
  return { ...config, run };
}

/**
 * Model ids are written one way everywhere (`switchyard models`, trial folder names, reports): a bare catalog id
 * (`gpt-5.5`) becomes its `provider/model` (`openai/gpt-5.5`). Two spellings of one model are a usage error.
 */
async function canonicalModels(agents: import("../bench/agent-spec.ts").AgentSpec[], config: Config): Promise<void> {
  const { loadCatalog, nearMatches } = await import("../providers/catalog.ts");
  const catalog = loadCatalog(config);
  const seen = new Map<string, string>();
  const resolve = (model: string) => {
    try {
      return catalog.resolve(model);
    } catch (err) {
      // `--agent orcale`: a misspelt agent, not a model to look for in the catalog.
      const agent = nearMatches(model, ["oracle", "nop"]);
      if (!(err instanceof ConfigError) || !err.message.startsWith("unknown model") || !agent.length) throw err;
      throw new ConfigError(`--agent: '${model}' is neither an agent nor a model; did you mean: ${agent.join(", ")}?`, {
        field: "--agent",
        ...(err.hint ? { hint: err.hint } : {}),
      });
    }
  };
  for (const a of agents) {
    if ((a.kind !== "switchyard" && a.kind !== "installed") || a.model === "auto") continue;
    const r = resolve(a.model);
    // An installed agent keeps its harness: codex:gpt-5.5 → codex:openai/gpt-5.5.
    const ref = `${r.model.provider}/${r.model.id}`;
    const id = a.kind === "installed" ? `${a.agent}:${ref}` : ref;
    const before = seen.get(id);
    if (before !== undefined) {
      throw new ConfigError(`--agent: "${before}" and "${a.model}" are the same model (${id})`, {
        field: "--agent",
        hint: `list ${id} once`,
      });
    }
    seen.set(id, a.model);
    a.model = ref;
  }
}

/**
 * `--judge` (a catalog model, its key checked now; with --queue each worker builds its own) and `--mcp-url NAME=URL`
 * for MCP-Atlas-style tasks.
 */
async function atlasOptions(
  flags: BenchFlags,
  config: Config,
  queued: boolean,
): Promise<{ judge?: import("../bench/mcp-atlas/judge.ts").ClaimJudge; mcpUrls?: Record<string, string> }> {
  const mcpUrls: Record<string, string> = {};
  for (const pair of flags.mcpUrl ?? []) {
    const m = /^([A-Za-z0-9_-]+)=(https?:\/\/\S+)$/.exec(pair);
    if (!m?.[1] || !m[2]) {
      throw new ConfigError(`--mcp-url ${pair}: expected NAME=URL`, {
        field: "--mcp-url",
        hint: "write --mcp-url mcp-server=http://127.0.0.1:1984/mcp",
      });
    }
    mcpUrls[m[1]] = m[2];
  }
  const out: { judge?: import("../bench/mcp-atlas/judge.ts").ClaimJudge; mcpUrls?: Record<string, string> } = {};
  if (Object.keys(mcpUrls).length) out.mcpUrls = mcpUrls;
  if (flags.judge && !queued) {
    const { createClaimJudge } = await import("../bench/mcp-atlas/judge.ts");
    out.judge = await createClaimJudge(flags.judge, { config });
  }
  return out;
}

export async function runBenchCommand(paths: string[], flags: BenchFlags): Promise<number> {
  const k = positiveInt("-k", flags.k);
  const n = positiveInt("-n", flags.n);
  const mult = Number(flags.timeoutMultiplier);
  if (!(mult > 0) || !Number.isFinite(mult)) {
    throw new ConfigError(`--timeout-multiplier ${flags.timeoutMultiplier}: must be a number > 0`, {
      field: "--timeout-multiplier",
    });
  }
  if (flags.env !== "local" && flags.env !== "docker") {
    throw new ConfigError(`--env ${flags.env}: must be local or docker`, { field: "--env" });
  }
  const { parseAgents } = await import("../bench/agent-spec.ts");
  const agents = parseAgents(flags.agent);
  const { queueSettings } = await import("./render-queue.ts");
  const queue = await queueSettings(flags);
  // With --queue the trials run on the workers: Docker and the model keys are their business, not this machine's.
  if (flags.env === "docker" && !queue) {
    const { dockerAvailable } = await import("../bench/docker-env.ts");
    if (!dockerAvailable()) {
      throw new ConfigError("no Docker engine reachable (`docker info` failed); use --env local", {
        field: "--env",
        hint: "start a Docker engine, or run with --env local (bwrap)",
      });
    }
  }
  // The config is validated for every agent, so a broken switchyard.toml is reported before any trial runs.
  const { loadConfig } = await import("../core/config.ts");
  const config = withRequestFlags(
    withTrialLimits(loadConfig(flags.config === undefined ? {} : { file: flags.config }), flags),
    flags,
  );
  await canonicalModels(agents, config);
  const models = agents.filter((a) => a.kind === "switchyard");
  // The results store the job records into, and the one --agent auto reads its evidence from.
  const { storeLocation, isPostgresUrl } = await import("../ledger/trial-store.ts");
  const project = process.cwd();
  const store = storeLocation({
    ...(flags.store === undefined ? {} : { flag: flags.store }),
    project,
    store: config.results.store,
  });
  let runModelAgent: import("../bench/trial.ts").ModelAgentRunner | undefined;
  if (models.length > 0 && !queue) {
    const { prepareModelAgents } = await import("../bench/switchyard-agent.ts");
    runModelAgent = await prepareModelAgents(
      models.map((m) => m.model),
      { config, evidenceStore: store, ...(flags.config === undefined ? {} : { configFile: flags.config }) },
    );
  }
  const atlas = await atlasOptions(flags, config, queue !== undefined);
  // With --queue each worker prepares the installed CLIs from its own cache, with its own keys.
  const { installedRunnerFor } = await import("../bench/agents/bench-flags.ts");
  const runInstalledAgent = queue
    ? undefined
    : await installedRunnerFor(agents, flags, config, (m) => process.stderr.write(`switchyard: ${m}\n`));
  const run = queue ? await (await import("./render-queue.ts")).queueRunSettings(agents, flags, config, atlas) : null;
  // Unreachable services fail here, in one line, before any trial is enqueued or run.
  let recorder: import("../bench/record-trial.ts").TrialRecorder | undefined;
  if (isPostgresUrl(store)) recorder = await (await import("../bench/record-trial.ts")).openTrialRecorder(store);
  if (queue) await (await import("../queue/redis.ts")).checkRedis(queue.url);
  const { runJob } = await import("../bench/job.ts");
  const { existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  // A queued job is resumed by re-running its command: the trials already done, queued or running are kept.
  const resume =
    flags.resume === true ||
    (queue !== undefined &&
      flags.jobName !== undefined &&
      existsSync(join(flags.out, flags.jobName, "switchyard.json")));
  const view = queue ? await queueView(flags.json === true, () => progress.redraw()) : undefined;
  const progress = createBenchProgress({
    json: flags.json === true,
    ...(view ? { extraLines: view.extraLines, suffix: view.suffix } : {}),
  });
  const controller = new AbortController();
  let signal: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signal ??= sig;
    controller.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const outcome = await runJob({
      paths,
      agents,
      k,
      n,
      outDir: flags.out,
      ...(flags.jobName === undefined ? {} : { jobName: flags.jobName }),
      resume,
      ...(recorder ? { recorder } : {}),
      ...(queue && view && run
        ? {
            dispatch: (await import("../queue/coordinator.ts")).createQueueDispatcher({
              ...queue,
              run,
              // --agent auto is routed here, with this machine's results store, so every worker runs one model.
              route: (await import("../queue/route-auto.ts")).coordinatorRouter(config, { store }),
              onProgress: view.onProgress,
            }),
          }
        : {}),
      timeoutMultiplier: mult,
      project,
      resultsDb: store,
      env: flags.env,
      ...(models.length > 0
        ? {
            agentLimits: {
              max_steps: config.run.max_steps,
              ...(config.run.budget_usd === undefined ? {} : { budget_usd: config.run.budget_usd }),
              ...(config.run.max_tokens === undefined ? {} : { max_tokens: config.run.max_tokens }),
              ...(config.run.reasoning === undefined ? {} : { reasoning: config.run.reasoning }),
            },
          }
        : {}),
      strictEnv: flags.strictEnv === true,
      skipBadTasks: flags.skipBadTasks === true,
      ...(runModelAgent ? { runModelAgent } : {}),
      ...atlas,
      ...(runInstalledAgent ? { runInstalledAgent } : {}),
      onEvent: progress.onEvent,
      signal: controller.signal,
    });
    progress.end();
    const interrupted = controller.signal.aborted;
    if (flags.json) {
      const extra = { skipped_tasks: outcome.skipped, interrupted };
      process.stdout.write(
        `${JSON.stringify({ type: "job", job_dir: outcome.jobDir, ...outcome.result, ...extra })}\n`,
      );
    } else {
      const { headlineOf } = await import("../bench/report-answer.ts");
      process.stdout.write(`${headlineOf(outcome.trials).text.replaceAll("**", "")}\n\n`);
      process.stdout.write(renderSummary(outcome.trials, outcome.jobDir, outcome.skipped));
      process.stdout.write(renderFailures(outcome.trials, outcome.jobDir, lastLine));
    }
    if (!interrupted) return 0;
    const total = outcome.result.n_trials;
    process.stderr.write(
      renderInterrupted({ done: outcome.trials.length, total, jobDir: outcome.jobDir, argv: process.argv.slice(2) }),
    );
    // 128 + the signal number, as a shell reports a command killed by it: 130 for SIGINT, 143 for SIGTERM.
    return signal === "SIGTERM" ? 143 : 130;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await recorder?.close();
  }
}

async function queueView(json: boolean, redraw: () => void) {
  const { createQueueView } = await import("./render-queue.ts");
  const write = (s: string) => {
    if (!json) process.stderr.write(s);
  };
  return createQueueView({ tty: !json && process.stderr.isTTY === true, write, redraw });
}

function usd(v: number): string {
  return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;
}

/**
 * One row per agent/model: trials, passed, failed (scored reward below 1), errors (infrastructure or agent errors:
 * unscored, never counted as reward 0 here), pass rate, reduced-fidelity trials, total cost. Then the errors, the
 * per-trial fidelity notes (with "reward likely limited by the offline environment" explanations) and the tasks
 * skipped with --skip-bad-tasks.
 */
export function renderSummary(
  trials: TrialResult[],
  jobDir: string,
  skipped: ReadonlyArray<{ name: string; error: string }> = [],
): string {
  const groups = new Map<string, TrialResult[]>();
  for (const t of trials) {
    const key = groupLabel(t);
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const rows: string[][] = [
    ["agent", "trials", "passed", "failed", "errors (unscored)", "pass rate", "reduced", "cost"],
  ];
  for (const [key, ts] of groups) {
    const scored = ts.filter(isScored);
    const passed = scored.filter((t) => t.passed).length;
    const errors = ts.length - scored.length;
    const failed = scored.length - passed;
    const reduced = ts.filter((t) => t.fidelity.reduced).length;
    const costs = ts.map((t) => t.agent_result?.cost_usd);
    const known = costs.filter((c): c is number => typeof c === "number").reduce((a, b) => a + b, 0);
    const unknown = ts.some(
      (t) => isModelAgent(t.agent) && (t.agent_result === null || t.agent_result.cost_usd === null),
    );
    const cost = ts.every((t) => !isModelAgent(t.agent)) ? "–" : `${usd(known)}${unknown ? " + unknown" : ""}`;
    rows.push([
      key,
      String(ts.length),
      String(passed),
      String(failed),
      String(errors),
      scored.length ? `${((passed / scored.length) * 100).toFixed(1)}%` : "–",
      String(reduced),
      cost,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  const sections = [lines.join("\n")];
  const errs = trials.filter((t) => t.exception_info);
  if (errs.length) {
    const detail = errs
      .slice(0, 10)
      .map(
        (t) =>
          `  ${t.trial_name}: ${t.exception_info?.exception_type}: ${t.exception_info?.exception_message}` +
          (isScored(t) ? ` (scored: reward ${t.reward})` : " (unscored)"),
      );
    if (errs.length > 10) detail.push(`  … and ${errs.length - 10} more (see result.json files)`);
    sections.push(`errors (infrastructure and agent errors, not reward 0):\n${detail.join("\n")}`);
  }
  const noted = trials.filter((t) => t.fidelity.reduced && t.fidelity.notes.length > 0);
  if (noted.length) {
    const detail: string[] = [];
    for (const t of noted.slice(0, 10)) {
      detail.push(`  ${t.trial_name} (reward ${t.reward ?? "none"}):`);
      for (const n of t.fidelity.notes) detail.push(`    - ${n}`);
    }
    if (noted.length > 10) detail.push(`  … and ${noted.length - 10} more (see report.md)`);
    sections.push(`reduced fidelity:\n${detail.join("\n")}`);
  }
  if (skipped.length) {
    sections.push(
      `skipped tasks (--skip-bad-tasks; not part of the results):\n${skipped.map((s) => `  ${s.name}: ${s.error}`).join("\n")}`,
    );
  }
  return `${sections.join("\n\n")}\n\nresults: ${jobDir}\n`;
}
