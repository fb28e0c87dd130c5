import { ConfigError } from "../core/errors.ts";
import { parseInstalledRef } from "./agents/agent-ref.ts";
import type { InstalledAgentName } from "./agents/catalog.ts";

/**
 * `--agent oracle|nop|<model>|<harness>:<model>[,...]`: oracle runs solution/solve.sh, nop does nothing,
 * `<harness>:<model>` runs an installed CLI agent (codex, claude-code, gemini-cli, opencode, pi; agents/agent-ref.ts)
 * with that model, and anything else is a model ref for Switchyard's own agent ("provider/model", a bare catalog
 * id, or "auto" for the router).
 */
export type AgentSpec =
  | { kind: "oracle" }
  | { kind: "nop" }
  | { kind: "switchyard"; model: string }
  | { kind: "installed"; agent: InstalledAgentName; model: string };

export function parseAgents(spec: string): AgentSpec[] {
  const parts = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) {
    throw new ConfigError("--agent: empty", {
      field: "--agent",
      hint: "use --agent oracle, nop or a model such as openai/gpt-5.5",
    });
  }
  const out: AgentSpec[] = [];
  const seen = new Set<string>();
  for (const p of parts) {
    const installed = p === "oracle" || p === "nop" ? undefined : parseInstalledRef(p);
    const a: AgentSpec =
      p === "oracle"
        ? { kind: "oracle" }
        : p === "nop"
          ? { kind: "nop" }
          : installed
            ? { kind: "installed", ...installed }
            : { kind: "switchyard", model: p };
    const slug = agentSlug(a);
    if (seen.has(slug))
      throw new ConfigError(`--agent: "${p}" is listed twice`, { field: "--agent", hint: "list each agent once" });
    seen.add(slug);
    out.push(a);
  }
  return out;
}

/**
 * File-name-safe agent label used in trial names: oracle, nop, the model ref with "/" → "-", or for an installed
 * agent `<harness>-<model slug>` (codex-gpt-5.5).
 */
export function agentSlug(a: AgentSpec): string {
  if (a.kind === "installed") return `${a.agent}-${a.model.replace(/[^A-Za-z0-9._-]+/g, "-")}`;
  if (a.kind !== "switchyard") return a.kind;
  return a.model.replace(/[^A-Za-z0-9._-]+/g, "-");
}

export function agentLabel(a: AgentSpec): string {
  if (a.kind === "installed") return `${a.agent}:${a.model}`;
  return a.kind === "switchyard" ? a.model : a.kind;
}
