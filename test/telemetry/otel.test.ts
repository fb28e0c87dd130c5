import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runJob } from "../../src/bench/job.ts";
import { prepareModelAgents } from "../../src/bench/switchyard-agent.ts";
import { defaultConfig } from "../../src/core/config.ts";
import type { RunEventBody } from "../../src/core/events.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { telemetryEnabled, tracesUrl } from "../../src/telemetry/index.ts";
import { createTelemetry } from "../../src/telemetry/otel.ts";
import { PASS_IF, removeDir, tempDir, writeTask } from "../bench/task-fixtures.ts";
import { attrs, type OtlpReceiver, type OtlpSpan, startOtlpReceiver } from "./otlp-receiver.ts";

/**
 * A bench trial of Switchyard's agent, against the mock over HTTP, with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a
 * small OTLP/HTTP receiver in this test (a node http server decoding the JSON export): the trial's spans arrive
 * with the GenAI semantic conventions' names and attributes.
 */

const root = tempDir("sy-otel-");
let otlp: OtlpReceiver;
let received: OtlpSpan[] = [];
let paths: string[] = [];
let endpoint = "";
let mock: MockServer;

before(async () => {
  otlp = await startOtlpReceiver();
  received = otlp.spans;
  paths = otlp.requests;
  endpoint = otlp.endpoint;
  mock = await startMockServer({
    script: parseMockScript({
      models: {
        "gpt-5.5": {
          turns: [
            {
              tool_calls: [{ name: "bash", arguments: { command: "echo 42 > /app/answer.txt" } }],
              usage: { input: 900, cache_read: 100, output: 40 },
            },
            { text: "done", usage: { input: 1000, cache_read: 900, output: 5 } },
          ],
        },
      },
    }),
  });
});

after(async () => {
  await mock?.close();
  await otlp?.close();
  removeDir(root);
});

test("telemetry is off without an OTLP endpoint; the traces URL follows the exporter spec", () => {
  assert.equal(telemetryEnabled({}), false);
  assert.equal(telemetryEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://h:4318", OTEL_SDK_DISABLED: "true" }), false);
  assert.equal(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://h:4318/" }), "http://h:4318/v1/traces");
  assert.equal(tracesUrl({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://h:1/t" }), "http://h:1/t");
});

test("a bench trial exports invoke_agent, chat and execute_tool spans with GenAI attributes over OTLP/HTTP", async () => {
  const suite = join(root, "suite");
  writeTask(suite, "otel-task", {
    dockerfile: "FROM debian:bookworm\nWORKDIR /app\n",
    test: PASS_IF('[ "$(cat /app/answer.txt 2>/dev/null)" = 42 ]'),
  });
  const env = {
    ...process.env,
    OPENAI_API_KEY: "test",
    OPENAI_BASE_URL: `${mock.url}/v1`,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  };
  const runModelAgent = await prepareModelAgents(["openai/gpt-5.5"], { config: defaultConfig(), env });
  const job = await runJob({
    paths: [suite],
    agents: [{ kind: "switchyard", model: "openai/gpt-5.5" }],
    k: 1,
    n: 1,
    resume: false,
    timeoutMultiplier: 1,
    env: "local",
    strictEnv: false,
    outDir: join(root, "jobs"),
    jobName: "otel",
    resultsDb: false,
    runModelAgent,
    agentLimits: { max_steps: 10 },
  });
  assert.equal(job.trials[0]?.passed, true, JSON.stringify(job.trials[0]?.exception_info));
  assert.ok(paths.length > 0, "the receiver got an export");
  assert.match(paths[0] ?? "", /^POST \/v1\/traces application\/json/);

  const agent = received.find((s) => s.name === "invoke_agent switchyard");
  assert.ok(agent, `spans: ${received.map((s) => s.name).join(", ")}`);
  const a = attrs(agent);
  assert.equal(a["gen_ai.operation.name"], "invoke_agent");
  assert.equal(a["gen_ai.agent.name"], "switchyard");
  assert.equal(a["gen_ai.provider.name"], "openai");
  assert.equal(a["gen_ai.request.model"], "gpt-5.5");
  assert.equal(a["switchyard.task.name"], "otel-task");
  assert.equal(a["gen_ai.usage.output_tokens"], 45);
  assert.ok(Number(a["switchyard.cost_usd"]) > 0);

  const chats = received.filter((s) => s.name === "chat gpt-5.5");
  assert.equal(chats.length, 2);
  for (const c of chats) {
    assert.equal(c.kind, 3, "SPAN_KIND_CLIENT");
    assert.equal(c.parentSpanId, agent.spanId);
    assert.equal(c.traceId, agent.traceId);
    const ca = attrs(c);
    assert.equal(ca["gen_ai.operation.name"], "chat");
    assert.equal(ca["gen_ai.provider.name"], "openai");
    assert.equal(ca["gen_ai.request.model"], "gpt-5.5");
    assert.ok(Number(ca["gen_ai.usage.input_tokens"]) >= 900);
    assert.ok(Number(ca["switchyard.cost_usd"]) > 0);
  }
  assert.deepEqual(chats.map((c) => attrs(c)["gen_ai.usage.output_tokens"]).sort(), [40, 5].sort());

  const tool = received.find((s) => s.name === "execute_tool bash");
  assert.ok(tool);
  const ta = attrs(tool);
  assert.equal(ta["gen_ai.operation.name"], "execute_tool");
  assert.equal(ta["gen_ai.tool.name"], "bash");
  assert.equal(typeof ta["gen_ai.tool.call.id"], "string");
  assert.equal(tool.parentSpanId, agent.spanId);
});

/** The events of a run that ended `done` in its loop, then `review_failed` when its review could not be written. */
function reviewFailedRun(): RunEventBody[] {
  const model = { provider: "openai", id: "gpt-5.5", protocol: "openai-responses" as const };
  const usage = { input: 10, cacheRead: 0, cacheWrite: 0, output: 5, reasoning: 0 };
  const cost = { input: 0.01, cacheRead: 0, cacheWrite: 0, output: 0.02, total: 0.03, priced: true };
  const final = { type: "final" as const, steps: 1, usage, cost, durationMs: 5 };
  return [
    {
      type: "run_started",
      task: "t",
      model,
      workspace: "/w",
      sandbox: "host",
      limits: { maxSteps: 5 },
      system: "s",
    } as RunEventBody,
    { type: "model_request", model, messages: 1, tools: [], attempt: 1 },
    {
      type: "model_response",
      model,
      message: { role: "assistant", content: [{ type: "text", text: "done" }] },
      stopReason: "end_turn",
      usage,
      cost,
      latency: { totalMs: 3 },
    },
    { ...final, endState: "done", exitCode: 0, message: "done" },
    { ...final, endState: "review_failed", exitCode: 9, message: "the review could not be written: EACCES" },
  ];
}

test("a run's invoke_agent span ends with the run's real end state: review_failed after a done loop", async () => {
  const telemetry = createTelemetry({ url: `${endpoint}/v1/traces` });
  const held = telemetry.run({ "switchyard.case": "until-end" }, { untilEnd: true });
  const first = telemetry.run({ "switchyard.case": "at-final" });
  for (const ev of reviewFailedRun()) {
    held.onEvent(ev);
    first.onEvent(ev);
  }
  held.end();
  held.end();
  first.end();
  await telemetry.shutdown();
  const span = (name: string) => {
    const s = received.filter((x) => x.name === "invoke_agent switchyard" && attrs(x)["switchyard.case"] === name);
    assert.equal(s.length, 1, `one ${name} span`);
    return s[0] as OtlpSpan;
  };
  const a = attrs(span("until-end"));
  assert.equal(a["switchyard.end_state"], "review_failed");
  assert.equal(a["switchyard.exit_code"], 9);
  assert.deepEqual(span("until-end").status, { code: 2, message: "review_failed" });
  // Without untilEnd (a bench trial: one final) the span ends at the first final, with its state.
  assert.equal(attrs(span("at-final"))["switchyard.end_state"], "done");
  assert.equal(span("at-final").status?.code ?? 0, 0);
});
