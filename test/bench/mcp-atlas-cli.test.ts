import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

/** `switchyard bench` flags of MCP-Atlas-style tasks: bad input exits 2 with one line and a fix, before any trial. */
const repo = new URL("../../", import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), "sy-atlas-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));

function bench(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [join(repo, "bin", "switchyard.js"), "bench", ...args], {
    cwd: root,
    env: { ...env, SWITCHYARD_RESULTS_DB: join(root, "results.sqlite"), SWITCHYARD_NO_USER_CONFIG: "1" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stderr: r.stderr };
}

const SUITE = join(repo, "tasks", "mcp-atlas");

test("--judge with a model whose key is missing, and a malformed --mcp-url, exit 2 before any trial runs", () => {
  const { ANTHROPIC_API_KEY: _k, ...env } = process.env;
  const noKey = bench(
    [SUITE, "--agent", "nop", "--judge", "anthropic/claude-opus-4-7", "--out", join(root, "j1")],
    env,
  );
  assert.equal(noKey.code, 2, noKey.stderr);
  assert.match(noKey.stderr, /switchyard: ANTHROPIC_API_KEY is not set\n {2}fix: /);
  const badUrl = bench([SUITE, "--agent", "nop", "--mcp-url", "mcp-server", "--out", join(root, "j2")], env);
  assert.equal(badUrl.code, 2, badUrl.stderr);
  assert.match(badUrl.stderr, /--mcp-url mcp-server: expected NAME=URL\n {2}fix: write --mcp-url mcp-server=http/);
});
