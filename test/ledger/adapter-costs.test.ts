import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import type { Protocol } from "../../src/core/messages.ts";
import type { ModelInfo, ModelRequest, ProviderInfo } from "../../src/core/model.ts";
import { complete } from "../../src/core/model.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import type { AdapterFactory } from "../../src/providers/index.ts";

/**
 * Ledger cost = a hand calculation, to the cent, for each protocol's usage convention: a model call goes through the
 * real adapter over HTTP to the mock, which reports the same neutral usage in each protocol's own convention
 * (OpenAI input includes cached; Anthropic excludes; Gemini prompt includes cached; Chat prompt_tokens includes
 * cached). An adapter that is not in the tree yet is skipped, not faked.
 */

const PRICE = { input: 5, cachedInput: 0.5, cacheWrite: 6.25, output: 30 };
// Room for the scripted 20k output tokens: the mock, like the real APIs, stops a response at the request's cap.
const REQUEST: ModelRequest = {
  messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
  tools: [],
  maxOutputTokens: 32_000,
};

interface Case {
  protocol: Protocol;
  file: string;
  factory: string;
  model: string;
  baseUrl: (s: MockServer) => string;
  /** Chat Completions and Gemini report no cache writes. */
  cacheWrite: number;
  /** input 120k×$5 + cache read 400k×$0.5 + cache write ×$6.25 + output 20k×$30 */
  expectedUsd: string;
  /** Reasoning tokens the adapter sees (the mock's Anthropic usage carries no output_tokens_details yet). */
  reasoning: number;
}

const CASES: Case[] = [
  {
    protocol: "openai-responses",
    file: "openai-responses.ts",
    factory: "openaiResponses",
    model: "gpt-price",
    baseUrl: (s) => `${s.url}/v1`,
    cacheWrite: 50_000,
    expectedUsd: "1.71",
    reasoning: 8_000,
  },
  {
    protocol: "anthropic-messages",
    file: "anthropic-messages.ts",
    factory: "anthropicMessages",
    model: "claude-price",
    baseUrl: (s) => s.url,
    cacheWrite: 50_000,
    expectedUsd: "1.71",
    reasoning: 8_000,
  },
  {
    protocol: "gemini",
    file: "gemini.ts",
    factory: "gemini",
    model: "gemini-price",
    baseUrl: (s) => s.url,
    cacheWrite: 0,
    expectedUsd: "1.40",
    reasoning: 8_000,
  },
  {
    protocol: "openai-chat",
    file: "openai-chat.ts",
    factory: "openaiChat",
    model: "chat-price",
    baseUrl: (s) => `${s.url}/v1`,
    cacheWrite: 0,
    expectedUsd: "1.40",
    reasoning: 8_000,
  },
];

let server: MockServer;
before(async () => {
  const models: Record<string, unknown> = {};
  for (const c of CASES) {
    models[c.model] = {
      turns: [
        {
          text: "ok",
          usage: { input: 120_000, cache_read: 400_000, cache_write: c.cacheWrite, output: 20_000, reasoning: 8_000 },
        },
      ],
    };
  }
  models["chat-cost"] = {
    turns: [
      { text: "ok", usage: { input: 100_000, cache_read: 0, cache_write: 0, output: 10_000, reasoning: 0, cost: 0.9 } },
    ],
  };
  server = await startMockServer({ script: parseMockScript({ models }) });
});
after(() => server.close());

async function adapter(c: Pick<Case, "file" | "factory">): Promise<AdapterFactory | undefined> {
  const path = new URL(`../../src/providers/${c.file}`, import.meta.url);
  if (!existsSync(path)) return undefined;
  const mod = (await import(path.href)) as Record<string, unknown>;
  return mod[c.factory] as AdapterFactory | undefined;
}

function client(factory: AdapterFactory, protocol: Protocol, id: string, baseUrl: string) {
  const model: ModelInfo = {
    id,
    provider: "test",
    protocol,
    contextWindow: 1_000_000,
    price: PRICE,
    capabilities: { nativeTools: [], computerUse: false, images: false, reasoning: true },
  };
  const provider: ProviderInfo = { name: "test", protocol, baseUrl };
  // Two retries: on a loaded machine a kept-alive connection can be closed by the server just as it is reused
  // (ECONNRESET), which the adapter retries in real use; the cost figures are what this test checks.
  return factory({ model, provider, baseUrl, apiKey: "test-key", maxRetries: 2 });
}

for (const c of CASES) {
  test(`${c.protocol}: ledger cost matches the hand calculation to the cent`, async (t) => {
    const factory = await adapter(c);
    if (!factory) return t.skip(`src/providers/${c.file} is not in the tree yet`);
    const done = await complete(client(factory, c.protocol, c.model, c.baseUrl(server)).stream(REQUEST));
    assert.deepEqual(done.usage, {
      input: 120_000,
      cacheRead: 400_000,
      cacheWrite: c.cacheWrite,
      output: 20_000,
      reasoning: c.reasoning,
    });
    const ledger = new Ledger();
    const entry = ledger.record({
      model: { provider: "test", id: c.model, protocol: c.protocol },
      usage: done.usage,
      price: PRICE,
    });
    // 120k × $5/M = 0.60; 400k × $0.5/M = 0.20; 50k × $6.25/M = 0.3125; 20k × $30/M = 0.60
    assert.equal(entry.cost.input.toFixed(4), "0.6000");
    assert.equal(entry.cost.cacheRead.toFixed(4), "0.2000");
    assert.equal(entry.cost.cacheWrite.toFixed(4), c.cacheWrite ? "0.3125" : "0.0000");
    assert.equal(entry.cost.output.toFixed(4), "0.6000");
    assert.equal(entry.cost.total.toFixed(2), c.expectedUsd);
    // reasoning is part of output: 8k of the 20k output tokens → 0.40 of $0.60
    assert.equal(ledger.totals().byKind.reasoning.usd.toFixed(4), c.reasoning ? "0.2400" : "0.0000");
  });
}

test("openai-chat: a provider-reported usage.cost that disagrees with ours is flagged", async (t) => {
  const factory = await adapter({ file: "openai-chat.ts", factory: "openaiChat" });
  if (!factory) return t.skip("src/providers/openai-chat.ts is not in the tree yet");
  const done = await complete(client(factory, "openai-chat", "chat-cost", `${server.url}/v1`).stream(REQUEST));
  assert.equal(done.providerCostUsd, 0.9);
  const ledger = new Ledger();
  const e = ledger.record({
    model: "test/chat-cost",
    usage: done.usage,
    price: PRICE,
    ...(done.providerCostUsd === undefined ? {} : { providerCostUsd: done.providerCostUsd }),
  });
  // ours: 100k × $5/M + 10k × $30/M = $0.80; theirs $0.90
  assert.equal(e.cost.total.toFixed(2), "0.80");
  assert.equal(e.disagreement?.providerUsd, 0.9);
});
