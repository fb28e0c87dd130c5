import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApiError, GoogleGenAI } from "@google/genai";
import { ConfigSchema } from "../../src/core/config.ts";
import type { Message } from "../../src/core/messages.ts";
import type { ModelRequest, ToolDefinition } from "../../src/core/model.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { createModelClient } from "../../src/providers/client.ts";
import { THOUGHT_SIGNATURE_PLACEHOLDER } from "../../src/providers/gemini-request.ts";
import { collect, doneOf, errorOf } from "./helpers.ts";

/**
 * Gemini fidelity over HTTP with @google/genai against the mock: Gemini 3's thought-signature validation of the
 * current turn (ai.google.dev thought-signatures), the documented placeholder for calls Gemini did not sign, signed
 * parts kept apart, finish reasons that are not a clean end, and the pinned API version.
 */

type Json = Record<string, unknown>;

const MODEL = "gemini-3.1-pro-preview";

const BASH: ToolDefinition = {
  name: "bash",
  description: "Run a command",
  inputSchema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
};

function sdk(server: MockServer): GoogleGenAI {
  return new GoogleGenAI({ apiKey: "test", apiVersion: "v1beta", httpOptions: { baseUrl: server.url } });
}

function adapterFor(server: MockServer, env: NodeJS.ProcessEnv = {}, config = ConfigSchema.parse({})) {
  return createModelClient(`google/${MODEL}`, {
    config,
    env: { GEMINI_API_KEY: "test", GOOGLE_GEMINI_BASE_URL: server.url, ...env },
    maxRetries: 0,
  });
}

/** [user text, model call (signed or not), user function response]: the call is in the current turn. */
function currentTurn(signature?: string): Json[] {
  return [
    { role: "user", parts: [{ text: "list the files" }] },
    {
      role: "model",
      parts: [
        {
          functionCall: { name: "bash", args: { command: "ls" } },
          ...(signature ? { thoughtSignature: signature } : {}),
        },
      ],
    },
    { role: "user", parts: [{ functionResponse: { name: "bash", response: { output: "a.txt" } } }] },
  ];
}

const EXPECTED_MESSAGE =
  "Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, " +
  "and missing thought_signature may lead to degraded model performance. Additional data, function call " +
  "`default_api:bash` , position 2. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.";

describe("Gemini 3 thought signatures over HTTP", () => {
  let server: MockServer;
  before(async () => {
    server = await startMockServer({ script: parseMockScript({ after_last: { text: "done." } }) });
  });
  after(async () => {
    await server.close();
  });

  test("the mock answers Gemini 3's 400 INVALID_ARGUMENT for an unsigned current-turn call", async () => {
    const err = await sdk(server)
      .models.generateContent({ model: MODEL, contents: currentTurn() })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.status, 400);
    const logged = server.requests.at(-1)!;
    assert.equal(logged.status, 400);
    // The body as the API sends it: {error: {code, message, status}}.
    const raw = await fetch(`${server.url}/v1beta/models/${MODEL}:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "test" },
      body: JSON.stringify({ contents: currentTurn() }),
    });
    assert.equal(raw.status, 400);
    assert.deepEqual(await raw.json(), { error: { code: 400, message: EXPECTED_MESSAGE, status: "INVALID_ARGUMENT" } });
  });

  test("both documented placeholders pass, an older turn is not checked, and Gemini 2.5 does not enforce it", async () => {
    const genai = sdk(server);
    for (const placeholder of ["skip_thought_signature_validator", "context_engineering_is_the_way_to_go"]) {
      const ok = await genai.models.generateContent({ model: MODEL, contents: currentTurn(placeholder) });
      assert.equal(ok.text, "done.", placeholder);
    }
    const older = [
      ...currentTurn(),
      { role: "model", parts: [{ text: "a.txt" }] },
      { role: "user", parts: [{ text: "thanks" }] },
    ];
    assert.equal((await genai.models.generateContent({ model: MODEL, contents: older })).text, "done.");
    const flash25 = await genai.models.generateContent({ model: "gemini-2.5-flash", contents: currentTurn() });
    assert.equal(flash25.text, "done.");
  });

  test("the adapter sends the placeholder for calls another model wrote, on each step's first call only", async () => {
    const foreign: Message[] = [
      { role: "user", content: [{ type: "text", text: "list and count" }] },
      {
        role: "assistant",
        model: { provider: "anthropic", id: "claude-opus-4-7", protocol: "anthropic-messages" },
        content: [
          { type: "reasoning", text: "plan", protocol: "anthropic-messages", payload: { signature: "sig" } },
          { type: "tool_call", id: "toolu_1", name: "bash", arguments: { command: "ls" } },
          { type: "tool_call", id: "toolu_2", name: "bash", arguments: { command: "wc -l a.txt" } },
        ],
      },
      {
        role: "tool",
        content: [
          {
            type: "tool_result",
            callId: "toolu_1",
            name: "bash",
            content: [{ type: "text", text: "a.txt" }],
            isError: false,
          },
          {
            type: "tool_result",
            callId: "toolu_2",
            name: "bash",
            content: [{ type: "text", text: "3" }],
            isError: false,
          },
        ],
      },
    ];
    const before = server.requests.length;
    const events = await collect(adapterFor(server).stream({ messages: foreign, tools: [BASH] }));
    assert.equal(doneOf(events).stopReason, "end_turn");
    const sent = server.requests[before]!;
    assert.equal(sent.status, 200);
    const model = ((sent.body as Json).contents as Json[]).find((c) => c.role === "model")!;
    const calls = (model.parts as Json[]).filter((p) => p.functionCall);
    assert.deepEqual(
      calls.map((p) => p.thoughtSignature),
      [THOUGHT_SIGNATURE_PLACEHOLDER, undefined],
    );
  });

  test("Gemini's own signatures go back as they came, never replaced; signed text parts are not merged", async () => {
    server.setScript(
      parseMockScript({
        turns: [
          {
            tool_calls: [
              { name: "bash", arguments: { command: "ls" } },
              { name: "bash", arguments: { command: "pwd" } },
            ],
          },
          { text: "Two commands ran fine." },
        ],
        after_last: { text: "ok" },
      }),
    );
    const client = adapterFor(server);
    const history: Message[] = [{ role: "user", content: [{ type: "text", text: "go" }] }];
    const d1 = doneOf(await collect(client.stream({ messages: history, tools: [BASH] })));
    const own = d1.message.content.flatMap((p) => (p.type === "tool_call" ? [p.providerData?.thoughtSignature] : []));
    assert.equal(typeof own[0], "string");
    assert.equal(own[1], undefined, "Gemini signs only the first of parallel calls");
    history.push(d1.message, {
      role: "tool",
      content: d1.message.content.flatMap((p) =>
        p.type === "tool_call"
          ? [
              {
                type: "tool_result" as const,
                callId: p.id,
                name: p.name,
                content: [{ type: "text" as const, text: "x" }],
                isError: false,
              },
            ]
          : [],
      ),
    });
    const before = server.requests.length;
    const d2 = doneOf(await collect(client.stream({ messages: history, tools: [BASH] })));
    const sent = (server.requests[before]!.body as { contents: Json[] }).contents;
    const replayed = (sent.find((c) => c.role === "model")!.parts as Json[]).map((p) => p.thoughtSignature);
    assert.deepEqual(replayed, [own[0], undefined]);

    // Text streamed in several chunks, the last one signed: the signed part stays its own part on replay.
    history.push(d2.message, { role: "user", content: [{ type: "text", text: "and now?" }] });
    const before2 = server.requests.length;
    await collect(client.stream({ messages: history, tools: [BASH] }));
    const contents = (server.requests[before2]!.body as { contents: Json[] }).contents;
    const answer = contents.filter((c) => c.role === "model").at(-1)!.parts as Json[];
    assert.ok(answer.length >= 2, JSON.stringify(answer));
    assert.equal(answer.map((p) => p.text).join(""), "Two commands ran fine.");
    assert.equal(answer.filter((p) => p.thoughtSignature).length, 1);
    assert.equal(typeof answer.at(-1)!.thoughtSignature, "string", "the signature stays on the part it came on");
    assert.ok(answer.slice(0, -1).every((p) => p.thoughtSignature === undefined));
  });
});

describe("Gemini finish reasons and API version over HTTP", () => {
  let server: MockServer;
  before(async () => {
    server = await startMockServer({ script: parseMockScript({}) });
  });
  after(async () => {
    await server.close();
  });

  const ask: ModelRequest = { messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], tools: [BASH] };

  test("MALFORMED_RESPONSE, OTHER, IMAGE_OTHER and NO_IMAGE end the stream with a retryable error, not done", async () => {
    for (const reason of ["MALFORMED_RESPONSE", "OTHER", "IMAGE_OTHER", "NO_IMAGE"]) {
      server.setScript(parseMockScript({ turns: [{ text: "partial ans", gemini_finish_reason: reason }] }));
      const events = await collect(adapterFor(server).stream(ask));
      assert.equal(
        events.some((e) => e.type === "done"),
        false,
        reason,
      );
      const { error } = errorOf(events);
      assert.equal(error.retryable, true, reason);
      assert.match(error.message, new RegExp(`finishReason ${reason}`));
    }
  });

  test("CONTINUATION is a pause; TOO_MANY_TOOL_CALLS without calls is incomplete; neither is end_turn", async () => {
    server.setScript(
      parseMockScript({
        turns: [{ text: "part one", gemini_finish_reason: "CONTINUATION" }],
        after_last: { text: "", gemini_finish_reason: "TOO_MANY_TOOL_CALLS" },
      }),
    );
    const first = doneOf(await collect(adapterFor(server).stream(ask)));
    assert.equal(first.stopReason, "pause");
    const history: Message[] = [...ask.messages, first.message];
    const second = doneOf(await collect(adapterFor(server).stream({ ...ask, messages: history })));
    assert.equal(second.stopReason, "incomplete");
  });

  test("a reasoning level becomes the thinkingLevel the model takes, or a budget for a budget model", async () => {
    server.setScript(parseMockScript({ after_last: { text: "ok" } }));
    const thinking = async (client: ReturnType<typeof adapterFor>, level: ModelRequest["reasoningEffort"]) => {
      await collect(client.stream({ ...ask, reasoningEffort: level }));
      return ((server.requests.at(-1)!.body as Json).generationConfig as Json).thinkingConfig;
    };
    // Gemini 3.1 Pro takes low/medium/high (no minimal).
    assert.deepEqual(await thinking(adapterFor(server), "minimal"), { includeThoughts: true, thinkingLevel: "LOW" });
    assert.deepEqual(await thinking(adapterFor(server), "medium"), { includeThoughts: true, thinkingLevel: "MEDIUM" });
    const config = ConfigSchema.parse({
      models: { google: [{ id: "gemini-2.5-flash", reasoning: true, reasoning_control: { kind: "budget" } }] },
    });
    const flash = createModelClient("google/gemini-2.5-flash", {
      config,
      env: { GEMINI_API_KEY: "test", GOOGLE_GEMINI_BASE_URL: server.url },
      maxRetries: 0,
    });
    assert.deepEqual(await thinking(flash, "low"), { includeThoughts: true, thinkingBudget: 4096 });
  });

  test("the adapter pins v1beta, ignoring GOOGLE_GENAI_API_VERSION; config api_version chooses another", async () => {
    server.setScript(parseMockScript({ after_last: { text: "ok" } }));
    const saved = process.env.GOOGLE_GENAI_API_VERSION;
    process.env.GOOGLE_GENAI_API_VERSION = "v1";
    try {
      await collect(adapterFor(server).stream(ask));
      assert.match(server.requests.at(-1)!.path, /^\/v1beta\/models\/gemini-3\.1-pro-preview:streamGenerateContent/);
      const config = ConfigSchema.parse({ providers: { google: { protocol: "gemini", api_version: "v1" } } });
      await collect(adapterFor(server, {}, config).stream(ask));
      assert.match(server.requests.at(-1)!.path, /^\/v1\/models\//);
    } finally {
      if (saved === undefined) delete process.env.GOOGLE_GENAI_API_VERSION;
      else process.env.GOOGLE_GENAI_API_VERSION = saved;
    }
  });
});
