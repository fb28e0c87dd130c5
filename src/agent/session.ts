import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Config } from "../core/config.ts";
import { keyVariables } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { RunEventBody } from "../core/events.ts";
import type { Message } from "../core/messages.ts";
import type { ModelClient } from "../core/model.ts";
import type { ToolContext } from "../core/tool.ts";
import { executeToolCall } from "../tools/index.ts";
import { requestApprover } from "./approve.ts";
import { createCheckpointRunner } from "./checkpoints.ts";
import type { FinalEventBody, LoopPrior } from "./loop.ts";
import { runLoop } from "./loop.ts";
import { createRedactor } from "./redact.ts";
import { type RequestSettings, requestSettingsOf, withRequestSettings } from "./request-settings.ts";
import type { RunPaths } from "./review.ts";
import { runPaths } from "./review.ts";
import { diskFullNote, dropRunDisk, openRunDisk, type RunDisk } from "./run-disk.ts";
import { endRun } from "./run-end.ts";
import { newRunId } from "./run-id.ts";
import { releaseLock, takeLock } from "./run-lock.ts";
import type {
  CommonRunOptions,
  EnvironmentRequest,
  RunEnvironment,
  RunMeta,
  RunOutcome,
  RunSettings,
  StartRunOptions,
} from "./run-types.ts";
import { buildSystemPrompt, readProjectInstructions } from "./system-prompt.ts";
import { TranscriptWriter } from "./transcript.ts";
import { takeManifest } from "./workspace.ts";

export type {
  CommonRunOptions,
  EnvironmentFactory,
  EnvironmentRequest,
  ReviewFailure,
  RunEnvironment,
  RunExtras,
  RunMeta,
  RunOutcome,
  RunSettings,
  StartRunOptions,
} from "./run-types.ts";

/**
 * A run: an isolated copy of the workspace, a sandbox and tools on it, the loop, a transcript, and at the end the
 * diff for review (run-end.ts). `startRun` begins one; `resumeRun` (resume-run.ts) continues one from its
 * transcript. The options and records a run is made of are in run-types.ts.
 */

export function checkWorkspace(dir: string): string {
  const abs = resolve(dir);
  let ok = false;
  try {
    ok = statSync(abs).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok)
    throw new ConfigError(`workspace not found: ${abs}`, { hint: "pass an existing directory with --workspace DIR" });
  return abs;
}

export async function makeClient(
  model: string,
  opts: CommonRunOptions,
  recorded?: RequestSettings,
): Promise<ModelClient> {
  if (opts.client) return opts.client;
  const { createModelClient } = await import("../providers/client.ts");
  const config = withRequestSettings(opts.config, recorded);
  return createModelClient(model, { config, ...(opts.env ? { env: opts.env } : {}) });
}

export async function startRun(opts: StartRunOptions): Promise<RunOutcome> {
  const workspace = checkWorkspace(opts.workspace);
  const client = await makeClient(opts.model, opts);
  const runId = newRunId();
  const paths = runPaths(workspace, runId);
  makeRunDir(workspace, paths);
  writeFileSync(paths.base, JSON.stringify(takeManifest(workspace)));
  const diskMb = opts.config.run.disk_mb;
  const { disk, environment } = await openRun(paths, diskMb, workspace, opts);
  const system = buildSystemPrompt({
    workdir: environment.sandbox.workdir,
    instructions: readProjectInstructions(workspace),
    ...(opts.systemExtra || environment.systemNote
      ? { extra: [opts.systemExtra, environment.systemNote].filter(Boolean).join("\n\n") }
      : {}),
  });
  const meta: RunMeta = {
    runId,
    task: opts.task,
    workspace,
    system,
    createdAt: new Date().toISOString(),
    model: opts.model,
    limits: opts.limits,
    sandbox: opts.sandbox,
    network: opts.network,
    approval: opts.approval,
    ...(opts.scope ? { scope: opts.scope } : {}),
    ...(opts.checkpoints?.length ? { checkpoints: opts.checkpoints } : {}),
    ...(opts.extras && Object.keys(opts.extras).length ? { extras: opts.extras } : {}),
    ...requestSettingsOf(opts.config),
    diskMb,
  };
  const redact = redactorFor(opts);
  writeFileAtomic(paths.meta, `${redact(JSON.stringify(meta, null, 2))}\n`);
  takeLock(paths);
  const writer = new TranscriptWriter({ file: paths.transcript, runId, redact });
  const emit = emitter(writer, opts.onEvent);
  emit(
    {
      type: "run_started",
      task: opts.task,
      model: { provider: client.model.provider, id: client.model.id, protocol: client.model.protocol },
      workspace,
      sandbox: environment.sandbox.kind,
      limits: { ...opts.limits },
      system,
      ...(environment.mcp ? { mcp: { tools: environment.mcp.tools, tokens: environment.mcp.tokens } } : {}),
      ...(meta.reasoning ? { reasoning: meta.reasoning } : {}),
    },
    0,
  );
  if (disk.unenforced) diskWarning(emit, disk, 0);
  return drive({ meta, paths, client, environment, writer, emit, opts, disk });
}

export async function drive(ctx: {
  meta: RunMeta;
  paths: RunPaths;
  client: ModelClient;
  environment: RunEnvironment;
  writer: TranscriptWriter;
  emit: (body: RunEventBody, step: number) => void;
  opts: CommonRunOptions;
  history?: Message[];
  prior?: LoopPrior;
  /** The run's disk (openRunDisk); finished here when the loop ends. */
  disk?: RunDisk;
}): Promise<RunOutcome> {
  const { meta, paths, client, environment, writer, emit, opts, disk } = ctx;
  const policy = {
    mode: meta.approval,
    allow: opts.config.policy.allow,
    deny: opts.config.policy.deny,
  };
  const ask = opts.ask;
  const controller = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
  let step = ctx.prior?.steps ?? 0;
  const hints = environment.mcp?.hints ?? {};
  const toolContext: ToolContext = {
    sandbox: environment.sandbox,
    signal,
    runDir: disk?.scratch ?? paths.scratch,
    ...(meta.scope ? { scope: meta.scope } : {}),
    // Commands were already gated by the loop; MCP calls and safety checks are gated here.
    approve: requestApprover({
      approvals: { policy, ...(ask ? { ask } : {}) },
      hints: (tool) => hints[tool],
      emit: (e) => emit(e, step),
    }),
  };
  let final: FinalEventBody;
  try {
    final = await runLoop({
      client,
      tools: environment.tools,
      ...(environment.definitions ? { definitions: environment.definitions } : {}),
      execute: quotaAware(environment.execute ?? executeToolCall, disk, (e) => emit(e, step)),
      ...(environment.transformHistory ? { transformHistory: environment.transformHistory } : {}),
      toolContext,
      system: meta.system,
      task: meta.task,
      limits: meta.limits,
      emit,
      signal,
      approvals: { policy, ...(ask ? { ask } : {}) },
      onStep: (n) => {
        step = n;
      },
      ...(ctx.history ? { history: ctx.history } : {}),
      ...(ctx.prior ? { prior: ctx.prior } : {}),
      ...(meta.checkpoints?.length
        ? {
            checkpoints: createCheckpointRunner({
              items: meta.checkpoints,
              sandbox: environment.sandbox,
              copy: disk?.copy ?? paths.copy,
              timeoutMs: opts.config.run.bash_timeout_s * 1000,
            }),
          }
        : {}),
    });
  } catch (err) {
    // The loop threw (a bug): no final, so the run reads as interrupted and `resume` continues it.
    await settle(controller, environment);
    writer.close();
    releaseLock(paths);
    // The copy moves out to work/ and the mount goes.
    await disk?.finish().catch(() => undefined);
    throw err;
  }
  await settle(controller, environment);
  try {
    return await endRun(
      {
        meta,
        paths,
        model: `${client.model.provider}/${client.model.id}`,
        emit,
        redact: redactorFor(opts),
        ...(disk ? { disk } : {}),
      },
      final,
    );
  } finally {
    writer.close();
    releaseLock(paths);
  }
}

async function settle(controller: AbortController, environment: RunEnvironment): Promise<void> {
  controller.abort();
  await environment.close().catch(() => {});
}

/**
 * The new run's disk and environment. When either cannot be had (the workspace does not fit the quota, no bwrap)
 * nothing has run: the run's folder goes too, rather than a full copy of the workspace left in a folder that no
 * command lists (it has no run.json yet) or removes.
 */
async function openRun(paths: RunPaths, sizeMb: number, workspace: string, opts: StartRunOptions) {
  try {
    const disk = await openRunDisk({ paths, sizeMb, workspace, resume: false });
    const environment = await withDisk(disk, () => opts.environment(envRequest(paths, opts, opts.config, disk)));
    return { disk, environment };
  } catch (err) {
    dropRunDisk(paths);
    rmSync(paths.dir, { recursive: true, force: true });
    throw err;
  }
}

/** Build the environment on an open disk; if that fails, the disk is closed (the copy kept in work/). */
export async function withDisk(disk: RunDisk, make: () => Promise<RunEnvironment>): Promise<RunEnvironment> {
  try {
    return await make();
  } catch (err) {
    await disk.finish().catch(() => undefined);
    throw err;
  }
}

export function diskWarning(emit: (body: RunEventBody, step: number) => void, disk: RunDisk, step: number): void {
  emit(
    {
      type: "warning",
      code: "disk_quota_unenforced",
      message: `the run's disk quota (run.disk_mb = ${disk.sizeMb}) is not enforced: ${disk.unenforced}`,
    },
    step,
  );
}

/** Tool results get a note once the run's disk quota is used up (what happened and what to do). */
function quotaAware(
  execute: NonNullable<RunEnvironment["execute"]>,
  disk: RunDisk | undefined,
  emit: (body: RunEventBody) => void,
): NonNullable<RunEnvironment["execute"]> {
  if (!disk || disk.unenforced) return execute;
  let warned = false;
  return async (tools, call, ctx) => {
    const result = await execute(tools, call, ctx);
    if (!disk.full()) return result;
    if (!warned) {
      warned = true;
      emit({ type: "warning", code: "disk_full", message: `the run's disk quota of ${disk.sizeMb} MB is used up` });
    }
    return diskFullNote(result, disk.sizeMb);
  };
}

/** The run's redactor: the caller's environment plus the configuration's key variables. */
export function redactorFor(opts: CommonRunOptions) {
  return createRedactor(opts.env ?? process.env, { names: keyVariables(opts.config) });
}

export function emitter(writer: TranscriptWriter, onEvent: CommonRunOptions["onEvent"]) {
  return (body: RunEventBody, step: number) => {
    const { event, line } = writer.append(body, step);
    onEvent?.(event, line);
  };
}

export function envRequest(
  paths: RunPaths,
  s: Pick<RunSettings, "sandbox" | "network">,
  config: Config,
  disk?: RunDisk,
): EnvironmentRequest {
  return {
    copy: disk?.copy ?? paths.copy,
    scratch: disk?.scratch ?? paths.scratch,
    runDir: paths.dir,
    sandbox: s.sandbox,
    network: s.network,
    config,
  };
}

/** The run's folder under the workspace; a workspace Switchyard cannot write to is bad input (exit 2), not a crash. */
function makeRunDir(workspace: string, paths: RunPaths): void {
  try {
    mkdirSync(paths.scratch, { recursive: true });
  } catch (err) {
    // A recursive mkdir on a read-only file system reports ENOENT: ask the deepest existing folder instead.
    const code = unwritable(paths.dir) ?? (err as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") throw err;
    throw new ConfigError(`the workspace is not writable: ${workspace} (${code}: cannot create ${paths.dir})`, {
      file: workspace,
      hint:
        `Switchyard keeps each run under ${workspace}/.switchyard/runs; make it writable ` +
        `(chmod u+w ${workspace}, or a read-write mount), or point --workspace at a writable copy`,
    });
  }
}

/** The errno code that makes the deepest existing ancestor of `path` unwritable, if any. */
function unwritable(path: string): string | undefined {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
}

/** Temp file + rename: a kill leaves the old file or the new one, never half of one. */
function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
