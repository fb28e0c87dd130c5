import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runJob } from "../../src/bench/job.ts";
import { prepareModelAgents } from "../../src/bench/switchyard-agent.ts";
import { defaultConfig } from "../../src/core/config.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import { type MockServer, startMockServer } from "../../src/mock/server.ts";
import { telemetryEnabled, tracesUrl } from "../../src/telemetry/index.ts";
import { PASS_IF, removeDir, tempDir, writeTask } from "../bench/task-fixtures.ts";

/**
 * A bench trial of Switchyard's agent, against the mock over HTTP, with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a
 * small OTLP/HTTP receiver in this test (a node http server decoding the JSON export): the trial's spans arrive
 * with the GenAI semantic conventions' names and attributes.
 */

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  name: string;
  kind: number;
  spanId: string;
  parentSpanId?: string;
  traceId: string;
  attributes: Array<{ key: string; value: OtlpValue }>;
}

const root = tempDir("sy-otel-");
const received: OtlpSpan[] = [];
const paths: string[] = [];
let receiver: Server;
let endpoint = "";
let mock: MockServer;

function value(v: OtlpValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return v.arrayValue.values.map(value);
  return undefined;
}
const attrs = (s: OtlpSpan) => Object.fromEntries(s.attributes.map((a) => [a.key, value(a.value)]));

before(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (b) => {
      body += b;
    });
    req.on("end", () => {
      paths.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
      const doc = JSON.parse(body) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) received.push(...ss.spans);
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const addr = receiver.address();
  endpoint = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
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
  await new Promise<void>((r) => receiver.close(() => r()));
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
