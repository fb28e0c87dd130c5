import type { Protocol } from "../../core/messages.ts";

/**
 * The installed agents the bench can run, named as Harbor names them (harbor `AgentName`: codex, claude-code,
 * gemini-cli, opencode, pi). Each CLI comes from the npm registry at a pinned version (data: override one with
 * `[installed_agents.<name>] version = "…"` in switchyard.toml or SWITCHYARD_AGENT_VERSION_<NAME>), installed once
 * into the agent cache (install.ts) and mounted read-only into every trial's sandbox.
 *
 * `protocols` are the wire protocols the CLI can be pointed at through its own configuration (base-URL variables,
 * config files); a model whose provider speaks another one is refused before any trial starts.
 */
export const INSTALLED_AGENT_NAMES = ["codex", "claude-code", "gemini-cli", "opencode", "pi"] as const;
export type InstalledAgentName = (typeof INSTALLED_AGENT_NAMES)[number];

export interface InstalledAgentInfo {
  name: InstalledAgentName;
  /** npm package. */
  package: string;
  /** The pinned default version. */
  version: string;
  /** The `bin` entry of the package to run. */
  bin: string;
  /** Wire protocols the CLI can be pointed at. */
  protocols: readonly Protocol[];
  /** Where its own docs are (for error hints). */
  docs: string;
}

export const INSTALLED_AGENTS: Record<InstalledAgentName, InstalledAgentInfo> = {
  codex: {
    name: "codex",
    package: "@openai/codex",
    version: "0.169.0",
    bin: "codex",
    protocols: ["openai-responses"],
    docs: "https://developers.openai.com/codex/cli",
  },
  "claude-code": {
    name: "claude-code",
    package: "@anthropic-ai/claude-code",
    version: "2.1.328",
    bin: "claude",
    protocols: ["anthropic-messages"],
    docs: "https://docs.claude.com/en/docs/claude-code",
  },
  "gemini-cli": {
    name: "gemini-cli",
    package: "@google/gemini-cli",
    version: "0.61.0",
    bin: "gemini",
    protocols: ["gemini"],
    docs: "https://geminicli.com/docs",
  },
  opencode: {
    name: "opencode",
    package: "opencode-ai",
    version: "1.18.33",
    bin: "opencode",
    protocols: ["openai-responses", "anthropic-messages", "gemini", "openai-chat"],
    docs: "https://opencode.ai/docs",
  },
  pi: {
    name: "pi",
    package: "@mariozechner/pi-coding-agent",
    version: "0.73.1",
    bin: "pi",
    protocols: ["openai-responses", "anthropic-messages", "gemini", "openai-chat"],
    docs: "https://github.com/badlogic/pi-mono/tree/main/packages/coding-agent",
  },
};

/**
 * Harbor's other agent names (harbor `AgentName`), so that `--agent aider:…` says "not supported here" rather
 * than "unknown".
 */
export const HARBOR_ONLY_AGENTS = new Set([
  "acp",
  "aider",
  "antigravity-cli",
  "cline-cli",
  "copilot-cli",
  "cortex-code",
  "cursor-cli",
  "goose",
  "grok-build",
  "hermes",
  "junie",
  "kimi-cli",
  "kimi-code",
  "mini-swe-agent",
  "openclaw",
  "openhands",
  "openhands-sdk",
  "qwen-coder",
  "rovodev-cli",
  "swe-agent",
  "terminus",
  "terminus-1",
  "terminus-2",
  "trae-agent",
]);

export function isInstalledAgentName(name: string): name is InstalledAgentName {
  return (INSTALLED_AGENT_NAMES as readonly string[]).includes(name);
}

/** The variable that pins an installed agent's version: SWITCHYARD_AGENT_VERSION_<NAME> (CLAUDE_CODE, …). */
export function agentVersionEnv(name: InstalledAgentName): string {
  return `SWITCHYARD_AGENT_VERSION_${name.toUpperCase().replace(/-/g, "_")}`;
}

/** The version to install: SWITCHYARD_AGENT_VERSION_<NAME> > config > the pinned default. */
export function agentVersion(
  name: InstalledAgentName,
  opts: { env?: NodeJS.ProcessEnv; configured?: Record<string, { version?: string | undefined }> } = {},
): string {
  return (
    opts.env?.[agentVersionEnv(name)]?.trim() || opts.configured?.[name]?.version || INSTALLED_AGENTS[name].version
  );
}
