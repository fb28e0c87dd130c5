import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BwrapMount } from "./bwrap-args.ts";
import { EGRESS_SOCKET_NAME, type EgressProxy } from "./egress-proxy.ts";
import { isLocalHost } from "./egress-rules.ts";

/**
 * What a bwrap sandbox needs to reach the egress proxy from inside its empty network namespace: the proxy's
 * folder, the forwarder script and a Node binary mounted read-only under /.switchyard-tools (/.switchyard holds the
 * image root's run-as helper), the proxy variables every common client reads, and an argv wrapper that starts the
 * forwarder in front of the command (each bwrap invocation has its own network namespace, so the forwarder must
 * live in the same one as the command).
 *
 * Loopback endpoints on the allowlist with an explicit port (the mock on 127.0.0.1:PORT, a local model server) get a
 * tunnel on the same port inside, so their base URL works unchanged and clients that bypass proxies for loopback
 * (NO_PROXY defaults, Node's fetch without NODE_USE_ENV_PROXY) still reach them through the proxy.
 */
export const SANDBOX_TOOLS_DIR = "/.switchyard-tools";
export const SANDBOX_NODE = `${SANDBOX_TOOLS_DIR}/node/bin/node`;
const INSIDE_EGRESS_DIR = `${SANDBOX_TOOLS_DIR}/egress`;
const INSIDE_FORWARDER = `${SANDBOX_TOOLS_DIR}/egress-forwarder.mjs`;
/** The proxy port inside the sandbox (its own network namespace: no clash with the host). */
const DEFAULT_PROXY_PORT = 3128;

export const FORWARDER_SCRIPT = fileURLToPath(new URL("./egress-forwarder.mjs", import.meta.url));

export interface EgressAttachment {
  mounts: BwrapMount[];
  env: Record<string, string>;
  /** The proxy URL inside the sandbox (http://127.0.0.1:PORT). */
  proxyUrl: string;
  wrapArgv(argv: string[]): string[];
}

/** The Node binary mounted into sandboxes (the one running Switchyard: Node >= 24). */
export function sandboxNodeMount(nodeBinary = process.execPath): BwrapMount {
  if (!existsSync(nodeBinary)) throw new Error(`node binary ${nodeBinary} not found`);
  return { host: nodeBinary, inside: SANDBOX_NODE, mode: "ro" };
}

/**
 * `insideDir` (default /.switchyard) is where the tools are mounted inside; a bench trial's image root binds its own
 * read-only folder at /.switchyard, so bench MCP servers mount them elsewhere (src/bench/mcp-atlas/session.ts).
 */
export function egressAttachment(
  proxy: EgressProxy,
  opts: { nodeBinary?: string; insideDir?: string } = {},
): EgressAttachment {
  const dir = opts.insideDir ?? SANDBOX_TOOLS_DIR;
  const inside = (p: string) => (dir === SANDBOX_TOOLS_DIR ? p : `${dir}${p.slice(SANDBOX_TOOLS_DIR.length)}`);
  const tunnels = proxy.allow
    .filter((r) => r.port !== undefined && isLocalHost(r.host) && !r.host.startsWith("*."))
    .map((r) => ({
      port: r.port as number,
      target: r.host.includes(":") ? `[${r.host}]:${r.port}` : `${r.host}:${r.port}`,
    }));
  const used = new Set(tunnels.map((t) => t.port));
  let proxyPort = DEFAULT_PROXY_PORT;
  while (used.has(proxyPort)) proxyPort++;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const config = { socket: `${inside(INSIDE_EGRESS_DIR)}/${EGRESS_SOCKET_NAME}`, proxyPort, tunnels };
  // Loopback goes straight to the tunnels (no proxy hop); everything else through the proxy. Both forms of each
  // variable: curl reads only the lower-case http_proxy, most other clients either.
  const noProxy = tunnels.length ? "127.0.0.1,localhost,::1" : "";
  const env: Record<string, string> = {
    HTTP_PROXY: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
    // Node >= 24: fetch and http honour the proxy variables only with this set.
    NODE_USE_ENV_PROXY: "1",
  };
  return {
    mounts: [
      { host: proxy.dir, inside: inside(INSIDE_EGRESS_DIR), mode: "ro" },
      { host: FORWARDER_SCRIPT, inside: inside(INSIDE_FORWARDER), mode: "ro" },
      { ...sandboxNodeMount(opts.nodeBinary), inside: inside(SANDBOX_NODE) },
    ],
    env,
    proxyUrl,
    wrapArgv: (argv) => [inside(SANDBOX_NODE), inside(INSIDE_FORWARDER), JSON.stringify(config), "--", ...argv],
  };
}
