import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";

describe("mock: routes, auth, log, turn selection, native Responses items", () => {
  let mock: MockServer;
  let dir: string;
  let logFile: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "switchyard-mock-"));
    logFile = join(dir, "requests.jsonl");
    mock = await startMockServer({ script: parseMockScript({ turns: [{ text: "hi" }] }), logFile });
  });
  after(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("no credential at all: each protocol's own status and error body", async () => {
    const post = (path: string) => fetch(`${mock.url}${path}`, { method: "POST", body: '{"model":"m"}' });
    const openai = await post("/v1/chat/completions");
    assert.equal(openai.status, 401);
    const openaiError = ((await openai.json()) as { error: { code: string | null; message: string } }).error;
    assert.equal(openaiError.code, null);
    assert.match(openaiError.message, /^You didn't provide an API key\./);
    const anthropic = await post("/v1/messages");
    assert.equal(anthropic.status, 401);
    const body = (await anthropic.json()) as { type: string; error: { type: string }; request_id: string };
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "authentication_error");
    assert.equal((body.error as { message?: string }).message, "x-api-key header is required");
    assert.match(body.request_id, /^req_/);
    const gemini = await post("/v1beta/models/g:generateContent");
    assert.equal(gemini.status, 403, "Gemini refuses unregistered callers");
    assert.equal(((await gemini.json()) as { error: { status: string } }).error.status, "PERMISSION_DENIED");
    const empty = await fetch(`${mock.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: "Bearer " },
      body: '{"model":"m"}',
    });
    assert.equal(empty.status, 401);
  });

  test("unknown route → 404 shaped like the protocol the path belongs to", async () => {
    const h = { authorization: "Bearer k", "content-type": "application/json" };
    const openai = await fetch(`${mock.url}/v1/embeddings`, { method: "POST", headers: h, body: "{}" });
    assert.equal(openai.status, 404);
    assert.deepEqual(await openai.json(), {
      error: { message: "Invalid URL (POST /v1/embeddings)", type: "invalid_request_error", param: null, code: null },
    });
    const anthropic = await fetch(`${mock.url}/v1/messages/batches`, { method: "POST", headers: h, body: "{}" });
    const anthropicError = ((await anthropic.json()) as { error: { type: string; message: string } }).error;
    assert.deepEqual(anthropicError, { type: "not_found_error", message: "Not Found" });
    const gemini = await fetch(`${mock.url}/v1beta/models/g:embedContent`, { method: "POST", headers: h, body: "{}" });
    assert.equal(((await gemini.json()) as { error: { status: string } }).error.status, "NOT_FOUND");
  });

  test("the log file holds one JSON line per request with redacted auth, turn, model, protocol and status", async () => {
    const client = new OpenAI({ apiKey: "sk-secret-value", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: "logged-model", messages: [{ role: "user", content: "log me" }] });
    const lines = readFileSync(logFile, "utf8").trim().split("\n");
    assert.equal(lines.length, mock.requests.length);
    const last = JSON.parse(lines.at(-1) ?? "{}") as Record<string, unknown>;
    assert.equal(last.method, "POST");
    assert.equal(last.path, "/v1/chat/completions");
    assert.equal(last.turn, 0);
    assert.equal(last.model, "logged-model");
    assert.equal(last.protocol, "openai-chat");
    assert.equal(last.status, 200);
    assert.equal((last.headers as Record<string, string>).authorization, "[redacted]");
    assert.ok(!readFileSync(logFile, "utf8").includes("sk-secret-value"));
    assert.deepEqual((last.body as { messages: unknown[] }).messages, [{ role: "user", content: "log me" }]);
    assert.equal(typeof last.ts, "string");
  });

  test("sequential mode: a per-model counter; per-model trajectories fall back to the top-level turns", async () => {
    mock.setScript(
      parseMockScript({
        turn_selection: "sequential",
        turns: [{ text: "top 1" }, { text: "top 2" }],
        after_last: { text: "top after" },
        models: { special: { turns: [{ text: "special 1" }] } },
      }),
    );
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const ask = async (model: string) =>
      (await client.chat.completions.create({ model, messages: [{ role: "user", content: "same" }] })).choices[0]
        ?.message.content;
    assert.equal(await ask("a"), "top 1");
    assert.equal(await ask("special"), "special 1");
    assert.equal(await ask("a"), "top 2");
    assert.equal(await ask("b"), "top 1");
    assert.equal(await ask("a"), "top after");
    assert.equal(await ask("special"), "top after");
  });

  test("native Responses items: shell_call, apply_patch_call, computer_call (stream accumulator and non-stream)", async () => {
    const operation = { type: "update_file", path: "src/a.ts", diff: "@@\n-old\n+new\n" };
    const actions = [{ type: "click", button: "left", x: 10, y: 20 }, { type: "screenshot" }];
    const safety = [{ id: "sc_1", code: "malicious_instructions", message: "check" }];
    mock.setScript(
      parseMockScript({
        turns: [
          {
            tool_calls: [
              { name: "bash", arguments: { command: "ls -la", timeout_ms: 5000 } },
              { name: "apply_patch", arguments: operation },
              { name: "computer", arguments: { actions, pending_safety_checks: safety } },
              { name: "bash", arguments: { command: "echo function" }, id: "my_id" },
            ],
          },
        ],
      }),
    );
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const tools: OpenAI.Responses.Tool[] = [
      { type: "shell", environment: { type: "local" } },
      { type: "apply_patch" },
      { type: "computer" } as OpenAI.Responses.Tool,
    ];
    const params = { model: "gpt-test", input: "native", tools };
    for (const r of [await client.responses.stream(params).finalResponse(), await client.responses.create(params)]) {
      assert.deepEqual(
        r.output.map((o) => o.type),
        ["shell_call", "apply_patch_call", "computer_call", "shell_call"],
      );
      const [shell, patch, computer, shell2] = r.output;
      assert.ok(shell?.type === "shell_call");
      assert.deepEqual(shell.action, { commands: ["ls -la"], timeout_ms: 5000, max_output_length: null });
      assert.equal(shell.call_id, "call_0_0");
      assert.ok(patch?.type === "apply_patch_call");
      assert.deepEqual(patch.operation, operation);
      assert.ok(computer?.type === "computer_call");
      assert.deepEqual(computer.actions, actions);
      assert.deepEqual(computer.pending_safety_checks, safety);
      assert.ok(shell2?.type === "shell_call" && shell2.call_id === "my_id");
    }
    const withFunction = await client.responses.create({
      ...params,
      tools: [...tools, { type: "function", name: "bash", parameters: {}, strict: false }],
    });
    assert.equal(withFunction.output[0]?.type, "function_call", "a function tool of the same name wins");
  });

  test("max_tokens: Responses status incomplete with response.incomplete and reason max_output_tokens", async () => {
    mock.setScript(parseMockScript({ turns: [{ text: "trunc", stop: "max_tokens" }] }));
    const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const s = await client.responses.create({ model: "gpt-test", input: "x", stream: true });
    let last = "";
    let reason: string | undefined;
    for await (const e of s) {
      last = e.type;
      if (e.type === "response.incomplete") reason = e.response.incomplete_details?.reason;
    }
    assert.equal(last, "response.incomplete");
    assert.equal(reason, "max_output_tokens");
    const final = await client.responses.stream({ model: "gpt-test", input: "x" }).finalResponse();
    assert.equal(final.status, "incomplete");
  });
});
