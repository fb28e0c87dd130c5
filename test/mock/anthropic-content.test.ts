import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { assistant, isInvalidRequest, user } from "./anthropic-fixtures.ts";

type Params = Anthropic.MessageCreateParamsNonStreaming;
const schema = { type: "object" as const, properties: {} };

describe("mock: Anthropic Messages checks tools and content like the real API", () => {
  let mock: MockServer;
  let client: Anthropic;
  before(async () => {
    mock = await startMockServer({ script: parseMockScript({ turns: [{ text: "ok" }], after_last: { text: "ok" } }) });
    client = new Anthropic({ apiKey: "k", baseURL: mock.url, maxRetries: 0 });
  });
  after(() => mock.close());

  const create = (extra: Partial<Params>) =>
    client.messages.create({ model: "claude-test", max_tokens: 10, messages: [user("hi")], ...extra });

  test("a custom tool name outside the pattern, and a repeated name, are refused", async () => {
    await assert.rejects(
      create({
        tools: [
          { name: "bash", input_schema: schema },
          { name: "fs.read", input_schema: schema },
        ],
      }),
      isInvalidRequest("tools.1.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"),
    );
    await assert.rejects(
      create({ tools: [{ name: "x".repeat(129), input_schema: schema }] }),
      isInvalidRequest("tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"),
    );
    await assert.rejects(
      create({
        tools: [
          { name: "bash", input_schema: schema },
          { type: "bash_20250124", name: "bash" },
        ],
      }),
      isInvalidRequest("tools: Tool names must be unique."),
    );
    const ok = await create({ tools: [{ name: "mcp__srv__read-file", input_schema: schema }] });
    assert.equal(ok.content[0]?.type, "text");
  });

  test("empty text blocks, whitespace-only text and empty content are refused", async () => {
    await assert.rejects(
      create({ messages: [user([{ type: "text", text: "" }])] }),
      isInvalidRequest("messages: text content blocks must be non-empty"),
    );
    await assert.rejects(
      create({ messages: [user("hi"), assistant([{ type: "text", text: "  \n" }]), user("go on")] }),
      isInvalidRequest("messages: text content blocks must contain non-whitespace text"),
    );
    await assert.rejects(
      create({ messages: [user("hi"), assistant([]), user("go on")] }),
      isInvalidRequest(
        "messages.1: all messages must have non-empty content except for the optional final assistant message",
      ),
    );
  });

  test("a prefill may be empty but may not end with whitespace", async () => {
    const ok = await create({ messages: [user("hi"), assistant("")] });
    assert.equal(ok.type, "message");
    await assert.rejects(
      create({ messages: [user("hi"), assistant("The answer is ")] }),
      isInvalidRequest("messages: final assistant content cannot end with trailing whitespace"),
    );
  });

  test("a role other than user or assistant; system messages only from API version 2026-10-21", async () => {
    const system = { role: "system", content: "be brief" } as unknown as Anthropic.MessageParam;
    const old = new Anthropic({
      apiKey: "k",
      baseURL: mock.url,
      maxRetries: 0,
      defaultHeaders: { "anthropic-version": "2023-06-01" },
    });
    await assert.rejects(
      old.messages.create({ model: "claude-test", max_tokens: 10, messages: [system, user("hi")] }),
      isInvalidRequest("messages.0.role: Input should be 'user' or 'assistant'"),
    );
    const ok = await client.messages.create({ model: "claude-test", max_tokens: 10, messages: [system, user("hi")] });
    assert.equal(ok.content[0]?.type, "text");
    assert.equal(mock.requests.at(-1)?.headers["anthropic-version"], "2026-10-21");
  });

  test("a body over 32 MB: the front end's bare 413 request_too_large", async () => {
    const huge = "x".repeat(32 * 1024 * 1024 + 1);
    await assert.rejects(create({ messages: [user(huge)] }), (e: unknown) => {
      assert.ok(e instanceof Anthropic.APIError, `expected APIError, got ${String(e)}`);
      assert.equal(e.status, 413);
      assert.deepEqual(e.error, { error: { type: "request_too_large", message: "Request exceeds the maximum size" } });
      return true;
    });
    assert.equal(mock.requests.at(-1)?.status, 413);
  });

  test("thinking refuses a temperature other than 1 and forced tool use", async () => {
    const old = new Anthropic({
      apiKey: "k",
      baseURL: mock.url,
      maxRetries: 0,
      defaultHeaders: { "anthropic-version": "2023-06-01" },
    });
    const base = {
      model: "claude-sonnet-4-5",
      max_tokens: 4096,
      messages: [user("hi")],
      thinking: { type: "enabled" as const, budget_tokens: 2048 },
    };
    await assert.rejects(
      old.messages.create({ ...base, temperature: 0.2 } as Params),
      isInvalidRequest(
        "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking",
      ),
    );
    // SDK 1.x types drop the sampling parameters (API 2026-10-21); older API versions still take them.
    const ok = await old.messages.create({ ...base, temperature: 1 } as Params);
    assert.equal(ok.type, "message");
    const tools = [{ name: "bash", input_schema: schema }];
    await assert.rejects(
      create({ ...base, tools, tool_choice: { type: "any" } }),
      isInvalidRequest("Thinking may not be enabled when tool_choice forces tool use."),
    );
    const auto = await create({ ...base, tools, tool_choice: { type: "auto" } });
    assert.equal(auto.type, "message");
  });

  test("a request without anthropic-version is refused (every SDK sends it)", async () => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k" },
      body: JSON.stringify({ model: "claude-test", max_tokens: 10, messages: [user("hi")] }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { type: string; message: string } };
    assert.deepEqual(body.error, { type: "invalid_request_error", message: "anthropic-version: header is required" });
  });
});
