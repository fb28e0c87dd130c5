import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { responseLimits } from "../agent/budget.ts";
import { defaultEnvironment } from "../agent/environment.ts";
import type { LoopLimits } from "../agent/loop.ts";
import type { ApprovalMode } from "../agent/policy.ts";
import { readRunMeta, resumeRun } from "../agent/resume-run.ts";
import type { EnvironmentFactory, RunExtras, StartRunOptions } from "../agent/session.ts";
import { checkWorkspace, startRun } from "../agent/session.ts";
import type { Config } from "../core/config.ts";
import { loadConfig } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { ModelClient } from "../core/model.ts";
import { describeRule, parseEgressList } from "../sandbox/egress-rules.ts";
import type { RunFlags } from "./commands/run.ts";
import { shellCommand } from "./hints.ts";
import { createRunRenderer, review, stopOnSignals, ttyApprover } from "./render-run.ts";
import { withRequestFlags } from "./request-flags.ts";

/**
 * `switchyard run` / `resume`: flags → run options, then the outcome → diff, review prompt and exit code.
 * Precedence: flags > spec front matter > config `run`/`policy` > defaults.
 */
export async function runCommand(task: string | undefined, flags: RunFlags): Promise<number> {
  if (flags.continue !== undefined) return continueCommand(flags.continue, task, flags);
  if (!task && !flags.spec) {
    throw new ConfigError("no task given", { hint: 'switchyard run "<task>"  or  switchyard run --spec task.md' });
  }
  if (task && flags.spec) {
    throw new ConfigError("give either a task or --spec, not both", { hint: "move the task text into the spec body" });
  }
  const workspace = checkWorkspace(flags.workspace ?? process.cwd());
  const extras: RunExtras = {
    ...(flags.computer
      ? { computer: choice("--computer", flags.computer === true ? "desktop" : String(flags.computer), BACKENDS) }
      : {}),
    ...(flags.mcpConfig ? { mcpConfig: resolve(flags.mcpConfig) } : {}),
    ...networkAllowOf(flags.network),
  };
  const config = withRequestFlags(
    await withMcpConfig(
      loadConfig({ projectDir: workspace, ...(flags.config ? { file: resolve(flags.config) } : {}) }),
      extras,
    ),
    flags,
  );
  let text = task ?? "";
  let systemExtra: string | undefined;
  let specModel: string | undefined;
  let specLimits: Partial<LoopLimits> = {};
  let scope: string[] | undefined;
  let checkpoints: StartRunOptions["checkpoints"];
  let spec: import("../spec/spec.ts").TaskSpec | undefined;
  if (flags.spec) {
    const { loadSpec } = await import("../spec/spec.ts");
    const { renderSpecPrompt } = await import("../spec/render.ts");
    spec = loadSpec(resolve(flags.spec));
    text = spec.body;
    systemExtra = renderSpecPrompt(spec);
    specModel = spec.model;
    scope = spec.scope;
    checkpoints = (await import("../spec/checkpoints.ts")).checkpointFor(spec).items;
    specLimits = {
      ...(spec.maxSteps !== undefined ? { maxSteps: spec.maxSteps } : {}),
      ...(spec.budgetUsd !== undefined ? { budgetUsd: spec.budgetUsd } : {}),
    };
    if (!extras.computer && spec.computer) extras.computer = spec.computer;
  }
  await startPage(extras, flags.url, spec, config);
  const sandbox = choice("--sandbox", flags.sandbox ?? config.run.sandbox, ["bwrap", "host"] as const);
  const approval = choice("--approval", flags.approval ?? config.policy.approval, [
    "never",
    "on-request",
    "untrusted",
  ] as const satisfies readonly ApprovalMode[]);
  const limits = {
    maxSteps: config.run.max_steps,
    ...responseLimits(config.run),
    ...resolveLimits(flags, config, specLimits),
  };
  const model = await chooseModel(flags.model ?? specModel ?? config.model ?? "auto", text, config);
  (await import("../providers/catalog.ts")).loadCatalog(config).resolve(model);
  // Flags and model are checked first (bad input fails fast); the task is linted before any key or network use.
  await lintTask(text, spec, Boolean(flags.strict));
  const client = await buildClient(model, config);
  if (sandbox === "host") {
    process.stderr.write("switchyard: warning: --sandbox host runs commands without isolation, as your user\n");
  }
  const tty = Boolean(process.stderr.isTTY && process.stdin.isTTY);
  const renderer = createRunRenderer({ json: Boolean(flags.json), tty });
  const controller = new AbortController();
  const release = stopOnSignals(controller);
  // OpenTelemetry GenAI spans when OTEL_EXPORTER_OTLP_ENDPOINT is set (src/telemetry/); nothing loaded otherwise.
  const otel = await (await import("../telemetry/index.ts")).telemetry();
  // The span stays open through the run's end, whose review may end it review_failed after the loop's final.
  const spans = otel?.run({}, { untilEnd: true });
  const onEvent: StartRunOptions["onEvent"] = spans
    ? (ev, line) => {
        renderer.onEvent(ev, line);
        spans.onEvent(ev);
      }
    : renderer.onEvent;
  const opts: StartRunOptions = {
    task: text,
    workspace,
    model,
    config,
    client,
    limits,
    sandbox,
    network: flags.network === true || (flags.network === undefined && config.run.network),
    approval,
    environment: await environmentFor(extras, config),
    extras,
    onEvent,
    signal: controller.signal,
    ...(systemExtra ? { systemExtra } : {}),
    ...(scope ? { scope } : {}),
    ...(checkpoints?.length ? { checkpoints } : {}),
    ...(tty ? { ask: ttyApprover() } : {}),
  };
  try {
    const outcome = await startRun(opts);
    spans?.end();
    return await review(outcome, workspace, {
      apply: Boolean(flags.apply),
      tty,
      json: Boolean(flags.json),
      strict: Boolean(flags.strict),
    });
  } finally {
    release();
    renderer.close();
    spans?.end();
    await otel?.shutdown().catch(() => {});
  }
}

export async function resumeCommand(runId: string, flags: RunFlags): Promise<number> {
  const { workspace, common, renderer, tty } = await reopenRun(runId, flags);
  const limits = resolveLimits(flags, undefined, {});
  const controller = new AbortController();
  const release = stopOnSignals(controller);
  try {
    const outcome = await resumeRun({ runId, workspace, limits, ...common, signal: controller.signal });
    return await review(outcome, workspace, {
      apply: Boolean(flags.apply),
      tty,
      json: Boolean(flags.json),
      strict: Boolean(flags.strict),
    });
  } finally {
    release();
    renderer.close();
  }
}

/** `run --continue <run-id> "<follow-up>"`: a follow-up turn on a finished run's copy and conversation. */
export async function continueCommand(runId: string, followUp: string | undefined, flags: RunFlags): Promise<number> {
  // Settings of the run itself, kept by a follow-up: refused rather than silently ignored.
  const settings = ["spec", "model", "sandbox", "network", "approval", "computer", "mcpConfig", "url"] as const;
  const request = ["reasoning", "stateful", "compactThreshold"] as const;
  const fixed = [...settings, ...request].filter((k) => flags[k] !== undefined);
  if (fixed.length) {
    const flag = `--${fixed[0]?.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new ConfigError(`${flag} cannot be combined with --continue: a follow-up keeps the run's settings`, {
      field: flag,
      hint: `${shellCommand(["run", "--continue", runId, "<follow-up>"], flags.workspace)}  (limits such as --max-steps may change)`,
    });
  }
  if (!followUp?.trim()) {
    throw new ConfigError("--continue needs a follow-up message", {
      hint: shellCommand(["run", "--continue", runId, "now also update the docs"], flags.workspace),
    });
  }
  const { workspace, common, renderer, tty } = await reopenRun(runId, flags);
  const { continueRun } = await import("../agent/continue-run.ts");
  const limits = resolveLimits(flags, undefined, {});
  const controller = new AbortController();
  const release = stopOnSignals(controller);
  try {
    const outcome = await continueRun({ runId, workspace, followUp, limits, ...common, signal: controller.signal });
    return await review(outcome, workspace, {
      apply: Boolean(flags.apply),
      tty,
      json: Boolean(flags.json),
      strict: Boolean(flags.strict),
    });
  } finally {
    release();
    renderer.close();
  }
}

/** What resume and continue share: the run's workspace, its tools from run.json, config and renderer. */
async function reopenRun(runId: string, flags: RunFlags) {
  const workspace = checkWorkspace(flags.workspace ?? process.cwd());
  // The run's own tools (--computer, --mcp-config) come back from run.json; sandbox, network, approval and model
  // are restored from it by the session.
  const extras = readRunMeta(workspace, runId).extras ?? {};
  const config = await withMcpConfig(
    loadConfig({ projectDir: workspace, ...(flags.config ? { file: resolve(flags.config) } : {}) }),
    extras,
    runId,
  );
  const tty = Boolean(process.stderr.isTTY && process.stdin.isTTY);
  const renderer = createRunRenderer({ json: Boolean(flags.json), tty });
  const common = {
    config,
    environment: await environmentFor(extras, config),
    onEvent: renderer.onEvent,
    ...(tty ? { ask: ttyApprover() } : {}),
  };
  return { workspace, common, renderer, tty };
}

const BACKENDS = ["desktop", "browser"] as const;

/**
 * Add the servers of the `--mcp-config` file to the config's `mcpServers` (the file's entries win). On resume
 * (`runId` given) a file that no longer exists is a usage error naming it.
 */
async function withMcpConfig(config: Config, extras: RunExtras, runId?: string): Promise<Config> {
  const file = extras.mcpConfig;
  if (!file) return config;
  if (runId !== undefined && !existsSync(file)) {
    throw new ConfigError(`run ${runId} was started with --mcp-config ${file}, which no longer exists`, {
      file,
      field: "--mcp-config",
      hint: `restore ${file} to resume with the same MCP tools, or discard the run: switchyard discard ${runId}`,
    });
  }
  const { loadMcpConfigFile } = await import("../tools/mcp-config.ts");
  return { ...config, mcpServers: { ...config.mcpServers, ...loadMcpConfigFile(file) } };
}

/**
 * The browser's start page: --url > the spec's computer_url > config computer.url, as an address bar reads it
 * (`localhost:3000` → http://localhost:3000). Only for the browser; a bad address is a usage error.
 */
async function startPage(
  extras: RunExtras,
  flag: string | undefined,
  spec: { computerUrl?: string; file: string } | undefined,
  config: Config,
): Promise<void> {
  const [raw, field, file] =
    flag !== undefined
      ? [flag, "--url", undefined]
      : spec?.computerUrl !== undefined
        ? [spec.computerUrl, "computer_url", spec.file]
        : [config.computer.url, "computer.url", undefined];
  if (raw === undefined) return;
  if (extras.computer !== "browser") {
    if (flag === undefined) return;
    throw new ConfigError("--url needs --computer browser", { field: "--url", hint: "add --computer browser" });
  }
  const { addressToUrl } = await import("../computer/address-bar.ts");
  const url = addressToUrl(raw);
  if (!url) {
    throw new ConfigError(`${file ? `${file}: ` : ""}${field}: "${raw}" is not an address`, {
      field,
      ...(file ? { file } : {}),
      hint: "give a URL such as http://127.0.0.1:8000/ or an absolute file path",
    });
  }
  extras.computerUrl = url;
}

/** The default environment, plus the computer tool (sized by config `computer`) when the run has one. */
/** `--network allow=HOST,...` → the allowlist (validated: a bad entry is a usage error naming it). */
function networkAllowOf(flag: boolean | string | undefined): Pick<RunExtras, "networkAllow"> {
  if (typeof flag !== "string") return {};
  const m = /^allow=(.*)$/.exec(flag);
  if (!m) {
    throw new ConfigError(`--network ${flag}: expected allow=HOST[,HOST...]`, {
      field: "--network",
      hint: "use --network for full access, or --network allow=pypi.org,127.0.0.1:8080 for only those hosts",
    });
  }
  const list = m[1] ?? "";
  const rules = parseEgressList(list, "--network");
  if (rules.length === 0) {
    throw new ConfigError("--network allow=: no hosts listed", { field: "--network", hint: "--network allow=HOST" });
  }
  return { networkAllow: rules.map(describeRule) };
}

async function environmentFor(extras: RunExtras, config: Config): Promise<EnvironmentFactory> {
  const backend = extras.computer;
  const allow = extras.networkAllow;
  const base: EnvironmentFactory = allow?.length
    ? (req) => defaultEnvironment({ ...req, networkAllow: allow })
    : defaultEnvironment;
  if (!backend) return base;
  const { withComputer } = await import("../tools/computer-environment.ts");
  return withComputer(base, {
    backend,
    width: config.computer.width,
    height: config.computer.height,
    keepScreenshots: config.computer.keep_screenshots,
    ...(extras.computerUrl ? { url: extras.computerUrl } : {}),
  });
}

function resolveLimits(flags: RunFlags, config: Config | undefined, spec: Partial<LoopLimits>): Partial<LoopLimits> {
  const maxSteps = posInt("--max-steps", flags.maxSteps) ?? spec.maxSteps ?? config?.run.max_steps;
  const budgetUsd = posNum("--budget-usd", flags.budgetUsd) ?? spec.budgetUsd ?? config?.run.budget_usd;
  const maxTokens = posInt("--max-tokens", flags.maxTokens) ?? config?.run.max_tokens;
  const timeoutS = posNum("--timeout", flags.timeout) ?? config?.run.timeout_s;
  // On resume (no config), unset fields keep the run's original values.
  return {
    ...(maxSteps !== undefined ? { maxSteps } : {}),
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(timeoutS !== undefined ? { timeoutMs: Math.round(timeoutS * 1000) } : {}),
  };
}

function posNum(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${flag}: expected a positive number, got "${v}"`, { field: flag });
  return n;
}

function posInt(flag: string, v: string | undefined): number | undefined {
  const n = posNum(flag, v);
  if (n !== undefined && !Number.isInteger(n)) {
    throw new ConfigError(`${flag}: expected a positive whole number, got "${v}"`, { field: flag });
  }
  return n;
}

function choice<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new ConfigError(`${flag}: "${v}" is not one of ${allowed.join(", ")}`, {
    field: flag,
    hint: `use ${flag} ${allowed.join("|")}`,
  });
}

/** The prompt linter runs before every run: findings go to stderr; with --strict an error stops the run (exit 2). */
async function lintTask(text: string, spec: import("../spec/spec.ts").TaskSpec | undefined, strict: boolean) {
  const { hasErrors, lintPrompt } = await import("../spec/lint.ts");
  const findings = lintPrompt(text, spec);
  for (const f of findings) {
    process.stderr.write(`switchyard: lint ${f.severity}: ${f.rule}: ${f.message}\n  suggestion: ${f.suggestion}\n`);
  }
  if (strict && hasErrors(findings)) {
    throw new ConfigError("the task has prompt-lint errors (--strict)", {
      hint: "rewrite the task as suggested above, or run without --strict",
    });
  }
}

async function chooseModel(ref: string, task: string, config: Config): Promise<string> {
  if (ref !== "auto") return ref;
  const { routeWithEvidence } = await import("../router/route-with-evidence.ts");
  const { decision } = await routeWithEvidence(task, { config });
  process.stderr.write(`switchyard: --model auto → ${decision.model} (${decision.reasons[0] ?? decision.strategy})\n`);
  return decision.model;
}

/** The model client with the catalog/config fallback chain; a missing key fails here, before any work. */
async function buildClient(ref: string, config: Config): Promise<ModelClient> {
  const { createModelClient } = await import("../providers/client.ts");
  const { createFallbackClient } = await import("../router/fallback.ts");
  return createFallbackClient(ref, { config, createClient: (r) => createModelClient(r, { config }) });
}
