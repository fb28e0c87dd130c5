import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cli } from "../agent/cli-helpers.ts";
import { mock, mockConfigToml, mockEnv, tempDir } from "../agent/helpers.ts";

/**
 * The editor takes paths relative to the workspace root, as Anthropic's text-editor documentation writes them
 * (`"path": "primes.py"`), through the native tool (Anthropic Messages) and the function editor (every other
 * protocol), over HTTP against the mock. Leaving the workspace stays refused exactly as with absolute paths.
 */
const CASES = [
  { protocol: "anthropic-messages", model: "anthropic/claude-opus-4-7", native: "anthropic.text_editor" },
  { protocol: "openai-responses", model: "openai/gpt-5.5", native: undefined },
  { protocol: "gemini", model: "google/gemini-3.1-pro-preview", native: undefined },
  { protocol: "openai-chat", model: "local/coder", native: undefined },
] as const;

const edit = (args: Record<string, unknown>) => ({ tool_calls: [{ name: "editor", arguments: args }] });

describe("editor paths relative to the workspace, every protocol", () => {
  const tmp = tempDir("sy-editor-rel-");
  after(() => tmp.cleanup());

  for (const c of CASES) {
    it(`${c.protocol}${c.native ? " (native text editor)" : " (function editor)"}: create, edit and view primes.py`, async () => {
      const server = await mock({
        turns: [
          edit({ command: "create", path: "primes.py", file_text: "def is_prime(n):\n    return False\n" }),
          edit({ command: "str_replace", path: "primes.py", old_str: "return False", new_str: "return n > 1" }),
          edit({ command: "view", path: "primes.py" }),
          edit({ command: "create", path: "../escape.txt", file_text: "out" }),
          edit({ command: "create", path: "sub/../../escape2.txt", file_text: "out" }),
          { text: "primes.py written" },
        ],
      });
      try {
        const dir = join(tmp.dir, c.protocol);
        const ws = join(dir, "ws");
        mkdirSync(ws, { recursive: true });
        const config = join(dir, "c.toml");
        writeFileSync(config, mockConfigToml(server.url));
        const r = await cli(
          ["run", "write primes.py", "--workspace", ws, "--model", c.model, "--config", config, "--json", "--apply"],
          mockEnv(server.url),
        );
        assert.equal(r.code, 0, r.stderr);
        const calls = r.events.filter((e) => e.type === "tool_call");
        for (const e of calls) assert.ok(e.type === "tool_call" && e.call.native === c.native, JSON.stringify(e));
        const results = r.events.flatMap((e) => (e.type === "tool_result" ? [e.result] : []));
        assert.equal(results.length, 5);
        const texts = results.map((x) => x.content.map((p) => (p.type === "text" ? p.text : "")).join(""));
        assert.deepEqual(
          results.map((x) => x.isError),
          [false, false, false, true, true],
          texts.join("\n---\n"),
        );
        assert.match(texts[2] ?? "", /return n > 1/);
        for (const t of texts.slice(3)) assert.match(t, /not writable/);
        assert.equal(readFileSync(join(ws, "primes.py"), "utf8"), "def is_prime(n):\n    return n > 1\n");
        assert.ok(!existsSync(join(dir, "escape.txt")) && !existsSync(join(dir, "escape2.txt")));
      } finally {
        await server.close();
      }
    });
  }
});
