import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FunctionCallingConfigMode, GoogleGenAI, HarmBlockThreshold, HarmCategory } from "@google/genai";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { rejection } from "./gemini-fixtures.ts";

describe("mock: Gemini rejects unknown fields like the real API", () => {
  let mock: MockServer;
  let ai: GoogleGenAI;
  before(async () => {
    mock = await startMockServer({ script: parseMockScript({ turns: [{ text: "ok" }], after_last: { text: "ok" } }) });
    ai = new GoogleGenAI({ apiKey: "k", httpOptions: { baseUrl: mock.url } });
  });
  after(() => mock.close());

  test("an unknown top-level field: 400 INVALID_ARGUMENT 'Unknown name' with a BadRequest detail", async () => {
    const body = await rejection(
      ai.models.generateContent({
        model: "gemini-test",
        contents: "hi",
        config: { httpOptions: { extraBody: { max_tokens: 5 } } },
      }),
    );
    assert.equal(body.error.code, 400);
    assert.equal(body.error.status, "INVALID_ARGUMENT");
    assert.equal(body.error.message, 'Invalid JSON payload received. Unknown name "max_tokens": Cannot find field.');
    assert.deepEqual(body.error.details, [
      {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        fieldViolations: [{ description: body.error.message }],
      },
    ]);
    assert.equal(mock.requests.at(-1)?.status, 400);
  });

  test("unknown generationConfig and part fields are located by proto path, one line each", async () => {
    const body = await rejection(
      ai.models.generateContent({
        model: "gemini-test",
        contents: "hi",
        config: {
          maxOutputTokens: 10,
          httpOptions: {
            extraBody: {
              generationConfig: { maxTokens: 5 },
              contents: [
                { role: "user", parts: [{ text: "hi" }] },
                { role: "model", parts: [{ text: "a" }, { text: "b", signature: "x" }] },
                { role: "user", parts: [{ text: "go" }], name: "me" },
              ],
            },
          },
        },
      }),
    );
    assert.equal(
      body.error.message,
      [
        `Invalid JSON payload received. Unknown name "signature" at 'contents[1].parts[1]': Cannot find field.`,
        `Invalid JSON payload received. Unknown name "name" at 'contents[2]': Cannot find field.`,
        `Invalid JSON payload received. Unknown name "maxTokens" at 'generation_config': Cannot find field.`,
      ].join("\n"),
    );
    const violations = body.error.details?.[0]?.fieldViolations as Array<{ field: string }>;
    assert.deepEqual(
      violations.map((v) => v.field),
      ["contents[1].parts[1]", "contents[2]", "generation_config"],
    );
  });

  test("a streamed request is checked the same way", async () => {
    const body = await rejection(
      ai.models.generateContentStream({
        model: "gemini-test",
        contents: "hi",
        config: { httpOptions: { extraBody: { systemInstruction: { parts: [{ txt: "rules" }] } } } },
      }),
    );
    assert.match(body.error.message, /Unknown name "txt" at 'system_instruction\.parts\[0\]'/);
  });

  test("a valid SDK request using many fields still passes", async () => {
    const r = await ai.models.generateContent({
      model: "gemini-test",
      contents: [
        { role: "user", parts: [{ text: "q" }] },
        {
          role: "model",
          parts: [
            { text: "thinking", thought: true, thoughtSignature: "c2ln" },
            { functionCall: { id: "c1", name: "bash", args: { command: "ls" } }, thoughtSignature: "c2ln" },
          ],
        },
        {
          role: "user",
          parts: [
            { functionResponse: { id: "c1", name: "bash", response: { output: "a.txt" } } },
            { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
          ],
        },
      ],
      config: {
        systemInstruction: "rules",
        tools: [{ functionDeclarations: [{ name: "bash", parametersJsonSchema: { type: "object" } }] }],
        toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } },
        safetySettings: [{ category: HarmCategory.HARM_CATEGORY_HARASSMENT, threshold: HarmBlockThreshold.BLOCK_NONE }],
        labels: { team: "x" },
        maxOutputTokens: 100,
        temperature: 0.5,
        topP: 0.9,
        topK: 40,
        seed: 1,
        candidateCount: 1,
        stopSequences: ["END"],
        presencePenalty: 0,
        frequencyPenalty: 0,
        responseMimeType: "text/plain",
        thinkingConfig: { includeThoughts: true, thinkingBudget: 128 },
        automaticFunctionCalling: { disable: true },
      },
    });
    assert.equal(r.text, "ok");
    const sent = mock.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(sent).sort(), [
      "contents",
      "generationConfig",
      "labels",
      "safetySettings",
      "systemInstruction",
      "toolConfig",
      "tools",
    ]);
  });

  test("proto (snake_case) field names are accepted, as protobuf JSON parsing does", async () => {
    const res = await fetch(`${mock.url}/v1beta/models/gemini-test:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "k" },
      body: JSON.stringify({
        contents: [{ role: "user", parts: [{ text: "q" }] }],
        system_instruction: { parts: [{ text: "rules" }] },
        generation_config: { max_output_tokens: 10, thinking_config: { include_thoughts: true } },
      }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
  });
});
