import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  assertUnchanged,
  cli,
  makeReadOnly,
  makeWorkspace,
  mock,
  mockConfigToml,
  mockEnv,
  snapshot,
  tempDir,
} from "./helpers.ts";

/**
 * Bad input: every command exits 2 with one line naming what is wrong (the file, the field, the value) and one
 * saying how to fix it; never a stack trace, never exit 1; and nothing is written: the workspace is unchanged and
 * no run folder is created.
 */
const ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  SWITCHYARD_NO_USER_CONFIG: "1",
  OPENAI_API_KEY: "test-key-not-secret-0001",
  OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
};

describe("faults: bad input to run and resume exits 2 and writes nothing", () => {
  const tmp = tempDir("sy-faults-bad-");
  after(() => tmp.cleanup());
  let n = 0;

  const cases: Array<{ name: string; args: (ws: string, dir: string) => string[]; says: RegExp }> = [
    {
      name: "a workspace that does not exist",
      args: (ws) => ["run", "x", "--workspace", join(ws, "nope")],
      says: /workspace not found: .*nope/,
    },
    {
      name: "a --spec file that does not exist",
      args: (ws, dir) => ["run", "--spec", join(dir, "missing.md"), "--workspace", ws],
      says: /missing\.md/,
    },
    {
      name: "malformed TOML in --config (names file, line and column)",
      args: (ws, dir) => {
        writeFileSync(join(dir, "bad.toml"), "model = \n");
        return ["run", "x", "--workspace", ws, "--config", join(dir, "bad.toml")];
      },
      says: /bad\.toml:1:\d+/,
    },
    {
      name: "an unknown key in the config (names the field)",
      args: (ws, dir) => {
        writeFileSync(join(dir, "unknown.toml"), "[run]\nmax_stepz = 3\n");
        return ["run", "x", "--workspace", ws, "--config", join(dir, "unknown.toml")];
      },
      says: /max_stepz/,
    },
    {
      name: "an unknown provider in --model",
      args: (ws) => ["run", "x", "--workspace", ws, "--model", "nope/zzz"],
      says: /unknown provider 'nope'/,
    },
    { name: "an unknown flag", args: (ws) => ["run", "x", "--workspace", ws, "--bogus"], says: /--bogus/ },
    {
      name: "a negative --max-steps",
      args: (ws) => ["run", "x", "--workspace", ws, "--max-steps", "-3"],
      says: /--max-steps/,
    },
    {
      name: "a non-numeric --budget-usd",
      args: (ws) => ["run", "x", "--workspace", ws, "--budget-usd", "abc"],
      says: /--budget-usd/,
    },
    { name: "a zero --timeout", args: (ws) => ["run", "x", "--workspace", ws, "--timeout", "0"], says: /--timeout/ },
    {
      name: "a --spec whose front matter is not YAML (names the file)",
      args: (ws, dir) => {
        writeFileSync(join(dir, "bad.md"), "---\ntitle: [oops\n---\nbody\n");
        return ["run", "--spec", join(dir, "bad.md"), "--workspace", ws];
      },
      says: /bad\.md: front matter: not valid YAML/,
    },
    {
      name: "a --spec with an unknown front-matter key (lists the known ones)",
      args: (ws, dir) => {
        writeFileSync(join(dir, "unk.md"), "---\ntitel: x\n---\nbody\n");
        return ["run", "--spec", join(dir, "unk.md"), "--workspace", ws];
      },
      says: /titel: unknown front-matter key[\s\S]*known keys: title/,
    },
    {
      name: "an --mcp-config file that does not exist",
      args: (ws, dir) => ["run", "x", "--workspace", ws, "--mcp-config", join(dir, "none.json")],
      says: /none\.json: cannot read MCP config/,
    },
    {
      name: "an unknown --sandbox",
      args: (ws) => ["run", "x", "--workspace", ws, "--sandbox", "vm"],
      says: /--sandbox/,
    },
    {
      name: "an unknown --approval mode",
      args: (ws) => ["run", "x", "--workspace", ws, "--approval", "maybe"],
      says: /--approval: "maybe"/,
    },
    {
      name: "a negative run.bash_timeout_s (names the field and line)",
      args: (ws, dir) => {
        writeFileSync(join(dir, "neg.toml"), "[run]\nbash_timeout_s = -5\n");
        return ["run", "x", "--workspace", ws, "--config", join(dir, "neg.toml")];
      },
      says: /neg\.toml:2: run\.bash_timeout_s/,
    },
    {
      name: "a run.disk_mb that is not a number",
      args: (ws, dir) => {
        writeFileSync(join(dir, "disk.toml"), '[run]\ndisk_mb = "lots"\n');
        return ["run", "x", "--workspace", ws, "--config", join(dir, "disk.toml")];
      },
      says: /run\.disk_mb/,
    },
    { name: "no task at all", args: (ws) => ["run", "--workspace", ws], says: /no task given/ },
    {
      name: "resume of a run id that does not exist",
      args: (ws) => ["resume", "nosuchrun", "--workspace", ws],
      says: /no run "nosuchrun"/,
    },
    {
      name: "apply of a run id that does not exist",
      args: (ws) => ["apply", "nosuchrun", "--workspace", ws],
      says: /nosuchrun/,
    },
  ];

  for (const c of cases) {
    it(`bad input: ${c.name}`, async () => {
      const dir = join(tmp.dir, `c${++n}`);
      const ws = makeWorkspace(join(dir, "ws"), { "a.txt": "keep me\n" });
      const before = snapshot(ws);
      const r = await cli(c.args(ws, dir), ENV);
      assert.equal(r.code, 2, `${r.stderr}\n${r.stdout}`);
      assert.match(r.stderr, c.says);
      assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, "no stack trace");
      assert.doesNotMatch(r.stderr, /internal error/i);
      assertUnchanged(ws, before);
      assert.ok(!existsSync(join(ws, ".switchyard", "runs")) || c.name.startsWith("resume"), "no run was created");
    });
  }

  it("bad input: an unwritable workspace exits 2 naming the path and the fix (not an internal error)", async () => {
    const dir = join(tmp.dir, "readonly");
    const ws = makeWorkspace(join(dir, "ws"), { "a.txt": "keep me\n" });
    const server = await mock({ turns: [{ text: "never asked" }] });
    const restore = makeReadOnly(ws);
    try {
      const config = join(dir, "c.toml");
      writeFileSync(config, mockConfigToml(server.url));
      const before = snapshot(ws);
      const r = await cli(
        ["run", "x", "--workspace", ws, "--model", "local/coder", "--config", config],
        mockEnv(server.url),
      );
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /not writable: .*readonly\/ws/);
      assert.match(r.stderr, /fix: .*writable/);
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.equal(server.requests.length, 0, "no model call was made");
      assertUnchanged(ws, before);
    } finally {
      restore();
      await server.close();
    }
  });
});
