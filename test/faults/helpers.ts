import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import type { RunEvent } from "../../src/core/events.ts";
import type { MockServer } from "../../src/mock/server.ts";
import { type CliResult, cli, cliUntil } from "../agent/cli-helpers.ts";
import { mock, mockConfigToml, mockEnv, tempDir } from "../agent/helpers.ts";

export type { CliResult, MockServer };
/**
 * Shared seams for the fault suite (`npm run test:faults`). Every case asserts its outcome AND that nothing was
 * lost: the transcript parses line by line and ends in one `final`, the workspace is unchanged (or changed
 * exactly as intended), and the exit code says what happened. Files are named by category: sandbox, limits,
 * crash-resume, bad-input, provider-faults, review-apply, cost.
 */
export { cli, cliUntil, mock, mockConfigToml, mockEnv, tempDir };

/** A content fingerprint of a directory tree (path → sha256 / symlink target / "dir"), `.switchyard` excluded. */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (rel === ".switchyard" || rel === ".git") continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(rel, `link:${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(rel, "dir");
        walk(p);
      } else if (!st.isFile()) out.set(rel, st.isFIFO() ? "fifo" : "special");
      else out.set(rel, createHash("sha256").update(readFileSync(p)).digest("hex"));
    }
  };
  walk(root);
  return out;
}

export function assertUnchanged(root: string, before: Map<string, string>, message = "workspace changed"): void {
  assert.deepEqual(Object.fromEntries(snapshot(root)), Object.fromEntries(before), message);
}

/** A workspace with a couple of files and a git repo, ready for `switchyard run`. */
export function makeWorkspace(dir: string, files: Record<string, string> = { "README.md": "# demo\n" }): string {
  mkdirSync(dir, { recursive: true });
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
  return dir;
}

/** The newest run id under a workspace ("" when there is none). */
export function latestRun(ws: string): string {
  const dir = join(ws, ".switchyard", "runs");
  if (!existsSync(dir)) return "";
  return readdirSync(dir).sort().at(-1) ?? "";
}

export function runDir(ws: string, runId: string): string {
  return join(ws, ".switchyard", "runs", runId);
}

/** A live run's workspace copy: on its quota disk (`disk/work`) while it runs, else `work/` (src/agent/run-disk.ts). */
export function liveCopy(ws: string, runId: string): string {
  const onDisk = join(runDir(ws, runId), "disk", "work");
  return existsSync(onDisk) ? onDisk : join(runDir(ws, runId), "work");
}

/** Every line of a transcript parses (no torn line left behind), seqs are 0..n-1 in order. */
export function transcriptLines(file: string): RunEvent[] {
  const lines = readFileSync(file, "utf8").split("\n");
  assert.equal(lines.at(-1), "", "the transcript ends with a newline");
  const events = lines.slice(0, -1).map((l, i): RunEvent => {
    try {
      return JSON.parse(l) as RunEvent;
    } catch {
      return assert.fail(`transcript line ${i + 1} does not parse: ${l.slice(0, 200)}`);
    }
  });
  events.forEach((e, i) => {
    assert.equal(e.seq, i, `seq ${e.seq} at line ${i + 1}`);
  });
  return events;
}

/**
 * The transcript is intact and ends in a `final` with the given end state; an earlier `final` (a run stopped
 * and resumed) is always followed by a `resumed` warning.
 */
export function assertTranscriptEnds(ws: string, runId: string, endState: string): RunEvent[] {
  const file = join(runDir(ws, runId), "transcript.jsonl");
  assert.ok(existsSync(file), `no transcript at ${file}`);
  const events = transcriptLines(file);
  events.forEach((e, i) => {
    if (e.type !== "final" || i === events.length - 1) return;
    const resumed = events.slice(i + 1).find((x) => x.type === "warning" && x.code === "resumed");
    assert.ok(resumed, `a final event at seq ${e.seq} is not followed by a resume`);
  });
  const last = events.at(-1);
  assert.ok(last?.type === "final", "the final event is the last one");
  assert.equal(last.type === "final" ? last.endState : "", endState, last.type === "final" ? last.message : "");
  return events;
}

export interface RunCase {
  ws: string;
  server: MockServer;
  result: CliResult;
  runId: string;
  close(): Promise<void>;
}

/**
 * Run `switchyard run --json` against the mock with `script`, on `ws`, with a config (the keyless `local/coder`
 * provider at the mock plus `extraToml`). Model defaults to `local/coder`.
 */
export async function runWithMock(opts: {
  ws: string;
  script: Record<string, unknown>;
  task?: string;
  model?: string;
  args?: string[];
  extraToml?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Pass --json (default true). */
  json?: boolean;
}): Promise<RunCase> {
  const server = await mock(opts.script);
  const config = writeConfig(opts.ws, server, opts.extraToml);
  const result = await cli(
    [
      "run",
      opts.task ?? "do the task",
      "--workspace",
      opts.ws,
      "--model",
      opts.model ?? "local/coder",
      "--config",
      config,
      ...(opts.json === false ? [] : ["--json"]),
      ...(opts.args ?? []),
    ],
    { ...mockEnv(server.url), ...opts.env },
    { timeoutMs: opts.timeoutMs ?? 120_000 },
  );
  const runId = result.events[0]?.runId ?? latestRun(opts.ws);
  return { ws: opts.ws, server, result, runId, close: () => server.close() };
}

/** Write the config for the keyless `local/coder` provider at `server` (plus `extraToml`) next to `ws`. */
export function writeConfig(ws: string, server: MockServer, extraToml = ""): string {
  const config = `${ws}.toml`;
  writeFileSync(config, `${mockConfigToml(server.url)}${extraToml}\n`);
  return config;
}

/**
 * Start `switchyard run --json` on `ws` against `server`, SIGKILL it once `until` matches an event, and return
 * the run id and the events seen before the kill.
 */
export async function killedRun(opts: {
  ws: string;
  server: MockServer;
  until: (e: RunEvent) => boolean;
  task?: string;
  args?: string[];
  extraToml?: string;
  /** Awaited after `until` matched, before the kill (e.g. wait until a command has started). */
  beforeKill?: () => Promise<void>;
}): Promise<{ runId: string; config: string; events: RunEvent[] }> {
  const config = writeConfig(opts.ws, opts.server, opts.extraToml);
  const { child, events } = await cliUntil(
    [
      "run",
      opts.task ?? "do the task",
      "--workspace",
      opts.ws,
      "--model",
      "local/coder",
      "--config",
      config,
      "--json",
      ...(opts.args ?? []),
    ],
    mockEnv(opts.server.url),
    opts.until,
  );
  await opts.beforeKill?.();
  child.kill("SIGKILL");
  await new Promise((r) => child.once("close", r));
  return { runId: events[0]?.runId ?? "", config, events };
}

/** `switchyard resume <id> --json` with the run's config and the mock's environment. */
export function resume(ws: string, runId: string, config: string, server: MockServer, args: string[] = []) {
  return cli(["resume", runId, "--workspace", ws, "--config", config, "--json", ...args], mockEnv(server.url));
}

export function bash(command: string, extra: Record<string, unknown> = {}) {
  return { tool_calls: [{ name: "bash", arguments: { command } }], ...extra };
}

/** Poll until `check` holds (a file appeared, a process started); fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("waitFor: condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Make `dir` unwritable until the returned function is called: a read-only bind mount as root (root ignores
 * permission bits), mode 0555 otherwise.
 */
export function makeReadOnly(dir: string): () => void {
  if (process.getuid?.() === 0) {
    execFileSync("mount", ["--bind", dir, dir]);
    execFileSync("mount", ["-o", "remount,bind,ro", dir]);
    return () => execFileSync("umount", [dir]);
  }
  chmodSync(dir, 0o555);
  return () => chmodSync(dir, 0o755);
}
