import { join } from "node:path";
import { keyVariables } from "../core/config.ts";
import type { Tool } from "../core/tool.ts";
import type { EnvironmentFactory, RunEnvironment } from "./session.ts";

/**
 * The default run environment: a sandbox over the run's copy plus the default tools.
 * - bwrap: the copy is the only writable mount, at /app (the agent's working directory); network off unless asked,
 *   or only the hosts of `--network allow=...` through the egress proxy.
 * - host: no isolation, commands run in the copy as the current user (the CLI warns).
 */
export const APP_DIR = "/app";

export const defaultEnvironment: EnvironmentFactory = async (req) => {
  const { createDefaultTools, toolDefinitions, executeToolCall } = await import("../tools/index.ts");
  const egress =
    req.sandbox === "bwrap" && !req.network && req.networkAllow?.length ? await startEgress(req) : undefined;
  const sandbox =
    req.sandbox === "host"
      ? await (await import("../sandbox/host.ts")).createHostSandbox({
          workdir: req.copy,
          runDir: req.scratch,
          secretNames: keyVariables(req.config),
        })
      : await (await import("../sandbox/bwrap.ts")).createBwrapSandbox({
          mounts: [{ host: req.copy, inside: APP_DIR, mode: "rw" }, ...(egress?.attachment.mounts ?? [])],
          workdir: APP_DIR,
          network: req.network,
          runDir: req.scratch,
          memoryMb: req.config.run.memory_mb,
          maxProcesses: req.config.run.max_processes,
          ...(egress ? { env: egress.attachment.env, wrapArgv: egress.attachment.wrapArgv } : {}),
        });
  const tools: Tool[] = createDefaultTools({ bashTimeoutS: req.config.run.bash_timeout_s });
  // MCP servers from config (`[mcpServers.<name>]`, `--mcp-config`): stdio ones run inside the sandbox unless
  // `host = true`; a server that fails to start is skipped with a process warning.
  const servers = req.config.mcpServers;
  const mcp = Object.keys(servers).length
    ? await (await import("../tools/mcp.ts")).connectMcpServers(servers, { sandbox })
    : undefined;
  if (mcp) tools.push(...mcp.tools);
  const env: RunEnvironment = {
    sandbox,
    tools,
    definitions: toolDefinitions(tools),
    execute: mcp ? mcp.execute : executeToolCall,
    ...(mcp?.tools.length ? { mcp: { tools: mcp.tools.length, tokens: mcp.toolTokenCost, hints: mcp.hints } } : {}),
    async close() {
      await Promise.all(tools.map((t) => t.close?.().catch(() => {})));
      await mcp?.close().catch(() => {});
      await sandbox.dispose();
      await egress?.proxy.close();
    },
  };
  return env;
};

/**
 * `--network allow=HOST,...`: the sandbox keeps its empty network namespace and reaches only those hosts through
 * the egress proxy; every decision is a line of `egress.jsonl` next to the run's transcript.
 */
async function startEgress(req: Parameters<EnvironmentFactory>[0]) {
  const [{ startEgressProxy }, { egressAttachment }, { parseEgressList }] = await Promise.all([
    import("../sandbox/egress-proxy.ts"),
    import("../sandbox/egress-sandbox.ts"),
    import("../sandbox/egress-rules.ts"),
  ]);
  const proxy = await startEgressProxy({
    allow: parseEgressList((req.networkAllow ?? []).join(","), "--network"),
    logFile: join(req.runDir, "egress.jsonl"),
  });
  return { proxy, attachment: egressAttachment(proxy) };
}
