import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Content, GoogleGenAI } from "@google/genai";
import { isBase64Bytes } from "../../src/mock/gemini-history.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { type GeminiErrorBody, rejection } from "./gemini-fixtures.ts";

const call = (name: string, id: string) => ({ functionCall: { name, args: {}, id } });
const response = (name: string, id: string) => ({ functionResponse: { name, id, response: { output: "ok" } } });

describe("mock: Gemini checks the turn structure and bytes fields like the real API", () => {
  let mock: MockServer;
  let ai: GoogleGenAI;
  before(async () => {
    const script = parseMockScript({
      turns: [{ tool_calls: [{ name: "bash", arguments: { command: "ls" } }] }],
      after_last: { text: "ok" },
    });
    mock = await startMockServer({ script });
    ai = new GoogleGenAI({ apiKey: "k", httpOptions: { baseUrl: mock.url } });
  });
  after(() => mock.close());

  const send = (contents: Content[], model = "gemini-2.5-flash") => ai.models.generateContent({ model, contents });

  test("the signature the mock sends is standard padded base64 and round-trips on Gemini 3", async () => {
    const first = await send([{ role: "user", parts: [{ text: "list" }] }], "gemini-3-pro-preview");
    const part = first.candidates?.[0]?.content?.parts?.find((p) => p.functionCall);
    const signature = part?.thoughtSignature ?? "";
    assert.match(signature, /^[A-Za-z0-9+/]+={0,2}$/);
    assert.equal(signature.length % 4, 0, "padded to a multiple of 4");
    const again = await send(
      [
        { role: "user", parts: [{ text: "list" }] },
        { role: "model", parts: [{ ...call("bash", "c1"), thoughtSignature: signature }] },
        { role: "user", parts: [response("bash", "c1")] },
      ],
      "gemini-3-pro-preview",
    );
    assert.equal(again.text, "ok");
  });

  test("a role other than user or model: 'Please use a valid role: user, model.'", async () => {
    const body = await rejection(
      send([
        { role: "user", parts: [{ text: "hi" }] },
        { role: "assistant", parts: [{ text: "hello" }] },
      ]),
    );
    assert.equal(body.error.status, "INVALID_ARGUMENT");
    assert.equal(body.error.message, "Please use a valid role: user, model.");
  });

  test("a prompt after an unanswered call, and a short answer to parallel calls, are refused", async () => {
    const unanswered = await rejection(
      send([
        { role: "user", parts: [{ text: "list" }] },
        { role: "model", parts: [call("bash", "c1")] },
        { role: "user", parts: [{ text: "never mind" }] },
      ]),
    );
    const expected =
      "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.";
    assert.equal(unanswered.error.message, expected);
    const short = await rejection(
      send([
        { role: "user", parts: [{ text: "list" }] },
        { role: "model", parts: [call("bash", "c1"), call("bash", "c2")] },
        { role: "user", parts: [response("bash", "c1")] },
      ]),
    );
    assert.equal(short.error.message, expected);
  });

  test("a call turn must follow a user or response turn; a response turn must follow a call turn", async () => {
    const first = await rejection(
      send([
        { role: "model", parts: [call("bash", "c1")] },
        { role: "user", parts: [response("bash", "c1")] },
      ]),
    );
    assert.equal(
      first.error.message,
      "Please ensure that function call turn comes immediately after a user turn or after a function response turn.",
    );
    const orphan = await rejection(
      send([
        { role: "user", parts: [{ text: "list" }] },
        { role: "model", parts: [{ text: "sure" }] },
        { role: "user", parts: [response("bash", "c1")] },
      ]),
    );
    assert.equal(
      orphan.error.message,
      "Please ensure that function response turn comes immediately after a function call turn.",
    );
  });

  test("a signature that is not base64: TYPE_BYTES with the field's proto path", async () => {
    const body = await rejection(
      send([
        { role: "user", parts: [{ text: "list" }] },
        { role: "model", parts: [{ ...call("bash", "c1"), thoughtSignature: "not base64!" }] },
        { role: "user", parts: [response("bash", "c1")] },
      ]),
    );
    const line = `Invalid value at 'contents[1].parts[0].thought_signature' (TYPE_BYTES), Base64 decoding failed for "not base64!"`;
    assert.equal(body.error.message, line);
    assert.deepEqual(body.error.details, [
      {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        fieldViolations: [{ field: "contents[1].parts[0].thought_signature", description: line }],
      },
    ]);
  });

  test("an invalid function name and empty contents are refused", async () => {
    const name = await rejection(
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: "hi",
        config: { tools: [{ functionDeclarations: [{ name: "read file", description: "x" }] }] },
      }),
    );
    assert.match(
      name.error.message,
      /^\* GenerateContentRequest\.tools\[0\]\.function_declarations\[0\]\.name: Invalid/,
    );
    // The SDK refuses empty contents itself; a raw client reaches the server.
    const res = await fetch(`${mock.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "k" },
      body: JSON.stringify({ contents: [] }),
    });
    assert.equal(res.status, 400);
    const empty = (await res.json()) as GeminiErrorBody;
    assert.equal(empty.error.message, "* GenerateContentRequest.contents: contents is not specified\n");
  });

  test("a valid tool round trip with a dotted function name passes", async () => {
    const ok = await ai.models.generateContent({
      model: "gemini-2.5-flash",
      contents: [
        { role: "user", parts: [{ text: "list" }] },
        { role: "model", parts: [call("fs.list", "c1"), call("fs.list", "c2")] },
        { role: "user", parts: [response("fs.list", "c1"), response("fs.list", "c2")] },
      ],
      config: { tools: [{ functionDeclarations: [{ name: "fs.list", description: "x" }] }] },
    });
    assert.equal(ok.text, "ok");
  });

  test("isBase64Bytes takes both alphabets and optional padding, not a dangling character", () => {
    for (const ok of ["", "QUJD", "QUI", "QUI=", "a-_b", "skip_thought_signature_validator"]) {
      assert.equal(isBase64Bytes(ok), true, ok);
    }
    for (const bad of ["QUJDR", "QU=", "a b", "abc$", "QUI==="]) assert.equal(isBase64Bytes(bad), false, bad);
  });
});
