/**
 * The installed agents' costs beside Switchyard's own agent, on this machine:
 *   npx node bench/installed-agents.ts [--cold] [trials=3]
 * Per agent: install time cold (a fresh npm install from the registry into a temporary cache; only with --cold,
 * minutes each; otherwise the figure recorded when the cache was filled) and cached (the lookup a bench does
 * before every job); start-up to first request (CLI start to its first connection through the egress proxy); and
 * per-trial overhead: the agent phase of a trivial one-turn trial against the mock (the model answers at once),
 * median of N, as a ratio to Switchyard's own agent measured in the same run.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentSpec } from "../src/bench/agent-spec.ts";
import { agentVersion, INSTALLED_AGENT_NAMES, INSTALLED_AGENTS } from "../src/bench/agents/catalog.ts";
import { agentCacheDir, agentCacheRoot, ensureInstalled } from "../src/bench/agents/install.ts";
import { prepareInstalledAgents } from "../src/bench/agents/prepare.ts";
import { runJob } from "../src/bench/job.ts";
import { prepareModelAgents } from "../src/bench/switchyard-agent.ts";
import type { TrialResult } from "../src/bench/trial-result.ts";
import { defaultConfig } from "../src/core/config.ts";
import { parseMockScript } from "../src/mock/script.ts";
import { startMockServer } from "../src/mock/server.ts";

const args = process.argv.slice(2);
const cold = args.includes("--cold");
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const MODELS: Record<string, string> = {
  codex: "openai/gpt-5.5",
  "claude-code": "anthropic/claude-opus-4-7",
  "gemini-cli": "google/gemini-3.1-pro-preview",
  opencode: "openai/gpt-5.5",
  pi: "openai/gpt-5.5",
};
const root = mkdtempSync(join(tmpdir(), "sy-bench-installed-"));
chmodSync(root, 0o711);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const secs = (ms: number | null) => (ms === null || Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(2)} s`);

const task = join(root, "say-done");
mkdirSync(join(task, "tests"), { recursive: true });
writeFileSync(join(task, "instruction.md"), "Answer with the word done.\n");
writeFileSync(join(task, "task.toml"), 'version = "1.0"\n[agent]\ntimeout_sec = 300.0\n');
writeFileSync(join(task, "tests", "test.sh"), "#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n");
chmodSync(join(task, "tests", "test.sh"), 0o755);

const mock = await startMockServer({ script: parseMockScript({ turns: [{ text: "done" }] }) });
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  OPENAI_API_KEY: "bench-key-0001",
  OPENAI_BASE_URL: `${mock.url}/v1`,
  ANTHROPIC_API_KEY: "bench-key-0001",
  ANTHROPIC_BASE_URL: mock.url,
  GEMINI_API_KEY: "bench-key-0001",
  GOOGLE_GEMINI_BASE_URL: mock.url,
  ...(process.env.SWITCHYARD_AGENT_CACHE ? { SWITCHYARD_AGENT_CACHE: process.env.SWITCHYARD_AGENT_CACHE } : {}),
};
const config = defaultConfig();

async function agentPhaseMs(agent: AgentSpec, label: string): Promise<{ ms: number[]; startup: number[] }> {
  const runModelAgent =
    agent.kind === "switchyard" ? await prepareModelAgents([agent.model], { config, env }) : undefined;
  const runInstalledAgent =
    agent.kind === "installed"
      ? await prepareInstalledAgents([{ agent: agent.agent, model: agent.model }], { config, env })
      : undefined;
  const { trials } = await runJob({
    paths: [task],
    agents: [agent],
    k: N,
    n: 1,
    outDir: join(root, "jobs"),
    jobName: label,
    resume: false,
    timeoutMultiplier: 1,
    env: "local",
    strictEnv: false,
    resultsDb: false,
    reports: false,
    ...(runModelAgent ? { runModelAgent } : {}),
    ...(runInstalledAgent ? { runInstalledAgent } : {}),
  });
  const ok = trials.filter((t: TrialResult) => t.agent_execution && !t.exception_info);
  if (ok.length < trials.length) {
    const bad = trials.find((t) => t.exception_info);
    process.stderr.write(
      `${label}: ${bad?.exception_info?.exception_type}: ${bad?.exception_info?.exception_message}\n`,
    );
  }
  return {
    ms: ok.map(
      (t) => Date.parse(t.agent_execution?.finished_at ?? "") - Date.parse(t.agent_execution?.started_at ?? ""),
    ),
    startup: ok.map((t) => t.agent_result?.startup_ms).filter((v): v is number => typeof v === "number"),
  };
}

try {
  const own = await agentPhaseMs({ kind: "switchyard", model: "openai/gpt-5.5" }, "switchyard");
  const base = median(own.ms);
  console.log(`installed agents vs Switchyard's agent, ${N} trivial trial(s) each, mock model answering at once`);
  console.log(`switchyard (openai/gpt-5.5): agent phase p50 ${secs(base)} (baseline)`);
  console.log("");
  const rows = [
    ["agent", "version", "install cold", "install cached", "start-up → 1st request", "agent phase p50", "× switchyard"],
  ];
  for (const name of INSTALLED_AGENT_NAMES) {
    const info = INSTALLED_AGENTS[name];
    const version = agentVersion(name, { env });
    let coldMs: number | null = null;
    if (cold) {
      const r = await ensureInstalled(info, version, { cacheRoot: join(root, "cold-cache"), env });
      coldMs = r.installMs;
    } else {
      try {
        const marker = JSON.parse(
          readFileSync(join(agentCacheDir(agentCacheRoot(env), info, version), ".switchyard-agent.json"), "utf8"),
        ) as { install_ms?: number };
        coldMs = marker.install_ms ?? null;
      } catch {
        coldMs = null;
      }
    }
    await ensureInstalled(info, version, { env });
    const t0 = performance.now();
    await ensureInstalled(info, version, { env });
    const cachedMs = performance.now() - t0;
    const model = MODELS[name] ?? "openai/gpt-5.5";
    const run = await agentPhaseMs({ kind: "installed", agent: name, model }, name);
    const p50 = median(run.ms);
    rows.push([
      `${name}:${model}`,
      version,
      `${secs(coldMs)}${cold ? "" : " (recorded)"}`,
      `${cachedMs.toFixed(1)} ms`,
      secs(median(run.startup)),
      secs(p50),
      Number.isFinite(p50 / base) ? `${(p50 / base).toFixed(1)}×` : "–",
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  "));
} finally {
  await mock.close();
  rmSync(root, { recursive: true, force: true });
}
