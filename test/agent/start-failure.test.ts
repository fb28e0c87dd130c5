import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { quotaUnavailable } from "../../src/sandbox/disk-quota.ts";
import { cli } from "./cli-helpers.ts";
import { mock, mockConfigToml, mockEnv, tempDir } from "./helpers.ts";

/**
 * A run that cannot start (no sandbox, a workspace bigger than its disk quota) has not run: it exits with the clear
 * error and leaves no run folder behind — before, a full copy of the workspace stayed in a folder without run.json,
 * which `switchyard runs` does not list and `discard` cannot remove.
 */
const tmp = tempDir("sy-start-failure-");
after(() => tmp.cleanup());

/** A PATH with every system command but `missing` (symlinks), as on a machine where it is not installed. */
function pathWithout(missing: string): string {
  const bin = join(tmp.dir, `bin-without-${missing}`);
  mkdirSync(bin, { recursive: true });
  for (const dir of ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name === missing || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

async function start(name: string, files: Record<string, string | Buffer>, env: NodeJS.ProcessEnv, toml = "") {
  const server = await mock({ turns: [{ text: "never" }] });
  try {
    const ws = join(tmp.dir, name);
    mkdirSync(ws, { recursive: true });
    for (const [rel, body] of Object.entries(files)) writeFileSync(join(ws, rel), body);
    const config = `${ws}.toml`;
    writeFileSync(config, `${mockConfigToml(server.url)}${toml}`);
    const r = await cli(
      ["run", "edit a.txt", "--workspace", ws, "--config", config, "--model", "local/coder", "--json"],
      { ...mockEnv(server.url), ...env },
    );
    const runs = join(ws, ".switchyard", "runs");
    return { r, left: existsSync(runs) ? readdirSync(runs) : [], requests: server.requests.length };
  } finally {
    await server.close();
  }
}

describe("a run that cannot start leaves nothing behind", () => {
  it("no bwrap: exit 2 naming it, no run folder", async () => {
    const { r, left, requests } = await start("no-bwrap", { "a.txt": "one\n" }, { PATH: pathWithout("bwrap") });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /bubblewrap \(bwrap\) is not installed/);
    assert.deepEqual(left, [], "no run folder with a copy of the workspace in it");
    assert.equal(requests, 0);
  });

  it("a workspace bigger than the disk quota: exit 2, no run folder", { skip: quotaUnavailable() }, async () => {
    const files = { "a.txt": "one\n", "blob.bin": Buffer.alloc(40 * 1024 * 1024, 1) };
    const { r, left } = await start("too-big", files, {}, "[run]\ndisk_mb = 16\n");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /does not fit the run's disk quota of 16 MB/);
    assert.deepEqual(left, []);
  });
});
