import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import type { Message, ToolCall } from "../../src/core/messages.ts";
import { priceUsage } from "../../src/ledger/price.ts";
import type { MockServer } from "../../src/mock/server.ts";
import { loadCatalog } from "../../src/providers/catalog.ts";
import { openaiChat } from "../../src/providers/openai-chat.ts";
import { adapter, BASH_TOOL, collect, doneOf, mock, request, user } from "./helpers.ts";

/**
 * Chat Completions fidelity over HTTP (official openai SDK against the mock): DeepSeek's thinking mode, which 400s
 * a history whose assistant tool-call turn lacks `reasoning_content` (api-docs.deepseek.com, thinking mode guide);
 * DeepSeek's own cache fields; servers that repeat the tool name in every streamed chunk.
 */

type Json = Record<string, unknown>;

const DEEPSEEK_400 = {
  message: "The `reasoning_content` in the thinking mode must be passed back to the API.",
  type: "invalid_request_error",
  param: null,
  code: "invalid_request_error",
};

const CALL_TURN = {
  reasoning: "I should list the files first.",
  tool_calls: [{ name: "bash", arguments: { command: "ls" }, id: "call_ls" }],
  usage: { input: 40, cache_read: 960, output: 30, reasoning: 12 },
};

function sdk(server: MockServer): OpenAI {
  return new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
}

/** A history where the assistant called a tool, as a client that drops reasoning_content would send it. */
function toolHistory(assistant: Json): OpenAI.Chat.ChatCompletionMessageParam[] {
  return [
    { role: "user", content: "list the files" },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_ls", type: "function", function: { name: "bash", arguments: '{"command":"ls"}' } }],
      ...assistant,
    } as OpenAI.Chat.ChatCompletionAssistantMessageParam,
    { role: "tool", tool_call_id: "call_ls", content: "a.txt" },
  ];
}

function bashCalls(done: ReturnType<typeof doneOf>): ToolCall[] {
  return done.message.content.filter((p): p is ToolCall => p.type === "tool_call");
}

describe("DeepSeek thinking mode over HTTP", () => {
  let server: MockServer;
  before(async () => {
    server = await mock({ turns: [CALL_TURN, { text: "a.txt is there." }] });
  });
  after(async () => {
    await server.close();
  });

  test("the mock rejects a thinking-mode tool-call turn without reasoning_content with DeepSeek's 400 body", async () => {
    const client = sdk(server);
    const err = await client.chat.completions.create({ model: "deepseek-v4-pro", messages: toolHistory({}) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.status, 400);
    assert.deepEqual(err.error, DEEPSEEK_400);

    // Passed back (even empty), or thinking switched off, or another vendor's model: accepted.
    const ok = await client.chat.completions.create({
      model: "deepseek-v4-pro",
      messages: toolHistory({ reasoning_content: "" }),
    });
    assert.equal(ok.choices[0]?.message.content, "a.txt is there.");
    const off = await client.chat.completions.create({
      model: "deepseek-v4-pro",
      messages: toolHistory({}),
      // DeepSeek's own body parameter (passed through the SDK as an extra field).
      ...({ thinking: { type: "disabled" } } as Json),
    });
    assert.ok(off.choices[0]);
    await client.chat.completions.create({ model: "qwen3-coder", messages: toolHistory({}) });
    // deepseek-chat is DeepSeek's non-thinking alias, unless thinking is asked for.
    await client.chat.completions.create({ model: "deepseek-chat", messages: toolHistory({}) });
    const chatThinking = await client.chat.completions
      .create({ model: "deepseek-chat", messages: toolHistory({}), ...({ thinking: { type: "enabled" } } as Json) })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(chatThinking instanceof OpenAI.BadRequestError);
    assert.deepEqual(chatThinking.error, DEEPSEEK_400);
    const refused = await client.chat.completions
      .create({ model: "qwen3-coder", messages: toolHistory({}), ...({ thinking: { type: "enabled" } } as Json) })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(refused instanceof OpenAI.BadRequestError, "thinking is a DeepSeek parameter, unknown to OpenAI");
    assert.equal((refused.error as Json).code, "unknown_parameter");
  });

  test("the adapter passes reasoning_content back on tool-call turns, so the second turn is accepted", async () => {
    const client = adapter(openaiChat, "deepseek/deepseek-v4-pro", server);
    const history: Message[] = [user("list the files")];
    const d1 = doneOf(await collect(client.stream(request(history, [BASH_TOOL]))));
    assert.equal(d1.stopReason, "tool_use");
    const call = bashCalls(d1)[0]!;
    history.push(d1.message, {
      role: "tool",
      content: [
        {
          type: "tool_result",
          callId: call.id,
          name: call.name,
          content: [{ type: "text", text: "a.txt" }],
          isError: false,
        },
      ],
    });
    const before = server.requests.length;
    const d2 = doneOf(await collect(client.stream(request(history, [BASH_TOOL]))));
    assert.equal(d2.message.content.find((p) => p.type === "text")?.type, "text");
    const sent = server.requests[before]!.body as { messages: Json[] };
    const assistant = sent.messages.find((m) => m.role === "assistant")!;
    assert.equal(assistant.reasoning_content, CALL_TURN.reasoning);
    assert.equal(server.requests[before]!.status, 200);
  });

  test('a tool-call turn another model wrote gets reasoning_content "" for DeepSeek (a fallback or resume)', async () => {
    const client = adapter(openaiChat, "deepseek/deepseek-v4-flash", server);
    const foreign: Message[] = [
      user("list the files"),
      {
        role: "assistant",
        model: { provider: "openai", id: "gpt-5.5", protocol: "openai-responses" },
        content: [
          { type: "reasoning", text: "enc", protocol: "openai-responses", payload: { id: "rs_1" } },
          { type: "tool_call", id: "call_ls", name: "bash", arguments: { command: "ls" } },
        ],
      },
      {
        role: "tool",
        content: [
          {
            type: "tool_result",
            callId: "call_ls",
            name: "bash",
            content: [{ type: "text", text: "a.txt" }],
            isError: false,
          },
        ],
      },
    ];
    const before = server.requests.length;
    const events = await collect(client.stream(request(foreign, [BASH_TOOL])));
    assert.equal(doneOf(events).stopReason, "end_turn");
    const sent = server.requests[before]!.body as { messages: Json[] };
    assert.equal(sent.messages.find((m) => m.role === "assistant")!.reasoning_content, "");
  });

  test("an endpoint that emits reasoning_content gets it back on tool-call turns only; others never", async () => {
    server.setScript(
      (await import("../../src/mock/script.ts")).parseMockScript({ turns: [CALL_TURN, { text: "ok" }] }),
    );
    const client = adapter(openaiChat, "ollama/qwen3-coder", server);
    const history: Message[] = [user("list")];
    const d1 = doneOf(await collect(client.stream(request(history, [BASH_TOOL]))));
    const call = bashCalls(d1)[0]!;
    history.push(d1.message, {
      role: "tool",
      content: [
        {
          type: "tool_result",
          callId: call.id,
          name: call.name,
          content: [{ type: "text", text: "a" }],
          isError: false,
        },
      ],
    });
    await collect(client.stream(request(history, [BASH_TOOL])));
    const sent = server.requests.at(-1)!.body as { messages: Json[] };
    assert.equal(sent.messages.find((m) => m.role === "assistant")!.reasoning_content, CALL_TURN.reasoning);

    const plain: Message[] = [
      user("hi"),
      { role: "assistant", content: [{ type: "tool_call", id: "c1", name: "bash", arguments: { command: "ls" } }] },
      { role: "tool", content: [{ type: "tool_result", callId: "c1", name: "bash", content: [], isError: false }] },
    ];
    await collect(client.stream(request(plain, [BASH_TOOL])));
    const plainSent = server.requests.at(-1)!.body as { messages: Json[] };
    assert.equal("reasoning_content" in plainSent.messages.find((m) => m.role === "assistant")!, false);
  });
});

describe("DeepSeek usage and reasoning_effort over HTTP", () => {
  test("prompt_cache_hit_tokens are cache reads, priced at the cache-hit price", async () => {
    const server = await mock({ turns: [CALL_TURN] });
    try {
      const raw = await sdk(server).chat.completions.create({
        model: "deepseek-v4-pro",
        messages: [{ role: "user", content: "hi" }],
      });
      const usage = raw.usage as unknown as Json;
      assert.equal(usage.prompt_cache_hit_tokens, 960);
      assert.equal(usage.prompt_cache_miss_tokens, 40);
      assert.equal(usage.prompt_tokens_details, undefined, "DeepSeek sends its own fields, not cached_tokens");

      const client = adapter(openaiChat, "deepseek/deepseek-v4-pro", server);
      const done = doneOf(await collect(client.stream(request([user("hi")], [BASH_TOOL]))));
      assert.deepEqual(done.usage, { input: 40, cacheRead: 960, cacheWrite: 0, output: 30, reasoning: 12 });
      const { model } = loadCatalog().resolve("deepseek/deepseek-v4-pro");
      const cost = priceUsage(done.usage, model.price);
      assert.ok(Math.abs(cost.cacheRead - (960 * 0.003625) / 1e6) < 1e-12);
      assert.ok(Math.abs(cost.input - (40 * 0.435) / 1e6) < 1e-12);
      assert.ok(Math.abs(cost.output - (30 * 0.87) / 1e6) < 1e-12, "reasoning tokens are billed as output");
    } finally {
      await server.close();
    }
  });

  test("a reasoning level becomes the nearest reasoning_effort DeepSeek lists (medium → high, minimal → low)", async () => {
    const server = await mock({ after_last: { text: "ok" } });
    try {
      const client = adapter(openaiChat, "deepseek/deepseek-v4-pro", server);
      for (const [level, wire] of [
        ["medium", "high"],
        ["minimal", "low"],
        ["high", "high"],
      ] as const) {
        await collect(client.stream(request([user("hi")], [], { reasoningEffort: level })));
        assert.equal((server.requests.at(-1)!.body as Json).reasoning_effort, wire, level);
      }
      // An unlisted local model without reasoning in the catalog gets no reasoning_effort.
      await collect(
        adapter(openaiChat, "ollama/x", server).stream(request([user("hi")], [], { reasoningEffort: "high" })),
      );
      assert.equal("reasoning_effort" in (server.requests.at(-1)!.body as Json), false);
    } finally {
      await server.close();
    }
  });
});

describe("tool-call names repeated in every streamed chunk", () => {
  test("the name is taken once: the SDK's accumulator and the adapter both read bash, not bashbash", async () => {
    const server = await mock({
      chat_tool_names: "every",
      turns: [{ tool_calls: [{ name: "bash", arguments: { command: "echo hello world from the shell" } }] }],
    });
    try {
      const stream = sdk(server).chat.completions.stream({
        model: "qwen3-coder",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      });
      const chunks: Json[] = [];
      stream.on("chunk", (c) => chunks.push(c as unknown as Json));
      const final = await stream.finalChatCompletion();
      const named = chunks.filter((c) => JSON.stringify(c).includes('"name":"bash"'));
      assert.ok(named.length >= 3, "the mock repeats the name in every fragment");
      const sdkCall = final.choices[0]?.message.tool_calls?.[0];
      assert.equal(sdkCall?.type === "function" ? sdkCall.function.name : undefined, "bash");

      const events = await collect(
        adapter(openaiChat, "ollama/qwen3-coder", server).stream(request([user("hi")], [BASH_TOOL])),
      );
      const starts = events.filter((e) => e.type === "tool_call_start");
      assert.equal(starts.length, 1);
      const [call] = bashCalls(doneOf(events));
      assert.equal(call?.name, "bash");
      assert.deepEqual(call?.arguments, { command: "echo hello world from the shell" });
    } finally {
      await server.close();
    }
  });
});
