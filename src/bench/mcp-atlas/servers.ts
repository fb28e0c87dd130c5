import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { McpServerConfig } from "../../core/config.ts";
import { McpServerSchema } from "../../core/config.ts";
import type { BwrapMount } from "../../sandbox/bwrap-args.ts";

/**
 * The MCP servers an MCP-Atlas-style task can name, and how each one starts inside the trial's sandbox.
 *
 * Keyless local servers come from the npm registry at pinned versions (src/mcp-servers/npm/package.json and its
 * lock; filesystem and memory at the versions MCP-Atlas pins in mcp_server_template.json, so their tool names
 * match MCP-Atlas's ENABLED_TOOLS). `npm run setup` installs them into a cache outside any task,
 * `$SWITCHYARD_MCP_SERVERS` or `${XDG_CACHE_HOME:-~/.cache}/switchyard/mcp-servers/<lock hash>`; a trial mounts
 * that folder read-only at /.switchyard-mcp and runs the servers on the Node binary running Switchyard (>= 24),
 * mounted at /.switchyard-mcp/node (in the trial's own root: /opt and /.switchyard are read-only there). Switchyard's own tracker (src/mcp-servers/tracker-lite.mjs) is mounted beside it.
 * Servers keep their state under /data, the trial's own copy of the suite's environment.
 *
 * MCP-Atlas's other servers need API keys, network access or Python tools (uvx); a task that enables one of their
 * tools is skipped with the reason, unless the suite's manifest defines the server (`[servers.<name>]`, with the
 * `keys` it needs from the environment and the `allowed_hosts` it may reach through the egress allowlist).
 */
const NPM_DIR = fileURLToPath(new URL("../../mcp-servers/npm/", import.meta.url));
const TRACKER_DIR = fileURLToPath(new URL("../../mcp-servers/", import.meta.url));
export const SERVERS_INSIDE = "/.switchyard-mcp";
const MODULES_INSIDE = `${SERVERS_INSIDE}/node_modules`;
export const SERVER_NODE = `${SERVERS_INSIDE}/node`;
const TRACKER_INSIDE = `${SERVERS_INSIDE}/tracker`;

interface Builtin {
  package?: string;
  args: string[];
  env?: Record<string, string>;
}

/** The keyless servers Switchyard runs itself; the package versions are those of src/mcp-servers/npm. */
export const BUILTIN_SERVERS: Record<string, Builtin> = {
  filesystem: { package: "@modelcontextprotocol/server-filesystem", args: ["/data"] },
  memory: { package: "@modelcontextprotocol/server-memory", args: [], env: { MEMORY_FILE_PATH: "/data/memory.json" } },
  everything: { package: "@modelcontextprotocol/server-everything", args: ["stdio"] },
  tracker: { args: ["--state", "/data/tracker.json"] },
};

/** What MCP-Atlas's other servers need (mcp_server_template.json, v1.2.7): keys, network, or Python tooling. */
const ATLAS_NEEDS: Record<string, string> = {
  airtable: "AIRTABLE_API_KEY and network access",
  alchemy: "ALCHEMY_API_KEY and network access",
  "brave-search": "BRAVE_API_KEY and network access",
  "e2b-server": "E2B_API_KEY and network access",
  exa: "EXA_API_KEY and network access",
  github: "GITHUB_TOKEN and network access",
  "google-maps": "GOOGLE_MAPS_API_KEY and network access",
  "google-workspace": "GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GOOGLE_REFRESH_TOKEN and network access",
  "lara-translate": "LARA_ACCESS_KEY_ID, LARA_ACCESS_KEY_SECRET and network access",
  mongodb: "MONGODB_CONNECTION_STRING and MCP-Atlas's data set",
  "national-parks": "NPS_API_KEY and network access",
  notion: "NOTION_TOKEN, MCP-Atlas's Notion data and network access",
  oxylabs: "OXYLABS_USERNAME, OXYLABS_PASSWORD and network access",
  slack: "SLACK_MCP_XOXC_TOKEN, SLACK_MCP_XOXD_TOKEN and MCP-Atlas's Slack data",
  twelvedata: "TWELVE_DATA_API_KEY and network access",
  "weather-data": "WEATHER_API_KEY and network access",
  arxiv: "network access (and uvx)",
  "clinicaltrialsgov-mcp-server": "network access",
  context7: "network access",
  "ddg-search": "network access (and uvx)",
  fetch: "network access (and uvx)",
  "met-museum": "network access",
  "open-library": "network access",
  "osm-mcp-server": "network access (and uvx)",
  pubmed: "network access (and uvx)",
  weather: "network access",
  whois: "network access",
  wikipedia: "network access (and uvx)",
  calculator: "uvx (Python), not installed by Switchyard",
  "cli-mcp-server": "uvx (Python) and MCP-Atlas's /data",
  "desktop-commander": "MCP-Atlas's sandbox image",
  git: "uvx (Python) and MCP-Atlas's repositories",
  "mcp-code-executor": "MCP-Atlas's Python workspace",
  "mcp-server-code-runner": "MCP-Atlas's sandbox image",
};

/** A `[servers.<name>]` entry of mcp-atlas.toml: the common mcpServers shape plus what it needs to run. */
export const ManifestServerSchema = z.strictObject({
  command: z.string().min(1).optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).default({}),
  url: z.url().optional(),
  headers: z.record(z.string(), z.string()).default({}),
  /** Environment variables the server needs; their values are taken from Switchyard's environment. */
  keys: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
  /** Hosts the server may reach (through the egress allowlist proxy); none = no network. */
  allowed_hosts: z.array(z.string()).default([]),
  startup_timeout_ms: z.number().int().positive().optional(),
  call_timeout_ms: z.number().int().positive().optional(),
});
export type ManifestServer = z.infer<typeof ManifestServerSchema>;

/** Folder the pinned npm servers are installed in (the setup script uses the same rule). */
export function serverCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.SWITCHYARD_MCP_SERVERS?.trim();
  if (root) return root;
  const lock = readFileSync(join(NPM_DIR, "package-lock.json"));
  const hash = createHash("sha256").update(lock).digest("hex").slice(0, 12);
  const cache = env.XDG_CACHE_HOME?.trim() || join(homedir(), ".cache");
  return join(cache, "switchyard", "mcp-servers", hash);
}

/** Pinned version of a package from the committed package.json. */
export function pinnedVersion(pkg: string): string | undefined {
  const manifest = JSON.parse(readFileSync(join(NPM_DIR, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return manifest.dependencies?.[pkg];
}

/** Undefined when the package is installed at its pinned version, else why not (with the fix). */
export function packageProblem(pkg: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = serverCacheDir(env);
  const want = pinnedVersion(pkg);
  const file = join(dir, "node_modules", pkg, "package.json");
  if (!existsSync(file)) return `${pkg}@${want} is not installed in ${dir} (run \`npm run setup\`)`;
  const have = (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version;
  return have === want ? undefined : `${pkg} in ${dir} is ${have}, not the pinned ${want} (run \`npm run setup\`)`;
}

export interface ResolvedServer {
  config: McpServerConfig;
  /** Why it cannot run here (missing key, package, network); undefined when it can. */
  problem?: string;
  allowedHosts: string[];
}

/** How server `name` starts for a task: the manifest's entry (if any) over the builtin one. */
export function resolveServer(
  name: string,
  entry: ManifestServer | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedServer | undefined {
  const builtin = BUILTIN_SERVERS[name];
  if (!entry && !builtin) return undefined;
  const timeouts = {
    ...(entry?.startup_timeout_ms ? { startup_timeout_ms: entry.startup_timeout_ms } : { startup_timeout_ms: 30_000 }),
    ...(entry?.call_timeout_ms ? { call_timeout_ms: entry.call_timeout_ms } : {}),
  };
  const missing = (entry?.keys ?? []).filter((k) => !env[k]?.trim());
  const keyed = Object.fromEntries((entry?.keys ?? []).map((k) => [k, env[k]?.trim() ?? ""]));
  const problem = missing.length
    ? `MCP server '${name}' needs ${missing.join(", ")} (set ${missing.length > 1 ? "them" : "it"} to run this task)`
    : undefined;
  const allowedHosts = entry?.allowed_hosts ?? [];
  if (entry?.url) {
    const config = McpServerSchema.parse({ url: entry.url, headers: entry.headers, ...timeouts });
    return { config, allowedHosts, ...(problem ? { problem } : {}) };
  }
  if (entry?.command) {
    const config = McpServerSchema.parse({
      command: entry.command,
      args: entry.args ?? [],
      env: { ...entry.env, ...keyed },
      ...timeouts,
    });
    return { config, allowedHosts, ...(problem ? { problem } : {}) };
  }
  // A builtin, possibly with the manifest's args/env.
  const b = builtin as Builtin;
  const script = b.package ? `${MODULES_INSIDE}/${b.package}/dist/index.js` : `${TRACKER_INSIDE}/tracker-lite.mjs`;
  const config = McpServerSchema.parse({
    command: SERVER_NODE,
    args: [script, ...(entry?.args ?? b.args)],
    env: { ...(b.env ?? {}), ...(entry?.env ?? {}), ...keyed },
    ...timeouts,
  });
  const pkgProblem = b.package ? packageProblem(b.package, env) : undefined;
  const why = problem ?? (pkgProblem ? `MCP server '${name}': ${pkgProblem}` : undefined);
  return { config, allowedHosts, ...(why ? { problem: why } : {}) };
}

/** Why a server MCP-Atlas knows cannot run here, or undefined for a name nobody knows. */
export function atlasServerNeeds(name: string): string | undefined {
  const need = ATLAS_NEEDS[name];
  return need ? `MCP-Atlas server '${name}' needs ${need}; it is not available here` : undefined;
}

/** Names a tool prefix may refer to: builtins, the manifest's servers and MCP-Atlas's catalog. */
export function knownServerNames(manifest: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(BUILTIN_SERVERS), ...Object.keys(manifest), ...Object.keys(ATLAS_NEEDS)])];
}

/**
 * Split an MCP-Atlas tool name (`<server>_<tool>`, the prefix MCP-Atlas's aggregating server adds) into server and
 * tool by the longest known server name; undefined when no server name is a prefix.
 */
export function splitToolName(name: string, servers: readonly string[]): { server: string; tool: string } | undefined {
  const hit = servers
    .filter((s) => name.startsWith(`${s}_`) && name.length > s.length + 1)
    .sort((a, b) => b.length - a.length)[0];
  return hit ? { server: hit, tool: name.slice(hit.length + 1) } : undefined;
}

/** Read-only mounts the builtin servers need in the sandbox: the Node binary, the npm cache, the tracker. */
export function serverMounts(names: readonly string[], env: NodeJS.ProcessEnv = process.env): BwrapMount[] {
  const mounts: BwrapMount[] = [{ host: process.execPath, inside: SERVER_NODE, mode: "ro" }];
  if (names.some((n) => BUILTIN_SERVERS[n]?.package)) {
    mounts.push({ host: join(serverCacheDir(env), "node_modules"), inside: MODULES_INSIDE, mode: "ro" });
  }
  if (names.includes("tracker")) mounts.push({ host: TRACKER_DIR, inside: TRACKER_INSIDE, mode: "ro" });
  return mounts;
}
