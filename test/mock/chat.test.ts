import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { twoTurnScript } from "./fixtures.ts";

const tools: OpenAI.Chat.ChatCompletionTool[] = ["read_file", "list_dir"].map((name) => ({
  type: "function",
  function: { name, description: name, parameters: { type: "object", properties: { path: { type: "string" } } } },
}));

describe("mock: Chat Completions through the official SDK", () => {
  let mock: MockServer;
  let client: OpenAI;
  before(async () => {
    mock = await startMockServer({ script: twoTurnScript() });
    client = new OpenAI({ apiKey: "test-key", baseURL: `${mock.url}/v1`, maxRetries: 0 });
  });
  after(() => mock.close());

  test("non-stream: message with reasoning_content, two tool calls, usage with cached and reasoning tokens, cost", async () => {
    const r = await client.chat.completions.create({
      model: "local-model",
      messages: [{ role: "user", content: "look around" }],
      tools,
    });
    assert.equal(r.object, "chat.completion");
    const choice = r.choices[0];
    assert.equal(choice?.finish_reason, "tool_calls");
    assert.equal(choice?.message.content, "Let me look at both.");
    assert.equal(
      (choice?.message as { reasoning_content?: string } | undefined)?.reasoning_content,
      "The user wants the file and the listing.",
    );
    const calls = (choice?.message.tool_calls ?? []).map((c) => (c.type === "function" ? c : undefined));
    assert.deepEqual(
      calls.map((c) => [c?.id, c?.function.name, JSON.parse(c?.function.arguments ?? "")]),
      [
        ["call_0_0", "read_file", { path: "a.txt" }],
        ["call_0_1", "list_dir", { path: ".", depth: 2 }],
      ],
    );
    assert.equal(r.usage?.prompt_tokens, 100);
    assert.equal(r.usage?.prompt_tokens_details?.cached_tokens, 30);
    assert.equal(r.usage?.completion_tokens, 40);
    assert.equal(r.usage?.completion_tokens_details?.reasoning_tokens, 10);
    assert.equal((r.usage as { cost?: number }).cost, 0.0012);
  });

  test("stream with include_usage: fragments by index, id/name only first, finish_reason, usage chunk with choices []", async () => {
    const stream = await client.chat.completions.create({
      model: "local-model",
      messages: [{ role: "user", content: "look around" }],
      tools,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let reasoning = "";
    const calls: { id?: string; name?: string; args: string; fragments: number }[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let usageChoices = -1;
    let nullUsage = 0;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      if (chunk.usage === null) nullUsage++;
      if (chunk.usage) {
        usage = chunk.usage;
        usageChoices = chunk.choices.length;
      }
      const c = chunk.choices[0];
      if (!c) continue;
      text += c.delta.content ?? "";
      reasoning += (c.delta as { reasoning_content?: string }).reasoning_content ?? "";
      for (const tc of c.delta.tool_calls ?? []) {
        const slot = calls[tc.index] ?? { args: "", fragments: 0 };
        calls[tc.index] = slot;
        if (tc.id !== undefined) {
          assert.equal(slot.fragments, 0, "id only in the first fragment");
          slot.id = tc.id;
        }
        if (tc.function?.name !== undefined) slot.name = tc.function.name;
        slot.args += tc.function?.arguments ?? "";
        slot.fragments++;
      }
      if (c.finish_reason) finish = c.finish_reason;
    }
    assert.equal(text, "Let me look at both.");
    assert.equal(reasoning, "The user wants the file and the listing.");
    assert.equal(calls.length, 2);
    assert.equal(calls[0]?.id, "call_0_0");
    assert.equal(calls[1]?.name, "list_dir");
    assert.ok((calls[0]?.fragments ?? 0) > 1, "arguments split over several chunks");
    assert.deepEqual(JSON.parse(calls[1]?.args ?? ""), { path: ".", depth: 2 });
    assert.equal(finish, "tool_calls");
    assert.equal(usageChoices, 0);
    assert.equal(nullUsage, chunks - 1, "every chunk but the last carries usage: null, as OpenAI sends it");
    assert.equal(usage?.prompt_tokens, 100);
    assert.equal(usage?.prompt_tokens_details?.cached_tokens, 30);
    assert.equal(usage?.completion_tokens_details?.reasoning_tokens, 10);
  });

  test("history turn selection counts assistant messages; a max_tokens turn ends with finish_reason length", async () => {
    const r = await client.chat.completions.create({
      model: "local-model",
      messages: [
        { role: "user", content: "look around" },
        {
          role: "assistant",
          content: "Let me look at both.",
          tool_calls: [{ id: "call_0_0", type: "function", function: { name: "read_file", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "call_0_0", content: "a" },
      ],
    });
    assert.equal(r.choices[0]?.message.content, "All done here.");
    assert.equal(r.choices[0]?.finish_reason, "stop");

    mock.setScript(
      (await import("../../src/mock/script.ts")).parseMockScript({ turns: [{ text: "cut off", stop: "max_tokens" }] }),
    );
    const s = await client.chat.completions.create({
      model: "local-model",
      messages: [{ role: "user", content: "long" }],
      stream: true,
    });
    let finish: string | null = null;
    for await (const chunk of s) finish = chunk.choices[0]?.finish_reason ?? finish;
    assert.equal(finish, "length");
    mock.setScript(twoTurnScript());
  });
});
