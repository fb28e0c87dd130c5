import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, posix } from "node:path";
import type { InstalledAgentInfo } from "./catalog.ts";

/**
 * The installed-agent cache: each CLI at a pinned version in its own folder, `<root>/<name>@<version>/`, installed
 * once with npm from the registry (never inside a task, never into the trial folder) and mounted read-only into
 * trial sandboxes. Root: SWITCHYARD_AGENT_CACHE, else $XDG_CACHE_HOME/switchyard/agents, else
 * ~/.cache/switchyard/agents. An install goes to a temporary folder beside the final one and is renamed into place
 * when complete, so a killed install never leaves a half folder that looks installed, and two jobs installing the
 * same version at once both end up using one copy.
 */
export interface InstalledCli {
  name: string;
  package: string;
  version: string;
  /** Host folder of the install (mount it read-only). */
  dir: string;
  /** The bin target, relative to `dir` (e.g. node_modules/@openai/codex/bin/codex.js). */
  entry: string;
  /** The entry is a Node script (run it with the mounted Node); otherwise a native executable. */
  node: boolean;
  /** Milliseconds the npm install took; null when the cache already had it. */
  installMs: number | null;
}

/** Why an install failed, with npm's last lines (trials then end AgentSetupError, never scored). */
export class AgentInstallError extends Error {
  override name = "AgentInstallError";
}

const MARKER = ".switchyard-agent.json";
const INSTALL_TIMEOUT_MS = 15 * 60_000;

export function agentCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SWITCHYARD_AGENT_CACHE?.trim()) return env.SWITCHYARD_AGENT_CACHE.trim();
  const xdg = env.XDG_CACHE_HOME?.trim();
  return join(xdg || join(env.HOME?.trim() || homedir(), ".cache"), "switchyard", "agents");
}

export function agentCacheDir(root: string, info: InstalledAgentInfo, version: string): string {
  return join(root, `${info.name}@${version}`);
}

/** The cached install, if complete. */
export function cachedInstall(root: string, info: InstalledAgentInfo, version: string): InstalledCli | undefined {
  const dir = agentCacheDir(root, info, version);
  const marker = join(dir, MARKER);
  if (!existsSync(marker)) return undefined;
  try {
    const m = JSON.parse(readFileSync(marker, "utf8")) as { entry: string; node: boolean; package: string };
    if (m.package !== info.package || !existsSync(join(dir, m.entry))) return undefined;
    return { name: info.name, package: info.package, version, dir, entry: m.entry, node: m.node, installMs: null };
  } catch {
    return undefined;
  }
}

export interface EnsureOptions {
  cacheRoot?: string;
  env?: NodeJS.ProcessEnv;
  /** The npm CLI to run (default: `npm` on PATH, run with this process's Node first on PATH). */
  npm?: string;
}

export async function ensureInstalled(
  info: InstalledAgentInfo,
  version: string,
  opts: EnsureOptions = {},
): Promise<InstalledCli> {
  const root = opts.cacheRoot ?? agentCacheRoot(opts.env);
  const hit = cachedInstall(root, info, version);
  if (hit) return hit;
  mkdirSync(root, { recursive: true });
  const final = agentCacheDir(root, info, version);
  const tmp = `${final}.tmp-${process.pid}-${Date.now().toString(36)}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // A package.json of its own, so npm installs here instead of walking up to an enclosing project.
  writeFileSync(join(tmp, "package.json"), `${JSON.stringify({ name: "switchyard-agent-cache", private: true })}\n`);
  const spec = `${info.package}@${version}`;
  const started = Date.now();
  const args = ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", tmp, spec];
  const res = await runNpm(opts.npm ?? "npm", args, opts.env ?? process.env);
  if (res.code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new AgentInstallError(
      `npm install ${spec} failed (exit ${res.code ?? res.signal}): ${lastLines(res.output, 8) || "no output"}`,
    );
  }
  const installMs = Date.now() - started;
  let entry: { entry: string; node: boolean };
  try {
    entry = resolveBin(tmp, info);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw new AgentInstallError(`${spec} installed, but ${(err as Error).message}`);
  }
  writeFileSync(
    join(tmp, MARKER),
    `${JSON.stringify({ package: info.package, version, ...entry, installed_at: new Date().toISOString(), install_ms: installMs }, null, 2)}\n`,
  );
  try {
    renameSync(tmp, final);
  } catch {
    // Another job finished the same install first (or a stale folder is in the way): use the complete one.
    rmSync(tmp, { recursive: true, force: true });
    const other = cachedInstall(root, info, version);
    if (other) return other;
    rmSync(final, { recursive: true, force: true });
    return ensureInstalled(info, version, opts);
  }
  return { name: info.name, package: info.package, version, dir: final, ...entry, installMs };
}

/** The package's `bin` target for `info.bin`, relative to the install folder. */
export function resolveBin(dir: string, info: InstalledAgentInfo): { entry: string; node: boolean } {
  const pkgDir = posix.join("node_modules", info.package);
  const pkgJson = join(dir, pkgDir, "package.json");
  if (!existsSync(pkgJson)) throw new Error(`${pkgJson} is missing`);
  const pkg = JSON.parse(readFileSync(pkgJson, "utf8")) as { bin?: string | Record<string, string> };
  const target = typeof pkg.bin === "string" ? pkg.bin : pkg.bin?.[info.bin];
  if (!target) throw new Error(`its package.json has no "${info.bin}" bin`);
  const entry = posix.normalize(posix.join(pkgDir, target));
  const full = join(dir, entry);
  if (!existsSync(full)) throw new Error(`its bin ${entry} is missing (an install script did not run?)`);
  const head = readFileSync(full).subarray(0, 64).toString("latin1");
  const node = /\.(c|m)?js$/.test(entry) || /^#!.*\bnode\b/.test(head);
  return { entry, node };
}

function runNpm(
  npm: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  // Lifecycle scripts (e.g. Claude Code's postinstall, which needs Node >= 22) run with this process's Node.
  const path = [dirname(process.execPath), env.PATH ?? ""].filter(Boolean).join(delimiter);
  return new Promise((resolve) => {
    const child = spawn(npm, args, { env: { ...env, PATH: path }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const take = (b: Buffer) => {
      output = (output + b.toString()).slice(-64 * 1024);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => child.kill("SIGKILL"), INSTALL_TIMEOUT_MS);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: 127, signal: null, output: `${output}\n${err.message}` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

export function lastLines(text: string, n: number): string {
  return text.trim().split("\n").slice(-n).join(" | ").slice(-2000);
}
