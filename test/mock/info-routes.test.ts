import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";

/** Models lists, model lookups and token counts through the official SDKs, as agent CLIs call them. */

describe("mock: models and token-count endpoints", () => {
  let mock: MockServer;
  before(async () => {
    const script = parseMockScript({
      turns: [{ text: "ok" }],
      models: { "gpt-5.5": { turns: [{ text: "a" }] }, "claude-opus-4-7": { turns: [{ text: "b" }] } },
    });
    mock = await startMockServer({ script });
  });
  after(() => mock.close());

  test("OpenAI: models.list names the script's models; retrieve answers any id", async () => {
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      assert.equal(m.object, "model");
      ids.push(m.id);
    }
    assert.deepEqual(ids, ["gpt-5.5", "claude-opus-4-7"]);
    const one = await client.models.retrieve("gpt-any");
    assert.equal(one.id, "gpt-any");
    assert.equal(typeof one.created, "number");
  });

  test("Anthropic: models.list pages, models.retrieve, messages.countTokens", async () => {
    const client = new Anthropic({ apiKey: "k", baseURL: mock.url, maxRetries: 0 });
    const page = await client.models.list();
    assert.deepEqual(
      page.data.map((m) => [m.type, m.id]),
      [
        ["model", "gpt-5.5"],
        ["model", "claude-opus-4-7"],
      ],
    );
    assert.equal(page.has_more, false);
    const one = await client.models.retrieve("claude-sonnet-4-6");
    assert.equal(one.id, "claude-sonnet-4-6");
    assert.ok(!Number.isNaN(Date.parse(one.created_at)));
    const count = await client.messages.countTokens({
      model: "claude-opus-4-7",
      system: "be brief",
      messages: [{ role: "user", content: "How many tokens is this?" }],
    });
    assert.ok(count.input_tokens > 0);
    const res = await fetch(`${mock.url}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "x-api-key": "k", "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-opus-4-7" }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { message: string } }).error.message, "messages: Field required");
  });

  test("Gemini: models.list, models.get, models.countTokens", async () => {
    const ai = new GoogleGenAI({ apiKey: "k", httpOptions: { baseUrl: mock.url } });
    const names: string[] = [];
    for await (const m of await ai.models.list()) names.push(m.name ?? "");
    assert.deepEqual(names, ["models/gpt-5.5", "models/claude-opus-4-7"]);
    const one = await ai.models.get({ model: "gemini-3.1-pro-preview" });
    assert.equal(one.name, "models/gemini-3.1-pro-preview");
    const count = await ai.models.countTokens({
      model: "gemini-3.1-pro-preview",
      contents: "How many tokens is this?",
    });
    assert.ok((count.totalTokens ?? 0) > 0);
    assert.match(mock.requests.at(-1)?.path ?? "", /\/models\/gemini-3\.1-pro-preview:countTokens$/);
  });

  test("without a key these answer 401 too", async () => {
    const res = await fetch(`${mock.url}/v1/models`);
    assert.equal(res.status, 401);
  });
});
