import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";

describe("mock: faults", () => {
  let mock: MockServer;
  before(async () => {
    mock = await startMockServer({ script: parseMockScript({}) });
  });
  after(() => mock.close());

  test("429 with retry-after-ms: openai with maxRetries 1 retries and succeeds; the log shows both attempts", async () => {
    mock.setScript(
      parseMockScript({ turns: [{ text: "after the retry", fault: { status: 429, retry_after_ms: 10, times: 1 } }] }),
    );
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 1 });
    const before = mock.requests.length;
    const r = await client.responses.create({ model: "gpt-test", input: "retry me" });
    assert.equal(r.output_text, "after the retry");
    const attempts = mock.requests.slice(before);
    assert.deepEqual(
      attempts.map((a) => [a.status, a.headers["x-stainless-retry-count"], a.fault]),
      [
        [429, "0", "status 429"],
        [200, "1", undefined],
      ],
    );
  });

  test("faults are counted per conversation: two conversations each see their failure", async () => {
    mock.setScript(parseMockScript({ turns: [{ text: "ok", fault: { status: 500, times: 1 } }] }));
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    for (const input of ["conversation A", "conversation B"]) {
      await assert.rejects(
        client.chat.completions.create({ model: "m", messages: [{ role: "user", content: input }] }),
        {
          status: 500,
        },
      );
      const ok = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: input }] });
      assert.equal(ok.choices[0]?.message.content, "ok");
    }
  });

  test("insufficient_quota: OpenAI body type and code; rate_limit_exceeded by default", async () => {
    mock.setScript(parseMockScript({ turns: [{ fault: { status: 429, code: "insufficient_quota", times: -1 } }] }));
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      client.responses.create({ model: "gpt-test", input: "quota" }),
      (e: unknown) =>
        e instanceof OpenAI.RateLimitError && e.code === "insufficient_quota" && e.type === "insufficient_quota",
    );
    mock.setScript(parseMockScript({ models: { "gpt-x": { fault: { status: 429, times: -1, retry_after_s: 3 } } } }));
    await assert.rejects(
      client.responses.create({ model: "gpt-x", input: "rate" }),
      (e: unknown) =>
        e instanceof OpenAI.RateLimitError && e.code === "rate_limit_exceeded" && e.headers?.get("retry-after") === "3",
    );
  });

  test("529 through @anthropic-ai/sdk with maxRetries 0 → OverloadedError with the protocol body", async () => {
    mock.setScript(parseMockScript({ turns: [{ fault: { status: 529, times: -1 } }] }));
    const client = new Anthropic({ apiKey: "k", baseURL: mock.url, maxRetries: 0 });
    await assert.rejects(
      client.messages.create({ model: "claude-test", max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
      (e: unknown) =>
        e instanceof Anthropic.OverloadedError &&
        e.status === 529 &&
        (e.error as { error?: { type?: string } }).error?.type === "overloaded_error" &&
        typeof e.requestID === "string",
    );
  });

  test("Gemini error body {error:{code,message,status}}; per-model 404 fault", async () => {
    mock.setScript(parseMockScript({ models: { "gone-model": { fault: { status: 404, times: -1 } } } }));
    const ai = new GoogleGenAI({ apiKey: "k", httpOptions: { baseUrl: mock.url } });
    await assert.rejects(ai.models.generateContent({ model: "gone-model", contents: "x" }), (e: unknown) => {
      const msg = (e as Error).message;
      return msg.includes("NOT_FOUND") && msg.includes("404");
    });
    const res = await fetch(`${mock.url}/v1beta/models/gone-model:generateContent?key=k`, {
      method: "POST",
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "x" }] }] }),
    });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      error: {
        code: 404,
        message:
          "models/gone-model is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
        status: "NOT_FOUND",
      },
    });
    assert.ok(mock.requests.at(-1)?.path.includes("key=[redacted]"));
  });

  test("a 404 fault without a message is each API's model-not-found", async () => {
    mock.setScript(parseMockScript({ models: { "gone-model": { fault: { status: 404, times: -1 } } } }));
    const openai = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    await assert.rejects(openai.responses.create({ model: "gone-model", input: "x" }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.NotFoundError);
      assert.deepEqual(e.error, {
        message: "The model `gone-model` does not exist or you do not have access to it.",
        type: "invalid_request_error",
        param: null,
        code: "model_not_found",
      });
      return true;
    });
    const anthropic = new Anthropic({ apiKey: "k", baseURL: mock.url, maxRetries: 0 });
    await assert.rejects(
      anthropic.messages.create({ model: "gone-model", max_tokens: 5, messages: [{ role: "user", content: "x" }] }),
      (e: unknown) => {
        assert.ok(e instanceof Anthropic.NotFoundError);
        assert.deepEqual((e.error as { error: unknown }).error, {
          type: "not_found_error",
          message: "model: gone-model",
        });
        return true;
      },
    );
  });

  test("cut_after_events: the client receives exactly N events, no terminal event; the retry then succeeds", async () => {
    mock.setScript(
      parseMockScript({
        turns: [{ text: "a long enough answer to stream", fault: { cut_after_events: 4, times: 1 } }],
      }),
    );
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    let seen = 0;
    let completed = false;
    let threw = false;
    try {
      const s = await client.responses.create({ model: "gpt-test", input: "cut", stream: true });
      for await (const e of s) {
        seen++;
        if (e.type === "response.completed") completed = true;
      }
    } catch {
      threw = true;
    }
    assert.equal(completed, false);
    assert.equal(seen, 4, "all N events are flushed before the cut");
    assert.equal(threw, false, "the body ends early; raw iteration simply stops");
    assert.equal(mock.requests.at(-1)?.fault, "cut_after_events 4");

    const anthropic = new Anthropic({ apiKey: "k", baseURL: mock.url, maxRetries: 0 });
    mock.setScript(parseMockScript({ turns: [{ text: "cut me too", fault: { cut_after_events: 3, times: 1 } }] }));
    await assert.rejects(
      anthropic.messages
        .stream({ model: "claude-test", max_tokens: 10, messages: [{ role: "user", content: "cut" }] })
        .finalMessage(),
    );
    const again = await anthropic.messages
      .stream({ model: "claude-test", max_tokens: 10, messages: [{ role: "user", content: "cut" }] })
      .finalMessage();
    assert.deepEqual(again.content, [{ type: "text", text: "cut me too", citations: null }]);
  });

  test("cut_after_events is exact for every N (Chat: no [DONE]; Anthropic: no message_stop)", async () => {
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: "k", baseURL: mock.url, maxRetries: 0 });
    for (const n of [0, 1, 3, 6]) {
      mock.setScript(parseMockScript({ turns: [{ text: "a b c d e f g h i j", fault: { cut_after_events: n } }] }));
      const chunks = [];
      const s = await client.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: `chat ${n}` }],
        stream: true,
      });
      for await (const c of s) chunks.push(c);
      assert.equal(chunks.length, n);
      const events = [];
      const a = await anthropic.messages.create({
        model: "claude-test",
        max_tokens: 10,
        messages: [{ role: "user", content: `anthropic ${n}` }],
        stream: true,
      });
      for await (const e of a) events.push(e.type);
      // The SDK does not yield the ping (event 2).
      assert.equal(events.length, Math.max(0, n - (n >= 2 ? 1 : 0)));
      assert.ok(!events.includes("message_stop"));
    }
  });

  test("raw_arguments: malformed tool-call JSON is sent verbatim", async () => {
    mock.setScript(parseMockScript({ turns: [{ tool_calls: [{ name: "f", raw_arguments: '{"path": "a.txt"' }] }] }));
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
    const call = r.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === "function");
    assert.equal(call.function.arguments, '{"path": "a.txt"');
  });

  test("latency_ms and latency_ms_per_token pace the stream without changing its content", async () => {
    mock.setScript(parseMockScript({ turns: [{ text: "one two three", latency_ms: 5, latency_ms_per_token: 5 }] }));
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const s = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    let text = "";
    for await (const c of s) text += c.choices[0]?.delta.content ?? "";
    assert.equal(text, "one two three");
  });
});
