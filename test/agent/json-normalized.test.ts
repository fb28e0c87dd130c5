import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cli } from "./cli-helpers.ts";
import { mock, mockConfigToml, mockEnv, tempDir } from "./helpers.ts";

/**
 * `--json` tool_call events carry the provider's own argument shape (`call`, e.g. openai.shell `{commands}`) and
 * beside it `normalized`, the tool's own arguments, so one consumer reads every provider alike.
 */
const CASES = [
  { protocol: "openai-responses", model: "openai/gpt-5.5" },
  { protocol: "anthropic-messages", model: "anthropic/claude-opus-4-7" },
  { protocol: "gemini", model: "google/gemini-3.1-pro-preview" },
  { protocol: "openai-chat", model: "local/coder" },
] as const;

describe("--json tool_call events: normalized arguments beside the native ones", () => {
  const tmp = tempDir("sy-json-norm-");
  after(() => tmp.cleanup());

  for (const c of CASES) {
    it(`${c.protocol}: bash and editor calls read the same in normalized form`, async () => {
      const server = await mock({
        turns: [
          {
            tool_calls: [
              { name: "bash", arguments: { command: "echo hi" } },
              { name: "editor", arguments: { command: "create", path: "/app/n.txt", file_text: "n\n" } },
            ],
          },
          { text: "ok" },
        ],
      });
      try {
        const ws = join(tmp.dir, c.protocol);
        const config = `${ws}.toml`;
        mkdirSync(ws, { recursive: true });
        writeFileSync(config, mockConfigToml(server.url));
        const r = await cli(
          ["run", "make n.txt", "--workspace", ws, "--model", c.model, "--config", config, "--json"],
          mockEnv(server.url),
        );
        assert.equal(r.code, 0, r.stderr);
        const calls = r.events.filter((e) => e.type === "tool_call");
        assert.equal(calls.length, 2);
        const [b, e] = calls;
        assert.ok(b?.type === "tool_call" && e?.type === "tool_call");
        assert.equal(b.call.name, "bash");
        assert.equal(b.normalized?.command, "echo hi", JSON.stringify(b));
        assert.equal(e.normalized?.command, "create");
        assert.equal(e.normalized?.path, "/app/n.txt");
        if (c.protocol === "openai-responses") {
          assert.equal(b.call.native, "openai.shell", "the native shape is kept");
          assert.deepEqual(b.call.arguments.commands, ["echo hi"]);
        }
      } finally {
        await server.close();
      }
    });
  }
});
