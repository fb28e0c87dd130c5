import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Sandbox } from "../../core/sandbox.ts";
import type { McpConnection } from "../../tools/mcp.ts";
import { resourceLimits } from "../environment-settings.ts";
import type { LocalEnvironment } from "../local-env.ts";
import type { BenchTask } from "../task.ts";
import { SERVERS_INSIDE } from "./servers.ts";
import type { McpAtlasTask } from "./task.ts";

/**
 * The MCP side of one MCP-Atlas trial: a bwrap sandbox in the trial's image root (the task environment's /data and
 * WORKDIR, no network; only the allowlisted hosts of keyed servers through the egress proxy) with the servers'
 * read-only mounts, and the task's servers connected inside it with each one's allow list = the enabled tools.
 * `atlasNames` maps the names the model sees (mcp__<server>__<tool>) back to MCP-Atlas's names. An enabled tool no
 * server offers is an error: the task cannot run as written (a wrong name, or a server version without it).
 */
export interface AtlasSession {
  sandbox: Sandbox;
  mcp: McpConnection;
  atlasNames: Map<string, string>;
  close(): Promise<void>;
}

export class AtlasSetupError extends Error {}

export async function openAtlasSession(opts: {
  task: BenchTask & { mcpAtlas: McpAtlasTask };
  env: LocalEnvironment;
  scratchDir: string;
  trialDir: string;
  signal?: AbortSignal;
  maxProcesses?: number;
}): Promise<AtlasSession> {
  const { task, env } = opts;
  const atlas = task.mcpAtlas;
  const [{ createBwrapSandbox }, { connectMcpServers }] = await Promise.all([
    import("../../sandbox/bwrap.ts"),
    import("../../tools/mcp.ts"),
  ]);
  const egress = atlas.allowedHosts.length ? await startEgress(atlas.allowedHosts, opts.trialDir) : undefined;
  const runDir = join(opts.scratchDir, "mcp-run");
  mkdirSync(runDir, { recursive: true });
  const limits = resourceLimits(task.config);
  let sandbox: Sandbox | undefined;
  try {
    sandbox = await createBwrapSandbox({
      // Both lists mount the Node binary at the same place: keep one of each mount point.
      mounts: [...atlas.mounts, ...(egress?.attachment.mounts ?? [])].filter(
        (m, i, all) => all.findIndex((o) => o.inside === m.inside) === i,
      ),
      image: env.sandboxSpec("agent"),
      cpus: limits.cpus,
      memoryMb: limits.memory_mb,
      workdir: env.workdir,
      network: false,
      env: { ...env.env, ...(egress?.attachment.env ?? {}) },
      runDir,
      ...(opts.maxProcesses === undefined ? {} : { maxProcesses: opts.maxProcesses }),
      ...(egress ? { wrapArgv: egress.attachment.wrapArgv } : {}),
      onWarning: () => {},
    });
    const warnings: string[] = [];
    const mcp = await connectMcpServers(atlas.servers, {
      sandbox,
      ...(opts.signal ? { signal: opts.signal } : {}),
      maxDescriptionChars: 2000,
      onWarning: (m) => warnings.push(m),
    });
    const atlasNames = new Map<string, string>();
    for (const c of mcp.tokenCosts) {
      const t = atlas.tools.find((x) => x.server === c.server && x.tool === c.tool);
      if (t) atlasNames.set(c.name, t.name);
    }
    const offered = new Set(atlasNames.values());
    const missing = atlas.tools.filter((t) => !offered.has(t.name)).map((t) => t.name);
    if (warnings.length || missing.length) {
      await mcp.close().catch(() => {});
      const why = [...warnings, ...(missing.length ? [`enabled tools no server offers: ${missing.join(", ")}`] : [])];
      throw new AtlasSetupError(why.join("; "));
    }
    const box = sandbox;
    return {
      sandbox: box,
      mcp,
      atlasNames,
      async close() {
        await mcp.close().catch(() => {});
        await box.dispose().catch(() => {});
        await egress?.proxy.close().catch(() => {});
      },
    };
  } catch (err) {
    await sandbox?.dispose().catch(() => {});
    await egress?.proxy.close().catch(() => {});
    throw err;
  }
}

async function startEgress(hosts: string[], trialDir: string) {
  const [{ startEgressProxy }, { egressAttachment }, { parseEgressList }] = await Promise.all([
    import("../../sandbox/egress-proxy.ts"),
    import("../../sandbox/egress-sandbox.ts"),
    import("../../sandbox/egress-rules.ts"),
  ]);
  const proxy = await startEgressProxy({
    allow: parseEgressList(hosts.join(","), "allowed_hosts"),
    logFile: join(trialDir, "egress.jsonl"),
  });
  return { proxy, attachment: egressAttachment(proxy, { insideDir: `${SERVERS_INSIDE}/egress-tools` }) };
}
