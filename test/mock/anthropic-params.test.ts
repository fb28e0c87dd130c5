import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { assistant, isInvalidRequest, user } from "./anthropic-fixtures.ts";

type Params = Anthropic.MessageCreateParamsNonStreaming;
const toolUse = (id: string): Anthropic.ToolUseBlockParam => ({ type: "tool_use", id, name: "bash", input: {} });
const toolResult = (id: string): Anthropic.ToolResultBlockParam => ({
  type: "tool_result",
  tool_use_id: id,
  content: "ok",
});
const tools: Anthropic.Tool[] = [{ name: "bash", input_schema: { type: "object", properties: {} } }];

describe("mock: Anthropic Messages rejects what the real API rejects", () => {
  let mock: MockServer;
  let client: Anthropic;
  before(async () => {
    mock = await startMockServer({ script: parseMockScript({ turns: [{ text: "ok" }], after_last: { text: "ok" } }) });
    client = new Anthropic({ apiKey: "k", baseURL: mock.url, maxRetries: 0 });
  });
  after(() => mock.close());

  test("an unknown top-level field: 400 '<field>: Extra inputs are not permitted'", async () => {
    const base = { model: "claude-test", max_tokens: 10, messages: [user("hi")] };
    await assert.rejects(
      client.messages.create({ ...base, max_output_tokens: 10 } as unknown as Params),
      isInvalidRequest("max_output_tokens: Extra inputs are not permitted"),
    );
    // `betas` is a header parameter: the GA resource leaves it in the body, where the API refuses it.
    await assert.rejects(
      client.messages.create({ ...base, betas: ["x"] } as unknown as Params),
      isInvalidRequest("betas: Extra inputs are not permitted"),
    );
    assert.equal(mock.requests.at(-1)?.status, 400);
  });

  test("beta-only fields are refused on the GA route and accepted through the beta resource", async () => {
    const context_management = { edits: [{ type: "clear_thinking_20251015" as const }] };
    const base = { model: "claude-test", max_tokens: 10, messages: [user("hi")] };
    await assert.rejects(
      client.messages.create({ ...base, context_management } as unknown as Params),
      isInvalidRequest("context_management: Extra inputs are not permitted"),
    );
    const m = await client.beta.messages.create({
      ...base,
      betas: ["context-management-2025-06-27", "mcp-client-2025-04-04"],
      context_management,
      mcp_servers: [{ type: "url", name: "docs", url: "https://example.invalid/mcp" }],
      container: "container_1",
    });
    assert.deepEqual(m.content, [{ type: "text", text: "ok", citations: null }]);
    // SDK 1.12 marks a beta request by its anthropic-beta header (older SDKs also add `?beta=true`).
    assert.equal(
      mock.requests.at(-1)?.headers["anthropic-beta"],
      "context-management-2025-06-27,mcp-client-2025-04-04",
    );
    // A body sent to `?beta=true` without the header is read as beta too.
    const res = await fetch(`${mock.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ ...base, context_management }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
  });

  test("missing model, max_tokens or messages: 400 '<field>: Field required'", async () => {
    const full = { model: "claude-test", max_tokens: 10, messages: [user("hi")] };
    for (const field of ["model", "max_tokens", "messages"] as const) {
      const { [field]: _dropped, ...body } = full;
      await assert.rejects(
        client.messages.create(body as unknown as Params),
        isInvalidRequest(`${field}: Field required`),
        field,
      );
    }
  });

  test("a tool_result answering no tool_use of the previous assistant turn is refused", async () => {
    const base = { model: "claude-test", max_tokens: 10, tools };
    await assert.rejects(
      client.messages.create({
        ...base,
        messages: [user("hi"), assistant([toolUse("toolu_a")]), user([toolResult("toolu_a"), toolResult("toolu_x")])],
      }),
      isInvalidRequest(
        "messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_x. " +
          "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
      ),
    );
    await assert.rejects(
      client.messages.create({ ...base, messages: [user([toolResult("toolu_a")])] }),
      isInvalidRequest(
        "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_a. " +
          "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
      ),
    );
  });

  test("an assistant turn whose tool_use blocks are not all answered in the next user turn is refused", async () => {
    const base = { model: "claude-test", max_tokens: 10, tools };
    const unanswered = (ids: string) =>
      isInvalidRequest(
        `messages.1: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${ids}. ` +
          "Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
      );
    await assert.rejects(
      client.messages.create({
        ...base,
        messages: [
          user("hi"),
          assistant([{ type: "text", text: "two" }, toolUse("toolu_a"), toolUse("toolu_b")]),
          user([toolResult("toolu_a"), { type: "text", text: "and b?" }]),
        ],
      }),
      unanswered("toolu_b"),
    );
    await assert.rejects(
      client.messages.create({
        ...base,
        messages: [user("hi"), assistant([toolUse("toolu_a"), toolUse("toolu_b")]), user("no results")],
      }),
      unanswered("toolu_a, toolu_b"),
    );
    await assert.rejects(
      client.messages.create({ ...base, messages: [user("hi"), assistant([toolUse("toolu_a")])] }),
      unanswered("toolu_a"),
    );
  });

  test("the results must open the next user turn: text before a tool_result is refused", async () => {
    await assert.rejects(
      client.messages.create({
        model: "claude-test",
        max_tokens: 10,
        messages: [
          user("hi"),
          assistant([toolUse("toolu_a"), toolUse("toolu_b")]),
          user([toolResult("toolu_a"), { type: "text", text: "note" }, toolResult("toolu_b")]),
        ],
      }),
      isInvalidRequest(
        "messages.2: Did not find 2 tool_result block(s) at the beginning of this message. Messages following tool_use blocks must begin with a matching number of tool_result blocks.",
      ),
    );
  });

  test("a valid SDK request using many fields and a paired tool history still passes (stream too)", async () => {
    const params: Params = {
      model: "claude-test",
      max_tokens: 4096,
      system: [{ type: "text", text: "rules", cache_control: { type: "ephemeral" } }],
      messages: [
        user("hi"),
        assistant([{ type: "text", text: "running" }, toolUse("toolu_a"), toolUse("toolu_b")]),
        user([toolResult("toolu_b"), toolResult("toolu_a"), { type: "text", text: "go on" }]),
      ],
      tools,
      tool_choice: { type: "auto", disable_parallel_tool_use: false },
      thinking: { type: "enabled", budget_tokens: 2048 },
      output_config: { effort: "low" },
      cache_control: { type: "ephemeral" },
      stop_sequences: ["END"],
      metadata: { user_id: "u1" },
      service_tier: "auto",
      inference_geo: "us",
    };
    const m = await client.messages.create(params);
    assert.deepEqual(m.content, [{ type: "text", text: "ok", citations: null }]);
    const streamed = await client.messages.stream(params).finalMessage();
    assert.equal(streamed.stop_reason, "end_turn");
  });

  test("sampling parameters pass on API versions before 2026-10-21", async () => {
    const old = new Anthropic({
      apiKey: "k",
      baseURL: mock.url,
      maxRetries: 0,
      defaultHeaders: { "anthropic-version": "2023-06-01" },
    });
    const body = {
      model: "claude-test",
      max_tokens: 10,
      messages: [user("hi")],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 5,
    } as unknown as Params;
    const m = await old.messages.create(body);
    assert.equal(m.content[0]?.type, "text");
    await assert.rejects(client.messages.create(body), isInvalidRequest("temperature: Extra inputs are not permitted"));
  });
});
