import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createBwrapSandbox } from "../../src/sandbox/bwrap.ts";
import { type EgressProxy, startEgressProxy } from "../../src/sandbox/egress-proxy.ts";
import { parseEgressList, parseEgressRule, ruleForUrl } from "../../src/sandbox/egress-rules.ts";
import { egressAttachment, SANDBOX_NODE } from "../../src/sandbox/egress-sandbox.ts";

const isRoot = process.getuid?.() === 0;

/** A plain HTTP server on a free loopback port that answers "hello <path>". */
async function helloServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => res.end(`hello ${req.url}`));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as { port: number }).port };
}

describe("egress allowlist entries", () => {
  it("parses hosts, ports, IPv6 and wildcards and rejects URLs", () => {
    assert.deepEqual(parseEgressRule("PyPI.org", "--network"), { host: "pypi.org" });
    assert.deepEqual(parseEgressRule("127.0.0.1:8787", "--network"), { host: "127.0.0.1", port: 8787 });
    assert.deepEqual(parseEgressRule("[::1]:9", "--network"), { host: "::1", port: 9 });
    assert.deepEqual(parseEgressRule("*.githubusercontent.com", "--network"), { host: "*.githubusercontent.com" });
    assert.deepEqual(parseEgressList("a.com, b.com:8080,", "x"), [{ host: "a.com" }, { host: "b.com", port: 8080 }]);
    assert.throws(
      () => parseEgressRule("https://pypi.org/simple", "--network"),
      /--network: .*must be a host, not a URL/,
    );
    assert.throws(() => parseEgressRule("a.com:99999", "--network"), /outside 1-65535/);
    assert.throws(() => parseEgressRule("bad host", "--network"), /not a host name/);
    assert.deepEqual(ruleForUrl("http://127.0.0.1:8787/v1"), { host: "127.0.0.1", port: 8787 });
    assert.deepEqual(ruleForUrl("https://api.openai.com/v1"), { host: "api.openai.com", port: 443 });
  });
});

describe("egress proxy on the host", () => {
  let target: { server: Server; port: number };
  let other: { server: Server; port: number };
  let proxy: EgressProxy;
  let log: string;
  let dir: string;
  before(async () => {
    target = await helloServer();
    other = await helloServer();
    dir = mkdtempSync(join(tmpdir(), "egress-test-"));
    log = join(dir, "egress.jsonl");
    proxy = await startEgressProxy({
      allow: [{ host: "127.0.0.1", port: target.port }, { host: "api.example.test" }, { host: "rebind.example.test" }],
      logFile: log,
      lookup: async (host) => (host === "rebind.example.test" ? ["127.0.0.1"] : ["203.0.113.7"]),
    });
  });
  after(async () => {
    await proxy.close();
    target.server.close();
    other.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One raw request over the proxy's unix socket; returns the response head + body. */
  async function raw(text: string): Promise<string> {
    const { connect } = await import("node:net");
    return new Promise((resolve, reject) => {
      const s = connect(proxy.socketPath);
      let out = "";
      s.on("data", (d) => {
        out += d.toString();
      });
      s.on("end", () => resolve(out));
      s.on("error", reject);
      s.write(text);
      setTimeout(() => s.end(), 1500).unref();
    });
  }

  it("forwards an allowlisted absolute-form request and refuses other loopback ports and names", async () => {
    const ok = await raw(
      `GET http://127.0.0.1:${target.port}/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    assert.match(ok, /^HTTP\/1\.1 200/);
    assert.match(ok, /hello \/x/);
    const refused = await raw(`GET http://127.0.0.1:${other.port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(refused, /^HTTP\/1\.1 403/);
    assert.match(refused, /not on the allowlist.*--network allow=HOST/s);
    const named = await raw("CONNECT evil.example.test:443 HTTP/1.1\r\nHost: evil.example.test:443\r\n\r\n");
    assert.match(named, /^HTTP\/1\.1 403/);
    const rebound = await raw("CONNECT rebind.example.test:443 HTTP/1.1\r\nHost: rebind.example.test\r\n\r\n");
    assert.match(rebound, /^HTTP\/1\.1 403/);
    assert.match(rebound, /resolves to a private address \(127\.0\.0\.1\)/);
    const lines = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((e) => [e.action, e.method, e.host, e.port]),
      [
        ["allowed", "GET", "127.0.0.1", target.port],
        ["refused", "GET", "127.0.0.1", other.port],
        ["refused", "CONNECT", "evil.example.test", 443],
        ["refused", "CONNECT", "rebind.example.test", 443],
      ],
    );
  });

  it("tunnels CONNECT to an allowlisted port", async () => {
    const out = await raw(
      `CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /tunnelled HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    assert.match(out, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.match(out, /hello \/tunnelled/);
  });
});

describe("egress allowlist from inside a network-off bwrap sandbox", { skip: !isRoot && "needs root" }, () => {
  it("reaches only the allowlisted loopback endpoint; other ports and DNS names are refused and logged", async () => {
    const target = await helloServer();
    const other = await helloServer();
    const dir = mkdtempSync(join(tmpdir(), "egress-sbx-"));
    const app = join(dir, "app");
    mkdirSync(app);
    const log = join(dir, "egress.jsonl");
    const proxy = await startEgressProxy({ allow: [{ host: "127.0.0.1", port: target.port }], logFile: log });
    const egress = egressAttachment(proxy);
    const sandbox = await createBwrapSandbox({
      mounts: [{ host: app, inside: "/app", mode: "rw" }, ...egress.mounts],
      workdir: "/app",
      runDir: join(dir, "run"),
      env: egress.env,
      wrapArgv: egress.wrapArgv,
      onWarning: () => {},
    });
    try {
      const code = (url: string, extra = "") =>
        `curl -s -m 10 ${extra} -o /dev/null -w '%{http_code}' ${url}; echo " exit $?"`;
      const r = await sandbox.exec(
        [
          `curl -s -m 10 http://127.0.0.1:${target.port}/direct; echo`,
          `curl -s -m 10 --noproxy '' http://127.0.0.1:${target.port}/proxied; echo`,
          code(`http://127.0.0.1:${other.port}/`, "--noproxy ''"),
          code(`http://127.0.0.1:${other.port}/`),
          code("https://example.com/"),
          code("http://example.com/"),
          `${SANDBOX_NODE} -e 'fetch("http://127.0.0.1:${target.port}/node").then(r=>r.text()).then(t=>console.log(t))'`,
        ].join("; "),
        { timeoutMs: 60_000 },
      );
      const lines = r.stdout.trim().split("\n");
      assert.equal(lines[0], "hello /direct", r.stdout + r.stderr);
      assert.equal(lines[1], "hello /proxied");
      assert.equal(lines[2], "403 exit 0", "another loopback port through the proxy is refused");
      assert.equal(lines[3], "000 exit 7", "another loopback port directly: nothing listens inside");
      assert.match(lines[4] ?? "", /^(403|000) exit 56$/, "CONNECT to a DNS name is refused");
      assert.equal(lines[5], "403 exit 0");
      assert.equal(lines[6], "hello /node");
      const events = readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const refused = events.filter((e) => e.action === "refused").map((e) => `${e.host}:${e.port}`);
      assert.deepEqual(refused, [`127.0.0.1:${other.port}`, "example.com:443", "example.com:80"]);
      assert.ok(events.filter((e) => e.action === "allowed").length >= 3);
    } finally {
      await sandbox.dispose();
      await proxy.close();
      target.server.close();
      other.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
