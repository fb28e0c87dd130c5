import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Message } from "../../src/core/messages.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { client, collect, lastDone, request } from "./anthropic-fixtures.ts";

/**
 * The API refuses whitespace-only text blocks on replay ("messages: text content blocks must contain non-whitespace
 * text"), yet a model can produce one (a "\n\n" block before a tool call): the adapter must not send it back.
 */

function textBlocks(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(textBlocks);
  if (!value || typeof value !== "object") return [];
  const o = value as Record<string, unknown>;
  const own = o.type === "text" && typeof o.text === "string" ? [o.text] : [];
  return [...own, ...Object.values(o).flatMap(textBlocks)];
}

describe("anthropic-messages: whitespace-only text is not replayed", () => {
  let server: MockServer;
  before(async () => {
    const script = parseMockScript({
      turns: [
        { text: "\n\n", tool_calls: [{ name: "lookup", arguments: { word: "ok" } }] },
        { text: "The word is ok." },
      ],
    });
    server = await startMockServer({ script });
  });
  after(() => server.close());

  test("a model's whitespace text block and a whitespace tool result are dropped; the mock accepts the replay", async () => {
    const c = client(server);
    const history: Message[] = [{ role: "user", content: [{ type: "text", text: "Look up ok." }] }];
    const first = lastDone(await collect(c.stream(request(history))));
    assert.ok(
      first.message.content.some((p) => p.type === "text" && p.text === "\n\n"),
      "the model sent a blank block",
    );
    const call = first.message.content.find((p) => p.type === "tool_call");
    assert.ok(call?.type === "tool_call");
    history.push(first.message, {
      role: "tool",
      content: [
        {
          type: "tool_result",
          callId: call.id,
          name: call.name,
          content: [{ type: "text", text: " \n" }],
          isError: false,
        },
      ],
    });
    const second = lastDone(await collect(c.stream(request(history))));
    assert.equal(second.stopReason, "end_turn");
    const sent = server.requests.at(-1);
    assert.ok(sent);
    assert.equal(sent.status, 200);
    const texts = textBlocks((sent.body as { messages: unknown }).messages);
    assert.deepEqual(
      texts.filter((t) => t.trim() === ""),
      [],
      "no whitespace-only text block on the wire",
    );
  });

  test("a request over the 32 MB limit ends with a context_overflow error, not retried", async () => {
    const c = client(server);
    const before = server.requests.length;
    const huge = "y".repeat(32 * 1024 * 1024 + 1);
    const events = await collect(c.stream(request([{ role: "user", content: [{ type: "text", text: huge }] }])));
    const last = events.at(-1);
    assert.ok(last?.type === "error", `ended with ${last?.type}`);
    assert.equal(last.error.kind, "context_overflow");
    assert.equal(last.error.status, 413);
    assert.deepEqual(
      server.requests.slice(before).map((r) => r.status),
      [413],
    );
  });
});
