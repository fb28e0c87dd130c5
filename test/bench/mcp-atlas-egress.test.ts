import assert from "node:assert/strict";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runJob } from "../../src/bench/job.ts";
import { loadAtlasSuite } from "../../src/bench/mcp-atlas/suite.ts";
import { ROOT } from "../mcp/helpers.ts";

/**
 * A server that needs a key and the network: defined in mcp-atlas.toml with `keys` and `allowed_hosts`, skipped
 * without the key, and run with it inside the trial's sandbox, reaching only the allowlisted host through the egress
 * proxy (two local HTTP servers on 127.0.0.1: one allowed, one not).
 */
const out = mkdtempSync(join(tmpdir(), "sy-atlas-egress-"));
chmodSync(out, 0o711);
after(() => rmSync(out, { recursive: true, force: true }));

async function listen(body: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(body));
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, port: (server.address() as AddressInfo).port };
}

test("a keyed, networked server runs with the user's key through the egress allowlist; other hosts are refused", async () => {
  const allowed = await listen("hello from the allowed host");
  const denied = await listen("you should not see this");
  try {
    const dir = mkdtempSync(join(out, "suite-"));
    cpSync(join(ROOT, "tasks", "mcp-atlas", "environment"), join(dir, "environment"), { recursive: true });
    copyFileSync(
      join(import.meta.dirname, "fixtures", "fetch-mcp-server.mjs"),
      join(dir, "environment", "data", "fetch-mcp-server.mjs"),
    );
    writeFileSync(
      join(dir, "mcp-atlas.toml"),
      [
        'tasks = ["tasks.jsonl"]',
        "[servers.fetcher]",
        'command = "/.switchyard-mcp/node"',
        'args = ["/data/fetch-mcp-server.mjs"]',
        'keys = ["DEMO_KEY"]',
        `allowed_hosts = ["127.0.0.1:${allowed.port}"]`,
      ].join("\n"),
    );
    const row = {
      TASK: "egress",
      PROMPT: "Fetch both pages and tell me what they say.",
      ENABLED_TOOLS: ["fetcher_fetch_url", "fetcher_key_length", "filesystem_read_text_file"],
      GTFA_CLAIMS: [
        { claim: "The allowed page greets", match: { type: "string", value: "hello from the allowed host" } },
      ],
      GTFA: "The first page says: hello from the allowed host. The second could not be fetched.",
      TRAJECTORY: [
        { tool: "fetcher_key_length", arguments: {} },
        { tool: "fetcher_fetch_url", arguments: { url: `http://127.0.0.1:${allowed.port}/` } },
        { tool: "fetcher_fetch_url", arguments: { url: `http://127.0.0.1:${denied.port}/` } },
      ],
    };
    writeFileSync(join(dir, "tasks.jsonl"), `${JSON.stringify(row)}\n`);
    const { DEMO_KEY: _drop, ...noKey } = process.env;
    assert.match(loadAtlasSuite(dir, noKey).tasks[0]?.mcpAtlas?.skip ?? "", /'fetcher' needs DEMO_KEY/);
    process.env.DEMO_KEY = "s3cr3";
    try {
      const { trials, jobDir } = await runJob({
        paths: [dir],
        agents: [{ kind: "oracle" }],
        k: 1,
        n: 1,
        resume: false,
        timeoutMultiplier: 1,
        env: "local",
        strictEnv: false,
        reports: false,
        outDir: out,
        jobName: "egress",
        resultsDb: false,
      });
      const t = trials[0];
      assert.equal(t?.exception_info, null, JSON.stringify(t?.exception_info));
      const trialDir = join(jobDir, t?.trial_name ?? "");
      const results = readFileSync(join(trialDir, "transcript.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map(
          (l) => JSON.parse(l) as { type: string; result?: { isError?: boolean; content: Array<{ text?: string }> } },
        )
        .filter((e) => e.type === "tool_result")
        .map((e) => ({ error: e.result?.isError === true, text: e.result?.content.map((p) => p.text).join("") ?? "" }));
      assert.match(results[0]?.text ?? "", /DEMO_KEY has 5 characters/, "the user's key reached the server");
      assert.match(results[1]?.text ?? "", /HTTP 200: hello from the allowed host/);
      assert.equal(results[2]?.error, true, "the host off the allowlist is refused");
      assert.doesNotMatch(results[2]?.text ?? "", /you should not see this/);
      assert.ok(existsSync(join(trialDir, "egress.jsonl")), "the proxy's decisions are logged in the trial");
      assert.doesNotMatch(readFileSync(join(trialDir, "transcript.jsonl"), "utf8"), /s3cr3/);
    } finally {
      delete process.env.DEMO_KEY;
    }
  } finally {
    allowed.server.close();
    denied.server.close();
  }
});
