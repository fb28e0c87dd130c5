import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { FUNCTION_TOOLS_RESPONSES as tools, twoTurnScript } from "./fixtures.ts";

describe("mock: OpenAI Responses through the official SDK", () => {
  let mock: MockServer;
  let client: OpenAI;
  before(async () => {
    mock = await startMockServer({ script: twoTurnScript() });
    client = new OpenAI({ apiKey: "test-key", baseURL: `${mock.url}/v1`, maxRetries: 0 });
  });
  after(() => mock.close());

  test("non-stream create: reasoning, message, two function calls, usage with cache tokens", async () => {
    const r = await client.responses.create({
      model: "gpt-test",
      input: "look around",
      tools,
      include: ["reasoning.encrypted_content"],
    });
    assert.equal(r.status, "completed");
    assert.deepEqual(
      r.output.map((o) => o.type),
      ["reasoning", "message", "function_call", "function_call"],
    );
    assert.equal(r.output_text, "Let me look at both.");
    const rs = r.output[0];
    assert.ok(rs?.type === "reasoning");
    assert.equal(rs.summary[0]?.text, "The user wants the file and the listing.");
    assert.ok(typeof rs.encrypted_content === "string" && rs.encrypted_content.length > 0);
    // Without include the reasoning item carries no encrypted_content (only its id refers to it).
    const plain = await client.responses.create({ model: "gpt-test", input: "look around again", tools });
    const plainRs = plain.output[0];
    assert.ok(plainRs?.type === "reasoning");
    assert.equal(plainRs.encrypted_content, undefined);
    const calls = r.output.filter((o) => o.type === "function_call");
    assert.deepEqual(
      calls.map((c) => [c.call_id, c.name, JSON.parse(c.arguments)]),
      [
        ["call_0_0", "read_file", { path: "a.txt" }],
        ["call_0_1", "list_dir", { path: ".", depth: 2 }],
      ],
    );
    assert.equal(r.usage?.input_tokens, 100);
    assert.equal(r.usage?.input_tokens_details.cached_tokens, 30);
    assert.equal(
      (r.usage?.input_tokens_details as { cache_write_tokens?: number } | undefined)?.cache_write_tokens,
      20,
    );
    assert.equal(r.usage?.output_tokens, 40);
    assert.equal(r.usage?.output_tokens_details.reasoning_tokens, 10);
    assert.equal(r.usage?.total_tokens, 140);
  });

  test("stream create: ordered sequence numbers, deltas rebuild the text and arguments, completed has the created id", async () => {
    const stream = await client.responses.create({ model: "gpt-test", input: "look around", tools, stream: true });
    const seqs: number[] = [];
    const types: string[] = [];
    let text = "";
    const args = new Map<number, string>();
    let createdId = "";
    let completed: OpenAI.Responses.Response | undefined;
    for await (const e of stream) {
      seqs.push(e.sequence_number);
      types.push(e.type);
      if (e.type === "response.created") createdId = e.response.id;
      if (e.type === "response.output_text.delta") text += e.delta;
      if (e.type === "response.function_call_arguments.delta") {
        args.set(e.output_index, (args.get(e.output_index) ?? "") + e.delta);
      }
      if (e.type === "response.completed") completed = e.response;
    }
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i),
    );
    assert.equal(types[0], "response.created");
    assert.equal(types[1], "response.in_progress");
    assert.equal(types.at(-1), "response.completed");
    assert.ok(types.filter((t) => t === "response.output_text.delta").length > 1, "text arrives in several deltas");
    assert.equal(text, "Let me look at both.");
    assert.deepEqual(JSON.parse(args.get(2) ?? ""), { path: "a.txt" });
    assert.deepEqual(JSON.parse(args.get(3) ?? ""), { path: ".", depth: 2 });
    assert.equal(completed?.id, createdId);
    assert.equal(completed?.output.length, 4);
    assert.equal(completed?.usage?.input_tokens_details.cached_tokens, 30);
  });

  test("responses.stream().finalResponse() (strict accumulator) accepts the whole sequence", async () => {
    const final = await client.responses.stream({ model: "gpt-test", input: "look around", tools }).finalResponse();
    assert.equal(final.status, "completed");
    assert.equal(final.output_text, "Let me look at both.");
    const rs = final.output[0];
    assert.ok(rs?.type === "reasoning");
    assert.equal(rs.summary[0]?.text, "The user wants the file and the listing.");
    const fc = final.output[3];
    assert.ok(fc?.type === "function_call");
    assert.equal(fc.arguments, JSON.stringify({ path: ".", depth: 2 }));
    assert.equal(final.usage?.output_tokens_details.reasoning_tokens, 10);
  });

  test("turn selection: previous_response_id continues at the next turn", async () => {
    const r1 = await client.responses.create({ model: "gpt-test", input: "stateful run", tools });
    const outputs = r1.output
      .filter((o) => o.type === "function_call")
      .map((c) => ({ type: "function_call_output" as const, call_id: c.call_id, output: "ok" }));
    const r2 = await client.responses.create({ model: "gpt-test", previous_response_id: r1.id, input: outputs, tools });
    assert.equal(r2.output_text, "All done here.");
    assert.equal(r2.previous_response_id, r1.id);
    const r3 = await client.responses.create({ model: "gpt-test", previous_response_id: r2.id, input: "more?" });
    assert.equal(r3.output_text, "done.", "past the last turn: the default after_last");
    await assert.rejects(
      client.responses.create({ model: "gpt-test", previous_response_id: "resp_unknown", input: "x" }),
      (err: unknown) =>
        err instanceof OpenAI.BadRequestError &&
        err.code === "previous_response_not_found" &&
        err.param === "previous_response_id",
    );
  });

  test("turn selection: stateless history counts model-produced runs", async () => {
    // Stateless: reasoning goes back with its encrypted_content (a bare reasoning id of a store:false response is 404).
    const r1 = await client.responses.create({
      model: "gpt-test",
      input: "stateless run",
      tools,
      store: false,
      include: ["reasoning.encrypted_content"],
    });
    const history: OpenAI.Responses.ResponseInputItem[] = [
      { role: "user", content: "stateless run" },
      ...(r1.output as OpenAI.Responses.ResponseInputItem[]),
      { type: "function_call_output", call_id: "call_0_0", output: "a" },
      { type: "function_call_output", call_id: "call_0_1", output: "b" },
    ];
    const r2 = await client.responses.create({ model: "gpt-test", input: history, tools, store: false });
    assert.equal(r2.output_text, "All done here.");
    assert.equal(r2.usage?.input_tokens, 200);
    await assert.rejects(
      client.responses.create({ model: "gpt-test", previous_response_id: r1.id, input: "x" }),
      OpenAI.BadRequestError,
      "store:false responses are not retrievable",
    );
  });

  test("responses.compact keeps user messages, appends an opaque compaction item, and turn counting survives it", async () => {
    const r1 = await client.responses.create({ model: "gpt-test", input: "compact me", tools });
    const history: OpenAI.Responses.ResponseInputItem[] = [
      { role: "user", content: "compact me" },
      ...(r1.output as OpenAI.Responses.ResponseInputItem[]),
      { type: "function_call_output", call_id: "call_0_0", output: "a" },
      { type: "function_call_output", call_id: "call_0_1", output: "b" },
    ];
    const c = await client.responses.compact({ model: "gpt-test", input: history });
    assert.equal(c.object, "response.compaction");
    assert.deepEqual(
      c.output.map((o) => o.type),
      ["message", "compaction"],
    );
    const kept = c.output[0];
    assert.ok(kept?.type === "message" && (kept as { role: string }).role === "user");
    const cmp = c.output[1];
    assert.ok(cmp?.type === "compaction" && cmp.encrypted_content.length > 0);
    assert.ok(c.usage.input_tokens > 0);
    const next = await client.responses.create({
      model: "gpt-test",
      input: [...(c.output as OpenAI.Responses.ResponseInputItem[]), { role: "user", content: "continue" }],
    });
    assert.equal(next.output_text, "All done here.", "the compaction item stands for the one turn it replaced");
  });
});
