import { ConfigError } from "../../core/errors.ts";
import { HARBOR_ONLY_AGENTS, INSTALLED_AGENT_NAMES, type InstalledAgentName, isInstalledAgentName } from "./catalog.ts";

/**
 * `--agent` entries for installed agents: `<harness>:<model>`, e.g. `codex:gpt-5.5`,
 * `claude-code:anthropic/claude-opus-4-7`, `opencode:openai/gpt-5.5` — the harness as Harbor names it, a colon,
 * then any model ref the catalog resolves. An entry whose part before the first colon has no "/" is a harness;
 * anything else is a model for Switchyard's own agent (model ids such as `ollama/qwen3:8b` keep their colon).
 */
const KNOWN = INSTALLED_AGENT_NAMES.join(", ");
const HINT = `use <harness>:<model> with a harness of ${KNOWN} (e.g. codex:gpt-5.5, claude-code:claude-opus-4-7), or a model for Switchyard's own agent (e.g. openai/gpt-5.5)`;

export function parseInstalledRef(entry: string): { agent: InstalledAgentName; model: string } | undefined {
  const colon = entry.indexOf(":");
  const head = colon < 0 ? entry : entry.slice(0, colon);
  if (head.includes("/")) return undefined;
  if (colon < 0) {
    if (isInstalledAgentName(head)) {
      throw new ConfigError(`--agent ${entry}: ${head} needs a model, as ${head}:<model>`, {
        field: "--agent",
        hint: `e.g. ${head}:${exampleModel(head)}`,
      });
    }
    if (HARBOR_ONLY_AGENTS.has(head)) throw unsupported(head);
    return undefined;
  }
  const model = entry.slice(colon + 1).trim();
  if (!isInstalledAgentName(head)) {
    if (HARBOR_ONLY_AGENTS.has(head)) throw unsupported(head);
    throw new ConfigError(`--agent ${entry}: unknown agent "${head}" (installed agents: ${KNOWN})`, {
      field: "--agent",
      hint: HINT,
    });
  }
  if (!model) {
    throw new ConfigError(`--agent ${entry}: no model after "${head}:"`, {
      field: "--agent",
      hint: `e.g. ${head}:${exampleModel(head)}`,
    });
  }
  return { agent: head, model };
}

function unsupported(name: string): ConfigError {
  return new ConfigError(`--agent ${name}: Harbor's ${name} agent is not supported here (installed agents: ${KNOWN})`, {
    field: "--agent",
    hint: HINT,
  });
}

function exampleModel(agent: InstalledAgentName): string {
  if (agent === "claude-code") return "claude-opus-4-7";
  if (agent === "gemini-cli") return "gemini-3.1-pro";
  return "gpt-5.5";
}
