import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { type McpServerConfig, McpServerSchema } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";

/**
 * Where MCP server definitions come from, all mapped to the common `mcpServers` shape (McpServerSchema):
 * - switchyard.toml `[mcpServers.<name>]` (validated by loadConfig; `parseMcpServers` re-checks a slice);
 * - a `--mcp-config` file: JSON `{"mcpServers": {...}}` (the shape desktop MCP clients use) or TOML with the
 *   same table;
 * - a bench task's task.toml, in Harbor's schema: `[[environment.mcp_servers]]` entries with `name`,
 *   `transport` ("stdio" | "streamable-http" | "sse", Harbor's default "sse"), `command`/`args` or `url`.
 *   Switchyard's own keys (env, cwd, headers, allow, deny, host, *_timeout_ms) are accepted there too, and
 *   `enabled_tools` (the list MCP-Atlas's Harbor converter writes: only these tools are offered) becomes `allow`.
 * A server name must be usable in a tool name: letters, digits, `_` and `-`.
 */

const SERVER_NAME = /^[a-zA-Z0-9_-]{1,32}$/;

function nameError(file: string, where: string, name: string): ConfigError {
  return new ConfigError(`${file}: ${where}: MCP server name "${name}" must be 1-32 letters, digits, "_" or "-"`, {
    file,
    field: where,
    hint: "rename the server; its name becomes part of the tool names (mcp__<server>__<tool>)",
  });
}

function validateOne(data: unknown, file: string, field: string, server: string): McpServerConfig {
  const r = McpServerSchema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const sub = issue?.path.length ? `${field}.${issue.path.map(String).join(".")}` : field;
  const msg = issue?.code === "unrecognized_keys" ? `unknown key(s) ${issue.keys.join(", ")}` : issue?.message;
  throw new ConfigError(`${file}: MCP server '${server}': ${sub}: ${msg ?? "invalid"}`, {
    file,
    field: sub,
    hint: "an MCP server needs `command` (+ `args`, `env`) for stdio or `url` (+ `headers`) for streamable HTTP",
  });
}

/** Validate a `mcpServers` table (name → server). Errors name the file, the server and the field. */
export function parseMcpServers(data: unknown, file: string, field = "mcpServers"): Record<string, McpServerConfig> {
  if (data === undefined) return {};
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError(`${file}: ${field}: expected a table of servers keyed by name`, {
      file,
      field,
      hint: `write [${field}.<name>] with command/args or url`,
    });
  }
  const out: Record<string, McpServerConfig> = {};
  for (const [name, entry] of Object.entries(data)) {
    if (!SERVER_NAME.test(name)) throw nameError(file, `${field}.${name}`, name);
    out[name] = validateOne(entry, file, `${field}.${name}`, name);
  }
  return out;
}

/** Read a `--mcp-config` file: JSON or TOML holding a `mcpServers` table. */
export function loadMcpConfigFile(file: string): Record<string, McpServerConfig> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${file}: cannot read MCP config: ${(err as Error).message}`, {
      file,
      hint: "check the --mcp-config path",
    });
  }
  let data: unknown;
  try {
    data = file.endsWith(".toml") ? parseToml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid ${file.endsWith(".toml") ? "TOML" : "JSON"}: ${(err as Error).message}`, {
      file,
    });
  }
  if (!data || typeof data !== "object" || !("mcpServers" in data)) {
    throw new ConfigError(`${file}: no \`mcpServers\` table`, {
      file,
      field: "mcpServers",
      hint: 'write {"mcpServers": {"<name>": {"command": "...", "args": []}}}',
    });
  }
  return parseMcpServers((data as { mcpServers: unknown }).mcpServers, file);
}

const HarborEntrySchema = z.looseObject({
  name: z.string(),
  transport: z.enum(["stdio", "streamable-http", "sse"]).default("sse"),
});

/**
 * MCP servers declared by a task.toml (`[[environment.mcp_servers]]`), as a `mcpServers` table. `data` is the
 * raw `environment.mcp_servers` value (undefined when absent). Stdio servers run inside the trial's sandbox.
 */
export function parseTaskMcpServers(data: unknown, file: string): Record<string, McpServerConfig> {
  if (data === undefined) return {};
  const field = "environment.mcp_servers";
  if (!Array.isArray(data)) {
    throw new ConfigError(`${file}: ${field}: expected an array of tables ([[environment.mcp_servers]])`, {
      file,
      field,
      hint: 'write [[environment.mcp_servers]] with name, transport = "stdio", command, args',
    });
  }
  const out: Record<string, McpServerConfig> = {};
  data.forEach((entry: unknown, i) => {
    const where = `${field}[${i}]`;
    const head = HarborEntrySchema.safeParse(entry);
    if (!head.success) {
      const issue = head.error.issues[0];
      const sub = issue?.path.length ? `${where}.${issue.path.map(String).join(".")}` : where;
      throw new ConfigError(`${file}: ${sub}: ${issue?.message ?? "invalid"}`, {
        file,
        field: sub,
        hint: 'each MCP server needs `name` and `transport` ("stdio", "streamable-http" or "sse")',
      });
    }
    const { name, transport, enabled_tools: enabled, ...rest } = head.data;
    if (!SERVER_NAME.test(name)) throw nameError(file, `${where}.name`, name);
    if (enabled !== undefined) {
      const ok = Array.isArray(enabled) && enabled.every((t) => typeof t === "string" && t && !t.includes("*"));
      if (!ok || rest.allow !== undefined) {
        throw new ConfigError(
          `${file}: MCP server '${name}': ${where}.enabled_tools: ${ok ? "give enabled_tools or allow, not both" : "expected a list of tool names"}`,
          { file, field: `${where}.enabled_tools`, hint: 'write enabled_tools = ["read_file", "list_directory"]' },
        );
      }
      rest.allow = enabled;
    }
    if (out[name]) {
      throw new ConfigError(`${file}: ${where}.name: MCP server '${name}' is declared twice`, {
        file,
        field: `${where}.name`,
      });
    }
    if (transport === "stdio" && rest.url !== undefined) {
      throw new ConfigError(`${file}: MCP server '${name}': ${where}.url: a stdio server takes command/args, not url`, {
        file,
        field: `${where}.url`,
      });
    }
    if (transport !== "stdio" && rest.command !== undefined) {
      throw new ConfigError(
        `${file}: MCP server '${name}': ${where}.command: transport "${transport}" takes url, not command`,
        { file, field: `${where}.command`, hint: 'set transport = "stdio" for a server started by a command' },
      );
    }
    out[name] = validateOne(rest, file, where, name);
  });
  return out;
}
