import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "../../src/core/events.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const NODE = process.execPath;
export const BIN = join(ROOT, "bin", "switchyard.ts");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  events: RunEvent[];
}

/** Run the CLI as a subprocess (as a user would) and collect its output; `--json` lines are parsed into events. */
export function cli(args: string[], env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return collectProcess(NODE, [BIN, ...args], env, opts.timeoutMs ?? 60_000);
}

/** Run `command` and collect its output as `cli` does (killed after `timeoutMs`). */
export function collectProcess(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, events: parseEvents(stdout) });
    });
  });
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Run the CLI under a pty (`script`) and write `keys` to it once its output first matches `when`; the output comes
 * back with `\r` removed.
 */
export function cliUnderPty(
  args: string[],
  env: NodeJS.ProcessEnv,
  when: RegExp,
  keys: string,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const cmd = [NODE, BIN, ...args].map(quote).join(" ");
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let written = false;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!written && when.test(out)) {
        written = true;
        child.stdin.write(keys);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.replaceAll("\r", "") });
    });
  });
}

export function parseEvents(stdout: string): RunEvent[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as RunEvent);
}

/** Start the CLI and resolve once `until` matches an event on stdout; the caller kills it. */
export function cliUntil(
  args: string[],
  env: NodeJS.ProcessEnv,
  until: (e: RunEvent) => boolean,
): Promise<{ child: ChildProcess; events: RunEvent[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    const events: RunEvent[] = [];
    let buf = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith("{")) {
          const e = JSON.parse(line) as RunEvent;
          events.push(e);
          if (until(e)) resolve({ child, events });
        }
        i = buf.indexOf("\n");
      }
    });
    child.on("close", (code) => reject(new Error(`exited (${code}) before the awaited event: ${stderr}`)));
  });
}

/** A tiny JS project with a failing node:test test (add() subtracts). */
export function makeJsRepo(dir: string): void {
  mkdirSync(join(dir, "src"), { recursive: true });
  mkdirSync(join(dir, "test"), { recursive: true });
  writeFileSync(join(dir, "src", "add.mjs"), "export function add(a, b) {\n  return a - b;\n}\n");
  writeFileSync(
    join(dir, "test", "add.test.mjs"),
    'import assert from "node:assert/strict";\nimport test from "node:test";\nimport { add } from "../src/add.mjs";\n\n' +
      'test("add", () => {\n  assert.equal(add(2, 3), 5);\n});\n',
  );
  spawnSync("git", ["init", "-q"], { cwd: dir });
}

/** The repo's own tests, run on the host with the system node. */
export function repoTestsPass(dir: string): boolean {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync("node", ["--test", "test/add.test.mjs"], { cwd: dir, stdio: "ignore", env }).status === 0;
}
