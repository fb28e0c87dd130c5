import type { Command } from "commander";
import { addRequestFlags } from "../request-flags.ts";
import type { RegisterCommand } from "./index.ts";

export interface RunFlags {
  spec?: string;
  model?: string;
  workspace?: string;
  maxSteps?: string;
  budgetUsd?: string;
  maxTokens?: string;
  timeout?: string;
  sandbox?: string;
  /** `--network` (true) or `--network allow=HOST,...`. */
  network?: boolean | string;
  approval?: string;
  apply?: boolean;
  json?: boolean;
  config?: string;
  mcpConfig?: string;
  /** `--computer [desktop|browser]`: true when given without a value. */
  computer?: string | boolean;
  /** `--url URL`: the browser's start page (with --computer browser). */
  url?: string;
  /** Refuse to start when the prompt linter finds an error. */
  strict?: boolean;
  /** `--continue <run-id>`: the task argument is a follow-up on that finished run. */
  continue?: string;
  /** `--reasoning`, `--stateful`, `--compact-threshold` (src/cli/request-flags.ts). */
  reasoning?: string;
  stateful?: boolean;
  compactThreshold?: string;
}

/** Flags shared by `run` and `resume` (contract: ARCHITECTURE.md `switchyard run`). */
export function addLimitFlags(cmd: Command): Command {
  return cmd
    .option("--workspace <dir>", "the project directory (default: current directory)")
    .option("--max-steps <n>", "stop after N model turns (exit 5)")
    .option("--budget-usd <x>", "stop before spending more than X USD (exit 4)")
    .option("--max-tokens <n>", "stop before using more than N tokens (exit 4)")
    .option("--timeout <s>", "stop after S seconds (exit 7)")
    .option("--apply", "apply the changes to the workspace without asking")
    .option("--json", "stream events as JSON lines on stdout")
    .option("--config <file>", "config file (default: <workspace>/switchyard.toml)");
}

export const registerRun: RegisterCommand = (program, setExit) => {
  const cmd = program
    .command("run")
    .description("run the agent on a task in an isolated copy of the workspace; review the diff at the end")
    .argument("[task]", "what to do (or use --spec)")
    .option("--spec <file>", "a task spec (Markdown with front matter) instead of a task string")
    .option("--model <ref>", "provider/model, a catalog id, or auto (the router chooses)")
    .option("--sandbox <kind>", "bwrap (default) or host (no isolation)")
    .option(
      "--network [allow]",
      "full network access inside the sandbox, or allow=HOST[,HOST...] for only those hosts (egress allowlist)",
    )
    .option("--approval <mode>", "never | on-request | untrusted (default: config policy.approval)")
    .option("--mcp-config <file>", "MCP servers to add: JSON or TOML with a `mcpServers` table")
    .option("--computer [backend]", "add the computer tool: desktop (Xvfb, default) or browser (headless chromium)")
    .option("--url <url>", "with --computer browser: the page the browser opens first (default about:blank)")
    .option(
      "--strict",
      "do not start when the prompt linter finds an error (exit 2), and with --apply do not land changes outside the spec's scope; by default both are shown",
    )
    .option(
      "--continue <run-id>",
      'a follow-up turn on a finished run, before applying: --continue <run-id> "<follow-up>"',
    );
  addRequestFlags(cmd);
  addLimitFlags(cmd).action(async (task: string | undefined, flags: RunFlags) => {
    const { runCommand } = await import("../render-run-command.ts");
    setExit(await runCommand(task, flags));
  });
};
