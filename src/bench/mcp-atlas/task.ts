import type { McpServerConfig } from "../../core/config.ts";
import type { BwrapMount } from "../../sandbox/bwrap-args.ts";
import { DEFAULT_PASS_THRESHOLD } from "./claims.ts";
import type { AtlasTaskSpec } from "./rows.ts";
import {
  atlasServerNeeds,
  knownServerNames,
  type ManifestServer,
  resolveServer,
  serverMounts,
  splitToolName,
} from "./servers.ts";

/**
 * An MCP-Atlas-style task as the bench runs it: the spec (prompt, enabled tools, claims, reference trajectory), the
 * servers it needs with each one's allow list set to exactly the enabled tools, the sandbox mounts those servers
 * need, and — when it cannot run here — why (a missing key, package or server), which skips its trials.
 */
export const DEFAULT_TOOL_BUDGET = 100;

export interface EnabledTool {
  /** The MCP-Atlas name (`<server>_<tool>`, or the aggregating server's own name in a Harbor bundle). */
  name: string;
  server: string;
  tool: string;
}

export interface McpAtlasTask {
  /** Where it came from: rows (a .jsonl/.csv/.json file or an mcp-atlas.toml suite) or a Harbor bundle. */
  format: "rows" | "harbor";
  spec: AtlasTaskSpec;
  tools: EnabledTool[];
  servers: Record<string, McpServerConfig>;
  mounts: BwrapMount[];
  /** Hosts the servers may reach through the egress allowlist (keyed servers with the user's keys). */
  allowedHosts: string[];
  /** Why the task is skipped here; undefined when it runs. */
  skip?: string;
  toolBudget: number;
  passThreshold: number;
  /**
   * A row task's own checksum (checksum.ts: its row, the suite's settings, the shared environment and server
   * code), used instead of the shared folder's dirhash; absent for a Harbor bundle, a folder task.
   */
  checksum?: string;
  /**
   * A row task's rows file (absolute) and whether it was read through its folder's mcp-atlas.toml: what the queue
   * publishes and a worker loads again. Absent for a Harbor bundle.
   */
  origin?: { file: string; manifest: boolean };
}

export interface AtlasSuiteDefaults {
  servers: Record<string, ManifestServer>;
  toolBudget?: number;
  passThreshold?: number;
}

/** Escape a tool name for the allow list's glob syntax (only `*` is special). */
function exact(name: string): string {
  if (name.includes("*")) throw new Error(`tool name "${name}" contains "*"`);
  return name;
}

/**
 * The runnable task for a row spec. Throws Error for a tool name that names no known server; a known server that
 * cannot run here (keys, network, packages) becomes `skip`.
 */
export function atlasTaskOf(
  spec: AtlasTaskSpec,
  defaults: AtlasSuiteDefaults,
  env: NodeJS.ProcessEnv = process.env,
): McpAtlasTask {
  const names = knownServerNames(defaults.servers);
  const tools: EnabledTool[] = spec.enabledTools.map((name) => {
    const split = splitToolName(name, names);
    if (!split) {
      throw new Error(
        `ENABLED_TOOLS: "${name}" names no known server (a tool is named <server>_<tool>; servers here: ` +
          `${Object.keys(defaults.servers).concat(["filesystem", "memory", "everything", "tracker"]).join(", ")})`,
      );
    }
    return { name, ...split };
  });
  const servers: Record<string, McpServerConfig> = {};
  const problems: string[] = [];
  const allowedHosts: string[] = [];
  for (const server of [...new Set(tools.map((t) => t.server))]) {
    const resolved = resolveServer(server, defaults.servers[server], env);
    if (!resolved) {
      problems.push(atlasServerNeeds(server) ?? `MCP server '${server}' is not defined`);
      continue;
    }
    if (resolved.problem) problems.push(resolved.problem);
    allowedHosts.push(...resolved.allowedHosts);
    servers[server] = {
      ...resolved.config,
      allow: tools.filter((t) => t.server === server).map((t) => exact(t.tool)),
    };
  }
  return {
    format: "rows",
    spec,
    tools,
    servers,
    mounts: problems.length ? [] : serverMounts(Object.keys(servers), env),
    allowedHosts,
    ...(problems.length ? { skip: `skipped: ${problems.join("; ")}` } : {}),
    toolBudget: spec.toolBudget ?? defaults.toolBudget ?? DEFAULT_TOOL_BUDGET,
    passThreshold: spec.passThreshold ?? defaults.passThreshold ?? DEFAULT_PASS_THRESHOLD,
  };
}
