// Installs the installed bench agents' CLIs into the agent cache (src/bench/agents/install.ts), all at once:
//   node scripts/install-agents.ts [name ...]      (default: every agent; versions from the catalog or config)
import {
  agentVersion,
  INSTALLED_AGENT_NAMES,
  INSTALLED_AGENTS,
  isInstalledAgentName,
} from "../src/bench/agents/catalog.ts";
import { agentCacheRoot, ensureInstalled } from "../src/bench/agents/install.ts";

const names = process.argv.slice(2);
for (const n of names) {
  if (!isInstalledAgentName(n)) {
    process.stderr.write(`install-agents: unknown agent "${n}" (known: ${INSTALLED_AGENT_NAMES.join(", ")})\n`);
    process.exit(2);
  }
}
const wanted = names.length ? names.filter(isInstalledAgentName) : [...INSTALLED_AGENT_NAMES];
process.stderr.write(`setup: installed agents into ${agentCacheRoot()}: ${wanted.join(", ")}\n`);
const results = await Promise.allSettled(
  wanted.map(async (name) => {
    const cli = await ensureInstalled(INSTALLED_AGENTS[name], agentVersion(name, { env: process.env }));
    const how = cli.installMs === null ? "cached" : `installed in ${(cli.installMs / 1000).toFixed(0)} s`;
    process.stderr.write(`setup:   ${name} ${cli.version}: ${how}\n`);
  }),
);
const failed = results.filter((r) => r.status === "rejected");
for (const f of failed) process.stderr.write(`setup: ${(f as PromiseRejectedResult).reason}\n`);
process.exit(failed.length ? 1 : 0);
