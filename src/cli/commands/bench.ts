import { addRequestFlags } from "../request-flags.ts";
import type { RegisterCommand } from "./index.ts";

export interface BenchFlags {
  agent: string;
  k: string;
  n: string;
  out: string;
  jobName?: string;
  resume?: boolean;
  timeoutMultiplier: string;
  env: string;
  strictEnv?: boolean;
  json?: boolean;
  config?: string;
  budgetUsd?: string;
  maxTokens?: string;
  maxSteps?: string;
  skipBadTasks?: boolean;
  /** MCP-Atlas-style tasks: the model that judges claims without an exact match. */
  judge?: string;
  /** MCP-Atlas Harbor bundles: NAME=URL of a running MCP server, repeatable. */
  mcpUrl?: string[];
  /** `--reasoning`, `--stateful`, `--compact-threshold` (src/cli/request-flags.ts), for model agents. */
  reasoning?: string;
  stateful?: boolean;
  compactThreshold?: string;
  /** Installed agents: `AGENT=FILE,...` subscription sign-ins (opt-in). */
  subscription?: string;
  /** Installed agents: extra hosts on the egress allowlist. */
  allowHost?: string;
  store?: string;
  queue?: string;
  jobBudgetUsd?: string;
  rateLimit?: string;
  artifactMaxMb?: string;
}

/**
 * `switchyard bench`: exit 0 when the job ran, whatever its trials scored or raised (as Harbor does; failures and
 * exceptions are in result.json and the summary); 2 for bad input (flags, no tasks, a task that cannot be loaded
 * unless --skip-bad-tasks, a changed job on --resume, a missing key of a model the job may use, no Docker engine
 * for --env docker); 130 when interrupted by SIGINT (Ctrl-C) and 143 by SIGTERM, saying how many trials did not
 * run and that --resume finishes the job; 1 for an internal error.
 */
export const registerBench: RegisterCommand = (program, setExit) => {
  const cmd = program
    .command("bench")
    .description("run Terminal-Bench 2.0 / Harbor tasks with an agent and score them")
    .argument("<paths...>", "task folders, or suite folders whose subfolders are tasks")
    .requiredOption(
      "--agent <agents>",
      "oracle | nop | <model> | <harness>:<model>, comma-separated (e.g. codex:gpt-5.5,claude-code:claude-opus-4-7,openai/gpt-5.5); harnesses: codex, claude-code, gemini-cli, opencode, pi",
    )
    .option("-k, --attempts <n>", "attempts per task and agent", "1")
    .option("-n, --concurrency <n>", "trials run at the same time", "1")
    .option("--out <dir>", "output folder for jobs", "jobs")
    .option("--job-name <name>", "job folder name (default: a timestamp)")
    .option("--resume", "finish a job: rerun only trials without a complete result.json")
    .option("--timeout-multiplier <x>", "scale the agent, verifier and build timeouts of task.toml", "1")
    .option("--env <kind>", "local (bwrap, default) or docker", "local")
    .option("--strict-env", "skip tasks whose Dockerfile needs network or an image, instead of reduced fidelity")
    .option("--json", "print one JSON line per finished trial and a final job line on stdout")
    .option("--budget-usd <x>", "per trial: a model agent stops before spending more than X USD")
    .option("--max-tokens <n>", "per trial: a model agent stops before using more than N tokens")
    .option("--max-steps <n>", "per trial: a model agent stops after N model turns")
    .option("--skip-bad-tasks", "run the other tasks when some cannot be loaded (they are listed), instead of exit 2")
    .option("--judge <model>", "MCP-Atlas-style tasks: the catalog model that judges claims with no exact match")
    .option(
      "--mcp-url <name=url>",
      "MCP-Atlas Harbor bundles: URL of the running MCP server NAME (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      "--subscription <agent=file,...>",
      "installed agents: use a subscription sign-in instead of an API key (e.g. codex=~/.codex/auth.json); mounted read-only, never copied",
    )
    .option(
      "--allow-host <host,...>",
      "installed agents: hosts they may reach besides the model endpoint (egress allowlist)",
    )
    .option("--config <file>", "config file (default: ./switchyard.toml)")
    .option("--store <path|url>", "results store: a SQLite file or a postgres:// URL (default: $SWITCHYARD_STORE)")
    .option(
      "--queue <redis-url>",
      "enqueue the trials on Redis (BullMQ) for `switchyard worker`s instead of running them here",
    )
    .option("--job-budget-usd <x>", "with --queue: stop dispatching once the job's trials have spent X USD in all")
    .option(
      "--rate-limit <p=n/window,...>",
      "with --queue: calls per provider shared by all workers, e.g. openai=500/min",
    )
    .option(
      "--artifact-max-mb <n>",
      "with --queue: files in a trial folder above N MB stay on the worker (listed in queue.json)",
    );
  addRequestFlags(cmd).action(
    async (paths: string[], opts: Omit<BenchFlags, "k" | "n"> & { attempts: string; concurrency: string }) => {
      const { runBenchCommand } = await import("../render-bench.ts");
      setExit(await runBenchCommand(paths, { ...opts, k: opts.attempts, n: opts.concurrency }));
    },
  );
};
