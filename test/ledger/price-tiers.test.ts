import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Protocol } from "../../src/core/messages.ts";
import type { Price, StreamEvent } from "../../src/core/model.ts";
import { normalizeServiceTier } from "../../src/core/model.ts";
import type { Usage } from "../../src/core/usage.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { describeTiers, priceUsage } from "../../src/ledger/price.ts";
import { loadCatalog } from "../../src/providers/catalog.ts";
import { fixtureLines, frameSse, runAdapter, sseHandler, startRawServer } from "../providers/raw-server.ts";

/** Price tiers: long-context rates, service tiers and 1-hour cache writes, priced per call on crafted usage. */
const price = (ref: string): Price => {
  const p = loadCatalog().resolve(ref).model.price;
  assert.ok(p, `${ref} has a price`);
  return p;
};
const usage = (u: Partial<Usage>): Usage => ({ input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0, ...u });
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);

describe("tier pricing on crafted usage", () => {
  it("the seed prices hold: gpt-5.5 $5/$30, gpt-5.5-pro $30/$180, gpt-5.4 $2.50/$15", () => {
    for (const [ref, input, output] of [
      ["openai/gpt-5.5", 5, 30],
      ["openai/gpt-5.5-pro", 30, 180],
      ["openai/gpt-5.4", 2.5, 15],
    ] as const) {
      // 100K tokens each: below the long-context threshold.
      const c = priceUsage(usage({ input: 100_000, output: 100_000 }), price(ref));
      close(c.input * 10, input);
      close(c.output * 10, output);
      assert.equal(c.tier, undefined, "standard calls carry no tier label");
    }
  });

  it("service tiers multiply every rate: flex and batch half, priority 2.5x on gpt-5.5", () => {
    const u = usage({ input: 10_000, cacheRead: 2_000, output: 1_000 });
    const standard = priceUsage(u, price("openai/gpt-5.5"));
    close(standard.total, (10_000 * 5 + 2_000 * 0.5 + 1_000 * 30) / 1e6);
    const flex = priceUsage(u, price("openai/gpt-5.5"), { serviceTier: "flex" });
    close(flex.total, standard.total / 2);
    assert.equal(flex.tier, "flex");
    const priority = priceUsage(u, price("openai/gpt-5.5"), { serviceTier: "priority" });
    close(priority.total, standard.total * 2.5);
    assert.equal(priority.tier, "priority");
  });

  it("a prompt above 272K bills the whole call at the long-context rates; at 272K it does not", () => {
    const p = price("openai/gpt-5.5");
    const at = priceUsage(usage({ input: 272_000, output: 1_000 }), p);
    close(at.total, (272_000 * 5 + 1_000 * 30) / 1e6);
    const above = priceUsage(usage({ input: 250_000, cacheRead: 30_000, output: 1_000 }), p);
    close(above.input, (250_000 * 10) / 1e6);
    close(above.cacheRead, (30_000 * 1) / 1e6);
    close(above.output, (1_000 * 45) / 1e6);
    assert.equal(above.tier, "long-context");
    const flexLong = priceUsage(usage({ input: 300_000, output: 1_000 }), p, { serviceTier: "flex" });
    close(flexLong.total, (300_000 * 10 + 1_000 * 45) / 2e6);
    assert.equal(flexLong.tier, "flex+long-context");
    const gemini = priceUsage(usage({ input: 200_001, output: 100 }), price("google/gemini-3.1-pro-preview"));
    close(gemini.total, (200_001 * 4 + 100 * 18) / 1e6);
  });

  it("a usage that sums many calls (a trial's counts) is not taken for one long prompt", () => {
    const p = price("openai/gpt-5.5");
    const summed = priceUsage(usage({ input: 1_000_000, output: 1_000 }), p, { aggregate: true });
    close(summed.total, (1_000_000 * 5 + 1_000 * 30) / 1e6);
    assert.equal(summed.tier, undefined);
    const flex = priceUsage(usage({ input: 1_000_000 }), p, { aggregate: true, serviceTier: "flex" });
    assert.equal(flex.tier, "flex", "a reported service tier still applies");
  });

  it("Anthropic 1-hour cache writes at 2x input, 5-minute ones at 1.25x; batch halves all of it", () => {
    const p = price("anthropic/claude-opus-4-7");
    const u = usage({ input: 100, cacheWrite: 1_000, cacheWriteLong: 400, cacheRead: 5_000, output: 50 });
    const c = priceUsage(u, p);
    close(c.cacheWrite, (600 * 6.25 + 400 * 10) / 1e6);
    close(c.total, (100 * 5 + 600 * 6.25 + 400 * 10 + 5_000 * 0.5 + 50 * 25) / 1e6);
    const batch = priceUsage(u, p, { serviceTier: "batch" });
    close(batch.total, c.total / 2);
  });

  it("a tier the catalog has no rate for is priced at standard rates and says so", () => {
    const c = priceUsage(usage({ input: 1_000 }), price("openai/gpt-5.5"), { serviceTier: "scale" });
    close(c.total, (1_000 * 5) / 1e6);
    assert.equal(c.tier, "scale (standard rates)");
  });

  it("provider tier names map to one vocabulary; the standard tier is no tier", () => {
    for (const t of ["default", "auto", "standard", "unspecified", undefined, null]) {
      assert.equal(normalizeServiceTier(t), undefined);
    }
    assert.equal(normalizeServiceTier("FLEX"), "flex");
    assert.equal(normalizeServiceTier("fast"), "priority");
    assert.equal(normalizeServiceTier("batch"), "batch");
  });

  it("the ledger totals each model's calls and dollars per tier; models shows the card", () => {
    const ledger = new Ledger();
    const p = price("openai/gpt-5.5");
    const u = usage({ input: 1_000, output: 100 });
    ledger.record({ model: "openai/gpt-5.5", usage: u, cost: priceUsage(u, p) });
    ledger.record({ model: "openai/gpt-5.5", usage: u, cost: priceUsage(u, p, { serviceTier: "flex" }) });
    ledger.record({ model: "openai/gpt-5.5", usage: u, cost: priceUsage(u, p, { serviceTier: "flex" }) });
    const t = ledger.totals().byModel["openai/gpt-5.5"];
    assert.deepEqual(Object.keys(t?.tiers ?? {}).sort(), ["flex", "standard"]);
    assert.equal(t?.tiers?.flex?.calls, 2);
    close(t?.tiers?.flex?.usd ?? 0, priceUsage(u, p).total);
    assert.equal(describeTiers(p), "prompts > 272K: $10/$45; batch ×0.5; flex ×0.5; priority ×2.5");
    assert.match(describeTiers(price("anthropic/claude-opus-4-7")) ?? "", /1h cache write \$10/);
  });
});

/** The recorded stream of `name` with `patch` applied to the payloads (crafted usage and service tier). */
function crafted(protocol: Protocol, name: string, patch: (ev: Record<string, unknown>) => void): string {
  const lines = fixtureLines(protocol, name).map((l) => {
    const ev = JSON.parse(l) as Record<string, unknown>;
    patch(ev);
    return JSON.stringify(ev);
  });
  return frameSse(protocol, lines);
}

async function done(protocol: Protocol, body: string): Promise<Extract<StreamEvent, { type: "done" }>> {
  const server = await startRawServer(sseHandler(body));
  try {
    const events = await runAdapter(protocol, server, {
      messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
      tools: [],
    });
    const d = events.find((e) => e.type === "done");
    assert.ok(d && d.type === "done", JSON.stringify(events.at(-1)));
    return d;
  } finally {
    await server.close();
  }
}

describe("each adapter reports the tier that served the call", () => {
  it("Responses: response.service_tier", async () => {
    const d = await done(
      "openai-responses",
      crafted("openai-responses", "tool-call-gpt-5.1", (ev) => {
        const r = ev.response as Record<string, unknown> | undefined;
        if (r) r.service_tier = ev.type === "response.completed" ? "flex" : "auto";
      }),
    );
    assert.equal(d.serviceTier, "flex");
  });

  it("Anthropic: usage.service_tier and cache_creation.ephemeral_1h_input_tokens", async () => {
    const d = await done(
      "anthropic-messages",
      crafted("anthropic-messages", "tool-no-args", (ev) => {
        // message_start's usage, and message_delta's cumulative one where the stream sends it.
        const u = (ev.type === "message_start" ? (ev.message as { usage?: unknown }).usage : ev.usage) as
          | Record<string, unknown>
          | undefined;
        if (!u) return;
        u.cache_creation_input_tokens = 1_000;
        u.cache_creation = { ephemeral_5m_input_tokens: 600, ephemeral_1h_input_tokens: 400 };
        if (ev.type === "message_start") u.service_tier = "priority";
      }),
    );
    assert.equal(d.serviceTier, "priority");
    assert.equal(d.usage.cacheWrite, 1_000);
    assert.equal(d.usage.cacheWriteLong, 400);
  });

  it("Chat Completions: the chunks' service_tier; Gemini: usageMetadata.serviceTier", async () => {
    const chat = await done(
      "openai-chat",
      crafted("openai-chat", "placeholder-first-chunk", (ev) => {
        ev.service_tier = "priority";
      }),
    );
    assert.equal(chat.serviceTier, "priority");
    const gem = await done(
      "gemini",
      crafted("gemini", "tool-call-thought-signature", (ev) => {
        const u = ev.usageMetadata as Record<string, unknown> | undefined;
        if (u) u.serviceTier = "flex";
      }),
    );
    assert.equal(gem.serviceTier, "flex");
  });

  it("a standard response carries no tier", async () => {
    const d = await done(
      "anthropic-messages",
      frameSse("anthropic-messages", fixtureLines("anthropic-messages", "tool-no-args")),
    );
    assert.equal(d.serviceTier, undefined);
    assert.equal(d.usage.cacheWriteLong, undefined);
  });
});

describe("a run bills each call by the tier it used", () => {
  it("Anthropic 1-hour cache writes from the mock over HTTP are priced at the 1-hour rate in model_response", async () => {
    const { runLoop } = await import("../../src/agent/loop.ts");
    const { clientFor, mock } = await import("../computer/helpers.ts");
    const server = await mock({
      turns: [{ text: "hi", usage: { input: 100, cache_write: 1_000, cache_write_long: 400, output: 50 } }],
    });
    try {
      const events: Array<Record<string, unknown>> = [];
      const final = await runLoop({
        client: clientFor("anthropic", server),
        tools: [],
        toolContext: {
          sandbox: {} as never,
          signal: new AbortController().signal,
          runDir: "/tmp",
        },
        system: "s",
        task: "t",
        limits: { maxSteps: 2 },
        emit: (e) => events.push(e as unknown as Record<string, unknown>),
      });
      assert.equal(final.endState, "done");
      const r = events.find((e) => e.type === "model_response") as { usage: Usage; cost: { cacheWrite: number } };
      assert.equal(r.usage.cacheWriteLong, 400);
      close(r.cost.cacheWrite, (600 * 6.25 + 400 * 10) / 1e6);
    } finally {
      await server.close();
    }
  });
});
