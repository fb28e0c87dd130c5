import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runLoop } from "../../src/agent/loop.ts";
import { EXIT } from "../../src/core/errors.ts";
import type { RunEventBody } from "../../src/core/events.ts";
import type { Sandbox } from "../../src/core/sandbox.ts";
import type { ToolContext } from "../../src/core/tool.ts";
import { createModelClient } from "../../src/providers/client.ts";
import { mock, mockConfig } from "./helpers.ts";

/**
 * A model refusal is its own end state, `refused` (exit 10), not an internal error: each protocol's adapter maps
 * its refusal to the neutral stop reason over HTTP against the mock, and the final names the provider's reason.
 */

// No tool in these runs touches the sandbox; the loop only passes it through.
const NO_SANDBOX = {} as Sandbox;

async function runRefusal(ref: string, turn: Record<string, unknown>) {
  const server = await mock({ turns: [turn] });
  const events: RunEventBody[] = [];
  try {
    const client = createModelClient(ref, {
      config: mockConfig(server.url),
      env: {
        OPENAI_API_KEY: "test",
        OPENAI_BASE_URL: `${server.url}/v1`,
        ANTHROPIC_API_KEY: "test",
        ANTHROPIC_BASE_URL: server.url,
        GEMINI_API_KEY: "test",
        GOOGLE_GEMINI_BASE_URL: server.url,
      },
      maxRetries: 0,
    });
    const toolContext: ToolContext = { sandbox: NO_SANDBOX, signal: new AbortController().signal, runDir: "/tmp" };
    const final = await runLoop({
      client,
      tools: [],
      toolContext,
      system: "Be brief.",
      task: "Do the forbidden thing.",
      limits: { maxSteps: 4 },
      emit: (e) => events.push(e),
    });
    return { final, events, requests: server.requests.length };
  } finally {
    await server.close();
  }
}

const SAID = "I can't help with that.";

describe("a model refusal ends the run `refused` (exit 10), naming the provider's reason", () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ["openai-responses", "openai/gpt-5.5", {}, /with a refusal content part: I can't help with that\.$/],
    ["openai-chat", "local/coder", {}, /with the message's refusal field: I can't help/],
    ["anthropic-messages", "anthropic/claude-opus-4-7", {}, /with stop_reason refusal: I can't help/],
    [
      "anthropic-messages (stop_details, no text)",
      "anthropic/claude-opus-4-7",
      {
        text: undefined,
        anthropic_stop_details: {
          type: "refusal",
          category: "cyber",
          explanation: "This request triggered restrictions on violative cyber content.",
          recommended_model: "claude-opus-4-7",
        },
      },
      /with stop_reason refusal \(cyber\): This request triggered restrictions on violative cyber content\. and no text$/,
    ],
    ["gemini", "google/gemini-3.1-pro-preview", {}, /with finishReason SAFETY: I can't help/],
    [
      "gemini (PROHIBITED_CONTENT)",
      "google/gemini-3.1-pro-preview",
      { gemini_finish_reason: "PROHIBITED_CONTENT" },
      /with finishReason PROHIBITED_CONTENT/,
    ],
  ];
  for (const [name, ref, extra, reason] of cases) {
    test(name, async () => {
      const r = await runRefusal(ref, { text: SAID, stop: "refusal", ...extra });
      assert.equal(r.final.endState, "refused", r.final.message);
      assert.equal(r.final.exitCode, EXIT.refused);
      assert.equal(r.final.exitCode, 10);
      assert.match(r.final.message, /^the model refused: /);
      assert.match(r.final.message, new RegExp(ref.replace("/", "\\/")), "names the model that refused");
      assert.match(r.final.message, reason);
      assert.equal(r.requests, 1, "a refusal is not retried or re-asked");
      const response = r.events.find((e) => e.type === "model_response");
      assert.ok(response?.type === "model_response");
      assert.equal(response.stopReason, "refusal");
      assert.match(response.stopDetail ?? "", /refusal|content_filter|SAFETY|PROHIBITED_CONTENT/);
    });
  }
});
