import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { ConfigSchema } from "../../src/core/config.ts";
import { ConfigError } from "../../src/core/errors.ts";
import type { AssistantMessage, Message, ToolCall } from "../../src/core/messages.ts";
import type { Tool } from "../../src/core/tool.ts";
import type { MockServer } from "../../src/mock/server.ts";
import { createModelClient } from "../../src/providers/client.ts";
import { openaiResponses } from "../../src/providers/openai-responses.ts";
import { responsesOptions } from "../../src/providers/openai-responses-convert.ts";
import { createBashTool } from "../../src/tools/bash.ts";
import { executeToolCall } from "../../src/tools/execute.ts";
import { type Harness, hostHarness } from "../sandbox/helpers.ts";
import { adapter, BASH_TOOL, collect, doneOf, mock, PATCH_TOOL, READ_TOOL, request, user } from "./helpers.ts";

/**
 * Responses API fidelity over HTTP (official openai SDK against the mock): message `phase` kept and resent, adjacent
 * message items not merged, the shell tool's `max_output_length` honoured and echoed with stderr apart,
 * `/responses/compact` with native items, `compact_threshold` ≥ 1000 (openai-openapi openapi.yaml), and the stateful
 * mode reachable from config.
 */

type Json = Record<string, unknown>;

function inputOf(server: MockServer, index = -1, path = "/v1/responses"): Json[] {
  const logged = server.requests.filter((r) => r.path === path).at(index)!;
  return (logged.body as { input: Json[] }).input;
}

describe("Responses message phase over HTTP", () => {
  let server: MockServer;
  before(async () => {
    server = await mock({
      turns: [
        { commentary: "Let me read it.", tool_calls: [{ name: "read_file", arguments: { path: "a.txt" } }] },
        { commentary: "Read it.", text: "It says hello." },
      ],
    });
  });
  after(async () => {
    await server.close();
  });

  test("the mock's message items carry phase and the SDK's accumulator takes them", async () => {
    const sdk = new OpenAI({ apiKey: "k", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const final = await sdk.responses.stream({ model: "gpt-5.5", input: "read a.txt" }).finalResponse();
    const messages = final.output.filter((o) => o.type === "message");
    assert.deepEqual(
      messages.map((m) => (m.type === "message" ? m.phase : undefined)),
      ["commentary"],
    );
  });

  test("phase is kept and resent on every assistant message; adjacent message items stay apart", async () => {
    const client = adapter(openaiResponses, "openai/gpt-5.5", server);
    const history: Message[] = [user("read a.txt")];
    const d1 = doneOf(await collect(client.stream(request(history))));
    const call = d1.message.content.find((p): p is ToolCall => p.type === "tool_call")!;
    history.push(d1.message, {
      role: "tool",
      content: [
        {
          type: "tool_result",
          callId: call.id,
          name: call.name,
          content: [{ type: "text", text: "hello" }],
          isError: false,
        },
      ],
    });
    const d2 = doneOf(await collect(client.stream(request(history))));
    assert.deepEqual(
      d2.message.content.map((p) => (p.type === "text" ? [p.text, p.providerData?.phase] : p.type)),
      [
        ["Read it.", "commentary"],
        ["It says hello.", "final_answer"],
      ],
    );
    history.push(d2.message, user("thanks"));
    await collect(client.stream(request(history)));
    const assistant = inputOf(server).filter((i) => i.role === "assistant");
    assert.deepEqual(assistant, [
      { role: "assistant", content: "Let me read it.", phase: "commentary" },
      { role: "assistant", content: "Read it.", phase: "commentary" },
      { role: "assistant", content: "It says hello.", phase: "final_answer" },
    ]);
    // Another protocol's text has no phase and is sent without one.
    const foreign: AssistantMessage = { role: "assistant", content: [{ type: "text", text: "hi from Claude" }] };
    await collect(client.stream(request([user("hi"), foreign, user("go on")])));
    assert.deepEqual(
      inputOf(server).filter((i) => i.role === "assistant"),
      [{ role: "assistant", content: "hi from Claude" }],
    );
  });
});

describe("Responses shell tool over HTTP", () => {
  let h: Harness;
  const bash = createBashTool();
  before(async () => {
    h = await hostHarness();
  });
  after(async () => {
    await bash.close?.();
    await h.cleanup();
  });

  test("max_output_length is applied to stdout+stderr and echoed; stderr comes back as stderr", async () => {
    const command = "printf 'out-123456789'; printf 'err-abcdefghij' >&2; (exit 3)";
    const server = await mock({
      turns: [{ tool_calls: [{ name: "bash", arguments: { command, max_output_length: 10 } }] }, { text: "ok" }],
    });
    try {
      const client = adapter(openaiResponses, "openai/gpt-5.5", server);
      const history: Message[] = [user("run it")];
      const d1 = doneOf(await collect(client.stream(request(history, [BASH_TOOL]))));
      const call = d1.message.content.find((p): p is ToolCall => p.type === "tool_call")!;
      assert.equal(call.native, "openai.shell");
      assert.equal(call.arguments.max_output_length, 10);
      const result = await executeToolCall([bash as unknown as Tool], call, h.ctx);
      assert.deepEqual(result.structured, {
        outputs: [{ stdout: "out-123456789", stderr: "err-abcdefghij", exit_code: 3, timed_out: false }],
      });
      history.push(d1.message, { role: "tool", content: [result] });
      await collect(client.stream(request(history, [BASH_TOOL])));
      const output = inputOf(server).find((i) => i.type === "shell_call_output");
      assert.deepEqual(output, {
        type: "shell_call_output",
        call_id: call.id,
        // 10 characters in all: half each, the end of each stream kept.
        output: [{ stdout: "56789", stderr: "fghij", outcome: { type: "exit", exit_code: 3 } }],
        max_output_length: 10,
      });
      assert.equal(server.requests.at(-1)!.status, 200);
    } finally {
      await server.close();
    }
  });
});

describe("/responses/compact with native items", () => {
  test("shell_call, apply_patch_call and computer_call go as themselves, never as function calls", async () => {
    const server = await mock({});
    try {
      const client = adapter(openaiResponses, "openai/gpt-5.5", server);
      const history: Message[] = [
        user("fix it"),
        {
          role: "assistant",
          content: [
            {
              type: "tool_call",
              id: "c_sh",
              name: "bash",
              native: "openai.shell",
              arguments: { commands: ["ls"], timeout_ms: null, max_output_length: 200 },
            },
            {
              type: "tool_call",
              id: "c_ap",
              name: "apply_patch",
              native: "openai.apply_patch",
              arguments: { type: "create_file", path: "a.txt", diff: "+hi" },
            },
            {
              type: "tool_call",
              id: "c_cu",
              name: "computer",
              native: "openai.computer",
              arguments: { action: { type: "screenshot" } },
              providerData: { itemId: "cu_1" },
            },
          ],
        },
        {
          role: "tool",
          content: [
            {
              type: "tool_result",
              callId: "c_sh",
              name: "bash",
              native: "openai.shell",
              content: [{ type: "text", text: "a.txt" }],
              isError: false,
              structured: { outputs: [{ stdout: "a.txt\n", stderr: "", exit_code: 0, timed_out: false }] },
            },
            {
              type: "tool_result",
              callId: "c_ap",
              name: "apply_patch",
              native: "openai.apply_patch",
              content: [{ type: "text", text: "done" }],
              isError: false,
            },
            {
              type: "tool_result",
              callId: "c_cu",
              name: "computer",
              native: "openai.computer",
              content: [{ type: "image", mediaType: "image/png", data: "AAAA" }],
              isError: false,
            },
          ],
        },
      ];
      assert.ok(client.compact);
      const compacted = await client.compact({ system: "sys", messages: history });
      assert.ok(compacted.length > 0);
      const types = inputOf(server, -1, "/v1/responses/compact").map((i) => i.type ?? i.role);
      assert.deepEqual(types, [
        "user",
        "shell_call",
        "apply_patch_call",
        "computer_call",
        "shell_call_output",
        "apply_patch_call_output",
        "computer_call_output",
      ]);
      const shell = inputOf(server, -1, "/v1/responses/compact").find((i) => i.type === "shell_call_output")!;
      assert.equal(shell.max_output_length, 200);
    } finally {
      await server.close();
    }
  });
});

describe("context_management compact_threshold and the stateful mode", () => {
  let server: MockServer;
  before(async () => {
    server = await mock({ after_last: { text: "ok" } });
  });
  after(async () => {
    await server.close();
  });

  test("the mock answers OpenAI's 400 integer_below_min_value for a threshold below 1000", async () => {
    const sdk = new OpenAI({ apiKey: "k", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const err = await sdk.responses
      .create({ model: "gpt-5.5", input: "hi", context_management: [{ type: "compaction", compact_threshold: 999 }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.deepEqual(err.error, {
      message:
        "Invalid 'context_management[0].compact_threshold': integer below minimum value. Expected a value >= 1000, but got 999 instead.",
      type: "invalid_request_error",
      param: "context_management[0].compact_threshold",
      code: "integer_below_min_value",
    });
    const ok = await sdk.responses.create({
      model: "gpt-5.5",
      input: "hi",
      context_management: [{ type: "compaction", compact_threshold: 1000 }],
    });
    assert.equal(ok.status, "completed");
  });

  test("Switchyard refuses a threshold below 1000 before any request: options, config and client", () => {
    assert.throws(() => responsesOptions({ compactThreshold: 999 }), ConfigError);
    assert.deepEqual(responsesOptions({ compactThreshold: 1000 }), { compactThreshold: 1000 });
    const parsed = ConfigSchema.safeParse({ responses: { compact_threshold: 500 } });
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error?.issues[0]?.path, ["responses", "compact_threshold"]);
    const before = server.requests.length;
    assert.throws(
      () =>
        createModelClient("openai/gpt-5.5", {
          config: ConfigSchema.parse({}),
          env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: `${server.url}/v1` },
          protocolOptions: { compactThreshold: 10 },
        }),
      (e: unknown) => e instanceof ConfigError && e.field === "responses.compact_threshold",
    );
    assert.equal(server.requests.length, before);
  });

  test("[responses] mode = stateful and compact_threshold from the config reach the wire", async () => {
    const config = ConfigSchema.parse({ responses: { mode: "stateful", compact_threshold: 150_000 } });
    const client = createModelClient("openai/gpt-5.5", {
      config,
      env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: `${server.url}/v1` },
      maxRetries: 0,
    });
    const history: Message[] = [user("first")];
    const d1 = doneOf(await collect(client.stream(request(history, [READ_TOOL, PATCH_TOOL]))));
    history.push(d1.message, user("second"));
    await collect(client.stream(request(history, [READ_TOOL, PATCH_TOOL])));
    const [b1, b2] = server.requests.slice(-2).map((r) => r.body as Json);
    assert.equal(b1?.store, true);
    assert.deepEqual(b1?.context_management, [{ type: "compaction", compact_threshold: 150_000 }]);
    assert.equal(b2?.previous_response_id, d1.responseId);
    assert.deepEqual(b2?.input, [{ role: "user", content: [{ type: "input_text", text: "second" }] }]);
    assert.equal(server.requests.at(-1)!.status, 200);
  });
});

describe("Responses items the server did not keep (store: false)", () => {
  let server: MockServer;
  before(async () => {
    server = await mock({
      turns: [{ reasoning: "Read it first.", tool_calls: [{ name: "read_file", arguments: { path: "a.txt" } }] }],
      after_last: { text: "It says hello." },
    });
  });
  after(async () => {
    await server.close();
  });

  const notKept = (id: string) => ({
    message: `Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
    type: "invalid_request_error",
    param: "input",
    code: null,
  });

  test("a reasoning item by id alone, or an item_reference, is OpenAI's 404 unless its response was stored", async () => {
    const sdk = new OpenAI({ apiKey: "k", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const first = async (store: boolean) => {
      const r = await sdk.responses.create({
        model: "gpt-5.5",
        input: `read a.txt (${store})`,
        store,
        include: ["reasoning.encrypted_content"],
      });
      const rs = r.output.find((o) => o.type === "reasoning");
      const call = r.output.find((o) => o.type === "function_call");
      assert.ok(rs?.type === "reasoning" && call?.type === "function_call");
      return { rs, call };
    };
    const followUp = (store: boolean, ref: OpenAI.Responses.ResponseInputItem, call: { call_id: string }) =>
      sdk.responses.create({
        model: "gpt-5.5",
        store,
        input: [
          { role: "user", content: `read a.txt (${store})` },
          ref,
          { type: "function_call", call_id: call.call_id, name: "read_file", arguments: '{"path":"a.txt"}' },
          { type: "function_call_output", call_id: call.call_id, output: "hello" },
        ],
      });
    const refused = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );

    const unstored = await first(false);
    const byId = { type: "reasoning", id: unstored.rs.id, summary: [] } as OpenAI.Responses.ResponseReasoningItem;
    for (const ref of [byId, { type: "item_reference", id: unstored.rs.id } as const]) {
      const err = await refused(followUp(false, ref, unstored.call));
      assert.ok(err instanceof OpenAI.NotFoundError, String(err));
      assert.deepEqual(err.error, notKept(unstored.rs.id));
    }
    // With its encrypted_content the item is decrypted, not looked up: the stateless round trip.
    const encrypted = { ...byId, encrypted_content: unstored.rs.encrypted_content };
    assert.equal((await followUp(false, encrypted, unstored.call)).output_text, "It says hello.");
    // A stored response's items can be referenced by id, whatever the next request's store.
    const stored = await first(true);
    const storedRef = { type: "reasoning", id: stored.rs.id, summary: [] } as OpenAI.Responses.ResponseReasoningItem;
    assert.equal((await followUp(false, storedRef, stored.call)).output_text, "It says hello.");
    assert.equal(
      (await followUp(true, { type: "item_reference", id: stored.rs.id }, stored.call)).output_text,
      "It says hello.",
    );
    // An id in no form this server issued is not found either.
    const foreign = await refused(followUp(false, { ...byId, id: "rs_x" }, unstored.call));
    assert.ok(foreign instanceof OpenAI.NotFoundError);
  });

  test("the adapter's reasoning round trip passes in both modes", async () => {
    for (const mode of ["stateless", "stateful"] as const) {
      const client = createModelClient("openai/gpt-5.5", {
        config: ConfigSchema.parse({ responses: { mode } }),
        env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: `${server.url}/v1` },
        maxRetries: 0,
      });
      const history: Message[] = [user(`read a.txt, ${mode}`)];
      const d1 = doneOf(await collect(client.stream(request(history, [READ_TOOL]))));
      const call = d1.message.content.find((p): p is ToolCall => p.type === "tool_call");
      assert.ok(call, mode);
      assert.ok(d1.message.content.some((p) => p.type === "reasoning"));
      history.push(d1.message, {
        role: "tool",
        content: [
          {
            type: "tool_result",
            callId: call.id,
            name: call.name,
            content: [{ type: "text", text: "hello" }],
            isError: false,
          },
        ],
      });
      const d2 = doneOf(await collect(client.stream(request(history, [READ_TOOL]))));
      assert.equal(server.requests.at(-1)!.status, 200, mode);
      assert.equal(d2.stopReason, "end_turn", mode);
      const sent = inputOf(server).find((i) => i.type === "reasoning");
      if (mode === "stateless") assert.equal(typeof sent?.encrypted_content, "string");
    }
  });
});
