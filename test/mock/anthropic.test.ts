import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { twoTurnScript } from "./fixtures.ts";

const tools: Anthropic.Tool[] = ["read_file", "list_dir"].map((name) => ({
  name,
  description: name,
  input_schema: { type: "object", properties: { path: { type: "string" } } },
}));

function checkTurnZero(m: Anthropic.Message): void {
  assert.equal(m.stop_reason, "tool_use");
  assert.deepEqual(
    m.content.map((b) => b.type),
    ["thinking", "text", "tool_use", "tool_use"],
  );
  const [thinking, text, t1, t2] = m.content;
  assert.ok(thinking?.type === "thinking");
  assert.equal(thinking.thinking, "The user wants the file and the listing.");
  assert.ok(thinking.signature.length > 0);
  assert.ok(text?.type === "text");
  assert.equal(text.text, "Let me look at both.");
  assert.ok(t1?.type === "tool_use" && t2?.type === "tool_use");
  assert.deepEqual([t1.id, t1.name, t1.input], ["toolu_0_0", "read_file", { path: "a.txt" }]);
  assert.deepEqual([t2.id, t2.name, t2.input], ["toolu_0_1", "list_dir", { path: ".", depth: 2 }]);
  assert.equal(m.usage.input_tokens, 50, "uncached input only");
  assert.equal(m.usage.cache_read_input_tokens, 30);
  assert.equal(m.usage.cache_creation_input_tokens, 20);
  assert.equal(m.usage.output_tokens, 40);
}

describe("mock: Anthropic Messages through the official SDK", () => {
  let mock: MockServer;
  let client: Anthropic;
  before(async () => {
    mock = await startMockServer({ script: twoTurnScript() });
    client = new Anthropic({ apiKey: "test-key", baseURL: mock.url, maxRetries: 0 });
  });
  after(() => mock.close());

  test("messages.create (non-stream): thinking, text, two tool_use blocks, usage with cache tokens", async () => {
    const m = await client.messages.create({
      model: "claude-test",
      max_tokens: 1024,
      messages: [{ role: "user", content: "look around" }],
      tools,
    });
    checkTurnZero(m);
    const logged = mock.requests.at(-1);
    assert.equal(logged?.headers["anthropic-version"], "2026-10-21");
    assert.equal(logged?.headers.authorization, "[redacted]");
  });

  test("messages.stream().finalMessage() accumulates the same message; raw events are well-formed", async () => {
    const stream = client.messages.stream({
      model: "claude-test",
      max_tokens: 1024,
      messages: [{ role: "user", content: "look around" }],
      tools,
    });
    const types: string[] = [];
    stream.on("streamEvent", (e) => types.push(e.type));
    const m = await stream.finalMessage();
    checkTurnZero(m);
    assert.equal(types[0], "message_start");
    assert.equal(types.at(-1), "message_stop");
    assert.ok(types.includes("message_delta"));
  });

  test("messages.create stream:true and x-api-key auth with the old version header", async () => {
    const old = new Anthropic({
      apiKey: null,
      authToken: null,
      baseURL: mock.url,
      maxRetries: 0,
      defaultHeaders: { "x-api-key": "k", "anthropic-version": "2023-06-01" },
    });
    const s = await old.messages.create({
      model: "claude-test",
      // Room for the scripted answer: the mock, like the real API, stops a response at max_tokens.
      max_tokens: 1024,
      messages: [{ role: "user", content: "look around" }],
      // @ts-expect-error removed from the 2026-10-21 request type; older versions still accept it
      temperature: 0.5,
      stream: true,
    });
    let text = "";
    let stop: string | null = null;
    for await (const e of s) {
      if (e.type === "content_block_delta" && e.delta.type === "text_delta") text += e.delta.text;
      if (e.type === "message_delta") stop = e.delta.stop_reason;
    }
    assert.equal(text, "Let me look at both.");
    assert.equal(stop, "tool_use");
    const logged = mock.requests.at(-1);
    assert.equal(logged?.headers["x-api-key"], "[redacted]");
    assert.equal(logged?.headers.authorization, undefined);
  });

  test("API version 2026-10-21 rejects temperature with a 400 invalid_request_error", async () => {
    await assert.rejects(
      client.messages.create({
        model: "claude-test",
        max_tokens: 10,
        messages: [{ role: "user", content: "x" }],
        // @ts-expect-error removed from the 2026-10-21 request type; sent on purpose
        temperature: 0.2,
      }),
      (err: unknown) =>
        err instanceof Anthropic.BadRequestError &&
        (err.error as { error?: { type?: string } }).error?.type === "invalid_request_error",
    );
  });

  test("history: assistant messages count turns", async () => {
    const m = await client.messages.create({
      model: "claude-test",
      max_tokens: 1024,
      messages: [
        { role: "user", content: "look around" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_0_0", name: "read_file", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_0_0", content: "a" }] },
      ],
    });
    assert.equal(m.stop_reason, "end_turn");
    assert.deepEqual(m.content, [{ type: "text", text: "All done here.", citations: null }]);
  });

  test("native tools: bash and editor map to the offered Anthropic tool names", async () => {
    mock.setScript(
      parseMockScript({
        turns: [
          {
            tool_calls: [
              { name: "bash", arguments: { command: "ls -la" } },
              { name: "editor", arguments: { command: "view", path: "/app/a.txt" } },
            ],
          },
        ],
      }),
    );
    try {
      const m = await client.messages
        .stream({
          model: "claude-test",
          max_tokens: 1024,
          messages: [{ role: "user", content: "native" }],
          tools: [
            { type: "bash_20250124", name: "bash" },
            { type: "text_editor_20250728", name: "str_replace_based_edit_tool" },
          ],
        })
        .finalMessage();
      const uses = m.content.flatMap((b) => (b.type === "tool_use" ? [[b.name, b.input]] : []));
      assert.deepEqual(uses, [
        ["bash", { command: "ls -la" }],
        ["str_replace_based_edit_tool", { command: "view", path: "/app/a.txt" }],
      ]);
    } finally {
      mock.setScript(twoTurnScript());
    }
  });
});
