import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";

/** The SDK's BadRequestError with the API's body: message, invalid_request_error, param, code. */
function isBadRequest(message: string, param: string | null, code: string | null = null) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${String(e)}`);
    assert.deepEqual(e.error, { message, type: "invalid_request_error", param, code });
    return true;
  };
}

type Input = OpenAI.Responses.ResponseInputItem;
type ChatMessage = OpenAI.Chat.ChatCompletionMessageParam;
const call = (id: string): Input => ({ type: "function_call", call_id: id, name: "bash", arguments: "{}" });
const output = (id: string): Input => ({ type: "function_call_output", call_id: id, output: "ok" });
const user: Input = { role: "user", content: "list files" };
const asked = (...ids: string[]): ChatMessage => ({
  role: "assistant",
  content: null,
  tool_calls: ids.map((id) => ({ id, type: "function", function: { name: "bash", arguments: "{}" } })),
});
const answer = (id: string): ChatMessage => ({ role: "tool", tool_call_id: id, content: "ok" });

describe("mock: OpenAI tool calls and outputs pair up as the real API requires", () => {
  let mock: MockServer;
  let client: OpenAI;
  before(async () => {
    mock = await startMockServer({ script: parseMockScript({ turns: [{ text: "ok" }], after_last: { text: "ok" } }) });
    client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
  });
  after(() => mock.close());

  const respond = (input: Input[], extra: Partial<OpenAI.Responses.ResponseCreateParamsNonStreaming> = {}) =>
    client.responses.create({ model: "gpt-test", input, ...extra });

  test("Responses: an output without its call, and a call without its output, are refused", async () => {
    await assert.rejects(
      respond([user, output("call_a")]),
      isBadRequest("No tool call found for function call output with call_id call_a.", "input"),
    );
    await assert.rejects(
      respond([user, call("call_a"), call("call_b"), output("call_a")]),
      isBadRequest("No tool output found for function call call_b.", "input"),
    );
    await assert.rejects(
      respond([user, { type: "custom_tool_call", call_id: "call_c", name: "apply_patch", input: "*** Begin Patch" }]),
      isBadRequest("No tool output found for custom tool call call_c.", "input"),
    );
    await assert.rejects(
      respond([user, output("call_a"), call("call_a")]),
      isBadRequest("No tool call found for function call output with call_id call_a.", "input"),
      "an output before its call",
    );
    const ok = await respond([user, call("call_a"), call("call_b"), output("call_b"), output("call_a")]);
    assert.equal(ok.status, "completed");
  });

  test("Responses: with previous_response_id an output may answer a call of the stored response", async () => {
    const first = await respond([user]);
    const next = await respond([output("call_from_stored")], { previous_response_id: first.id });
    assert.equal(next.status, "completed");
  });

  test("Chat: a tool message needs the assistant's tool_calls right before it, and every call its tool message", async () => {
    const chat = (messages: ChatMessage[], model = "gpt-test") => client.chat.completions.create({ model, messages });
    await assert.rejects(
      chat([{ role: "user", content: "list" }, answer("call_a")]),
      isBadRequest(
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
        "messages.[1].role",
      ),
    );
    await assert.rejects(
      chat([
        { role: "user", content: "list" },
        asked("call_a", "call_b"),
        answer("call_a"),
        { role: "user", content: "?" },
      ]),
      isBadRequest(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_b",
        "messages.[1].role",
      ),
    );
    await assert.rejects(
      chat(
        [{ role: "user", content: "list" }, { role: "assistant", content: "sure" }, answer("call_a")],
        "deepseek-chat",
      ),
      isBadRequest(
        "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'",
        null,
        "invalid_request_error",
      ),
    );
    const ok = await chat([
      { role: "user", content: "list" },
      asked("call_a", "call_b"),
      answer("call_b"),
      answer("call_a"),
    ]);
    assert.equal(ok.choices[0]?.message.content, "ok");
  });

  test("reasoning models: temperature and top_p only at 1 (GPT-5.1+ also with effort none), max_completion_tokens", async () => {
    await assert.rejects(
      respond([user], { model: "gpt-5-mini", temperature: 0.2 }),
      isBadRequest(
        "Unsupported parameter: 'temperature' is not supported with this model.",
        "temperature",
        "unsupported_parameter",
      ),
    );
    await assert.rejects(
      respond([user], { model: "gpt-5.5", top_p: 0.9, reasoning: { effort: "high" } }),
      isBadRequest(
        "Unsupported parameter: 'top_p' is not supported with this model.",
        "top_p",
        "unsupported_parameter",
      ),
    );
    await assert.rejects(
      client.chat.completions.create({
        model: "o4-mini",
        messages: [{ role: "user", content: "x" }],
        temperature: 0.2,
      }),
      isBadRequest(
        "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
        "temperature",
        "unsupported_value",
      ),
    );
    await assert.rejects(
      client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "x" }], max_tokens: 100 }),
      isBadRequest(
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        "max_tokens",
        "unsupported_parameter",
      ),
    );
    const completion = await client.chat.completions.create({
      model: "gpt-5.5",
      messages: [{ role: "user", content: "x" }],
      max_completion_tokens: 100,
    });
    assert.equal(completion.choices[0]?.message.content, "ok");
    for (const ok of [
      respond([user], { model: "gpt-5.5", temperature: 0.2, reasoning: { effort: "none" } }),
      respond([user], { model: "gpt-5-mini", temperature: 1 }),
      respond([user], { model: "gpt-5-chat-latest", temperature: 0.2 }),
      respond([user], { model: "gpt-4.1", temperature: 0 }),
    ]) {
      assert.equal((await ok).status, "completed");
    }
  });
});
