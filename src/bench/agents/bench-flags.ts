import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { Config } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { parseEgressList } from "../../sandbox/egress-rules.ts";
import type { AgentSpec } from "../agent-spec.ts";
import { INSTALLED_AGENT_NAMES, type InstalledAgentName, isInstalledAgentName } from "./catalog.ts";
import type { InstalledAgentRunner } from "./prepare.ts";

/**
 * The bench flags of installed agents: `--subscription AGENT=FILE[,AGENT=FILE]` (opt-in sign-ins: the file is
 * mounted read-only into that agent's sandbox, never copied, and its values are redacted from everything written)
 * and `--allow-host HOST[,HOST]` (hosts every installed agent may reach besides its model endpoint).
 */
export function parseSubscriptions(flag: string | undefined): Partial<Record<InstalledAgentName, string>> {
  const out: Partial<Record<InstalledAgentName, string>> = {};
  for (const entry of (flag ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf("=");
    const name = eq < 0 ? entry : entry.slice(0, eq);
    const file = eq < 0 ? "" : entry.slice(eq + 1).trim();
    if (!isInstalledAgentName(name) || !file) {
      throw new ConfigError(
        `--subscription ${entry}: expected AGENT=FILE with AGENT one of ${INSTALLED_AGENT_NAMES.join(", ")}`,
        {
          field: "--subscription",
          hint: "e.g. --subscription codex=~/.codex/auth.json,claude-code=~/.claude/.credentials.json",
        },
      );
    }
    out[name] = expandHome(file);
  }
  return out;
}

function expandHome(file: string): string {
  if (file === "~" || file.startsWith("~/")) return join(process.env.HOME || homedir(), file.slice(2));
  return isAbsolute(file) ? file : resolve(file);
}

export interface InstalledFlags {
  subscription?: string;
  allowHost?: string;
}

/** The runner for the job's installed agents, or undefined when there are none (checks and installs first). */
export async function installedRunnerFor(
  agents: AgentSpec[],
  flags: InstalledFlags,
  config: Config,
  onInstall: (message: string) => void,
): Promise<InstalledAgentRunner | undefined> {
  const specs = agents.flatMap((a) => (a.kind === "installed" ? [{ agent: a.agent, model: a.model }] : []));
  const subscriptions = parseSubscriptions(flags.subscription);
  const allowHosts = parseEgressList(flags.allowHost ?? "", "--allow-host");
  if (specs.length === 0) {
    if (Object.keys(subscriptions).length || allowHosts.length) {
      throw new ConfigError("--subscription and --allow-host apply to installed agents only", {
        field: "--agent",
        hint: "add an installed agent such as codex:gpt-5.5 to --agent",
      });
    }
    return undefined;
  }
  const { prepareInstalledAgents } = await import("./prepare.ts");
  return prepareInstalledAgents(specs, {
    config,
    subscriptions,
    allowHosts,
    onInstall: (cli) =>
      onInstall(
        cli.installMs === null
          ? `${cli.name} ${cli.version}: cached in ${cli.dir}`
          : `${cli.name} ${cli.version}: installed from npm in ${(cli.installMs / 1000).toFixed(1)}s into ${cli.dir}`,
      ),
  });
}
