import { isIP } from "node:net";
import { ConfigError } from "../core/errors.ts";

/**
 * The egress allowlist: which `host:port` a network-off sandbox may reach through the egress proxy
 * (egress-proxy.ts). An entry is `host` (ports 80 and 443), `host:port`, `[v6]:port` or `*.domain[:port]` (any
 * subdomain, not the domain itself). Host names compare case-insensitively, without a trailing dot.
 */
export interface EgressRule {
  /** Lower-case host name or IP literal (IPv6 without brackets); `*.example.com` for a suffix match. */
  host: string;
  /** undefined: the web ports 80 and 443. */
  port?: number;
}

const WEB_PORTS = [80, 443];
const HOST_NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Parse one allowlist entry; `field` names where it came from for the error (e.g. "--network"). */
export function parseEgressRule(entry: string, field: string): EgressRule {
  const raw = entry.trim().toLowerCase();
  const fail = (why: string): never => {
    throw new ConfigError(`${field}: "${entry}" ${why}`, {
      field,
      hint: "list hosts as HOST, HOST:PORT or *.DOMAIN, e.g. allow=pypi.org,files.pythonhosted.org,127.0.0.1:8080",
    });
  };
  if (raw === "") fail("is empty");
  if (raw.includes("://") || raw.includes("/")) fail("must be a host, not a URL");
  let host = raw;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  if (v6) {
    host = v6[1] ?? "";
    if (v6[2] !== undefined) port = Number(v6[2]);
    if (isIP(host) !== 6) fail("is not an IPv6 address");
  } else if (isIP(raw) === 6) {
    host = raw;
  } else {
    const colon = raw.lastIndexOf(":");
    if (colon >= 0) {
      host = raw.slice(0, colon);
      const p = raw.slice(colon + 1);
      if (!/^\d+$/.test(p)) fail("has a port that is not a number");
      port = Number(p);
    }
    host = host.replace(/\.$/, "");
    if (isIP(host) === 0 && !HOST_NAME.test(host)) fail("is not a host name");
  }
  if (port !== undefined && !(port >= 1 && port <= 65535)) fail("has a port outside 1-65535");
  return port === undefined ? { host } : { host, port };
}

/** `allow=a,b` or a comma list → rules (the empty string gives none). */
export function parseEgressList(list: string, field: string): EgressRule[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parseEgressRule(s, field));
}

/** The rule that lets a sandbox reach a base URL's host and port (http 80, https 443 by default). */
export function ruleForUrl(url: string): EgressRule {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = u.port ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
  return { host, port };
}

export function describeRule(r: EgressRule): string {
  const h = isIP(r.host) === 6 ? `[${r.host}]` : r.host;
  return r.port === undefined ? h : `${h}:${r.port}`;
}

/** Normalise a requested host (strip brackets and a trailing dot, lower-case). */
export function normalizeHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
}

/** The first rule that admits host:port, if any. */
export function matchRule(rules: EgressRule[], host: string, port: number): EgressRule | undefined {
  const h = normalizeHost(host);
  return rules.find((r) => {
    // "*" (internal: a task that asks for the whole internet) admits every host and port, still through the proxy.
    if (r.host === "*") return true;
    const portOk = r.port === undefined ? WEB_PORTS.includes(port) : r.port === port;
    if (!portOk) return false;
    if (r.host.startsWith("*.")) return h.endsWith(r.host.slice(1)) && h.length > r.host.length - 1;
    return r.host === h;
  });
}

/** Loopback, private, link-local, unspecified or carrier-grade NAT: an address a public name must not resolve to. */
export function isPrivateAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, "");
  if (isIP(a) === 4) {
    const [p, q] = a.split(".").map(Number) as [number, number];
    return (
      p === 0 ||
      p === 10 ||
      p === 127 ||
      (p === 100 && q >= 64 && q <= 127) ||
      (p === 169 && q === 254) ||
      (p === 172 && q >= 16 && q <= 31) ||
      (p === 192 && q === 168)
    );
  }
  return a === "::" || a === "::1" || a.startsWith("fe8") || a.startsWith("fe9") || /^f[cd]/.test(a);
}

/** A host that names the machine itself: an IP literal in a private range or `localhost`. */
export function isLocalHost(host: string): boolean {
  const h = normalizeHost(host);
  return h === "localhost" || h.endsWith(".localhost") || (isIP(h) !== 0 && isPrivateAddress(h));
}
