import type { ScreenshotTally } from "../computer/screenshots.ts";
import type { Config } from "../core/config.ts";
import type { RunEvent } from "../core/events.ts";
import type { Message, ToolCall, ToolResult } from "../core/messages.ts";
import type { ModelClient, ToolDefinition } from "../core/model.ts";
import type { Sandbox } from "../core/sandbox.ts";
import type { ApprovalRequest, Tool, ToolContext } from "../core/tool.ts";
import type { Checkpoint } from "../spec/spec.ts";
import type { FinalEventBody, LoopLimits } from "./loop.ts";
import type { ApprovalMode, McpHints } from "./policy.ts";
import type { RequestSettings } from "./request-settings.ts";
import type { RunPaths } from "./review.ts";
import type { DiskReport } from "./run-disk.ts";
import type { Change } from "./workspace.ts";

/** What a run is made of and leaves behind: its options, run.json, its environment, its outcome (session.ts). */

/** The sandbox and tools a run's loop works with (built by an EnvironmentFactory on the run's copy). */
export interface RunEnvironment {
  sandbox: Sandbox;
  tools: Tool[];
  definitions?: ToolDefinition[];
  execute?: (tools: Tool[], call: ToolCall, ctx: ToolContext) => Promise<ToolResult>;
  /** Applied to the history before each model call (the computer tool keeps only the newest screenshots). */
  transformHistory?: (messages: readonly Message[]) => Message[];
  /** MCP tools in `tools`: their definitions' token cost and annotations (for the approval policy). */
  mcp?: { tools: number; tokens: number; hints: Record<string, McpHints> };
  /** Appended to the system prompt (e.g. the computer tool's screen size and how to use it). */
  systemNote?: string;
  close(): Promise<void>;
}

/**
 * Tools beyond the default environment that a run was started with. Saved in run.json so that `resume` rebuilds
 * the same tools; the CLI turns it into an EnvironmentFactory.
 */
export interface RunExtras {
  /** `--computer desktop|browser`. */
  computer?: "desktop" | "browser";
  /** The browser's start page (`--url`, a spec's `computer_url`, config `computer.url`). */
  computerUrl?: string;
  /** `--mcp-config`: absolute path of the file, re-read on resume (a missing file is a usage error). */
  mcpConfig?: string;
  /** `--network allow=HOST,...`: the egress allowlist (the sandbox stays network-off but for these hosts). */
  networkAllow?: string[];
}

export interface EnvironmentRequest {
  /** Host path of the agent's copy (the only writable place). */
  copy: string;
  /** Host scratch directory for the run (full outputs, screenshots); on the quota disk, dropped at the end. */
  scratch: string;
  /** The run's folder (transcript, run.json): logs that outlive the run go here. */
  runDir: string;
  sandbox: "bwrap" | "host";
  network: boolean;
  /** Hosts reachable through the egress proxy while `network` is off (RunExtras.networkAllow). */
  networkAllow?: string[];
  config: Config;
}

export type EnvironmentFactory = (req: EnvironmentRequest) => Promise<RunEnvironment>;

export interface RunSettings {
  model: string;
  limits: LoopLimits;
  sandbox: "bwrap" | "host";
  network: boolean;
  approval: ApprovalMode;
}

/** run.json: what a resume needs to continue with the same settings and tools. */
export interface RunMeta extends RunSettings, RequestSettings {
  /** The run's disk quota in MB (config run.disk_mb when it started); resume keeps it. */
  diskMb?: number;
  extras?: RunExtras;
  scope?: string[];
  checkpoints?: Checkpoint[];
  runId: string;
  task: string;
  workspace: string;
  system: string;
  createdAt: string;
}

export interface CommonRunOptions {
  config: Config;
  env?: NodeJS.ProcessEnv;
  environment: EnvironmentFactory;
  /** A prepared client (router, fallbacks, tests); default: createModelClient(settings.model). */
  client?: ModelClient;
  /** Every event, as written to the transcript (`line` is the redacted JSON). */
  onEvent?: (event: RunEvent, line: string) => void;
  /** TTY approvals; absent = headless. */
  ask?: (request: ApprovalRequest) => Promise<boolean>;
  signal?: AbortSignal;
}

export interface StartRunOptions extends CommonRunOptions, RunSettings {
  task: string;
  workspace: string;
  /** Extra system prompt text (a rendered task spec). */
  systemExtra?: string;
  /** Paths/globs (workspace-relative) the agent may change (a spec's `scope`); undefined = anywhere. */
  scope?: string[];
  /** A spec's checkpoints (`checkpointFor(spec).items`, test_command included). */
  checkpoints?: Checkpoint[];
  /** Recorded in run.json for resume; `environment` must already include these tools. */
  extras?: RunExtras;
}

export interface RunOutcome {
  runId: string;
  paths: RunPaths;
  final: FinalEventBody;
  changes: Change[];
  patch: string;
  /** Screenshots the computer tool took over the whole run (resumes included); absent when none. */
  screenshots?: ScreenshotTally;
  /** The run's disk: quota, use, and what it leaves on the host until discard. */
  disk?: DiskReport & { leftBytes: number };
  /** Set when the run's end could not write its review (`final.endState` is then `review_failed`). */
  reviewFailure?: ReviewFailure;
}

/** Why a run's review could not be written, where the agent's work is, and how its loop had ended. */
export interface ReviewFailure {
  error: string;
  /** Host path of the agent's copy, kept as it was. */
  copy: string;
  loop: { endState: FinalEventBody["endState"]; exitCode: number; message: string };
}
