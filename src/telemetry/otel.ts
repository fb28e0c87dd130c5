import { type Context, context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { RunEventBody } from "../core/events.ts";

/**
 * OpenTelemetry spans from the RunEvent stream, one more consumer beside the transcript, following the GenAI
 * semantic conventions (opentelemetry.io/docs/specs/semconv/gen-ai/: gen-ai-agent-spans.md, gen-ai-spans.md):
 * - `invoke_agent switchyard` (INTERNAL) from run_started to final, with the run's totals;
 * - `chat <model>` (CLIENT) per model call, model_request → model_response, with gen_ai.provider.name,
 *   gen_ai.request.model, gen_ai.usage.input_tokens / output_tokens and finish reasons;
 * - `execute_tool <tool>` (INTERNAL) per tool call, tool_call → tool_result.
 * Cost has no GenAI attribute: `switchyard.cost_usd`. Exported over OTLP/HTTP (JSON) with the official SDK to
 * `url` (telemetry/index.ts derives it from the OTEL_EXPORTER_OTLP_* variables). This module is imported only when
 * one is set, so nothing is loaded or exported otherwise.
 */

export interface RunTracer {
  /** Feed every event of one run, in order. */
  onEvent(body: RunEventBody): void;
  /**
   * The run is over: end its invoke_agent span with the end state of the last `final` seen (a run whose review
   * failed after its loop ended has two; the span says `review_failed`, not the loop's end). Idempotent.
   */
  end(): void;
}

export interface RunTracerOptions {
  /**
   * Keep the invoke_agent span open past a `final` until `end()` (`switchyard run`: the run's end may add a second
   * final). Without it the span ends at the first final (a bench trial's loop emits exactly one).
   */
  untilEnd?: boolean;
}

export interface Telemetry {
  /** A tracer for one agent run; `attrs` go on its invoke_agent span (bench: the trial and task names). */
  run(attrs?: Record<string, string | number | boolean>, opts?: RunTracerOptions): RunTracer;
  /** Export what is buffered now (after each run: a worker or a CLI may exit soon after). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function createTelemetry(opts: { url: string; serviceName?: string; version?: string }): Telemetry {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.name": opts.serviceName ?? "switchyard",
      ...(opts.version ? { "service.version": opts.version } : {}),
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.url }))],
  });
  const tracer = provider.getTracer("switchyard", opts.version);
  return {
    run: (attrs = {}, runOpts = {}) => runTracer(tracer, attrs, runOpts),
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}

type Tracer = ReturnType<BasicTracerProvider["getTracer"]>;

function runTracer(
  tracer: Tracer,
  attrs: Record<string, string | number | boolean>,
  opts: RunTracerOptions,
): RunTracer {
  let agent: Span | undefined;
  let ended: string | undefined;
  let agentCtx: Context = context.active();
  let chat: Span | undefined;
  const tools = new Map<string, Span>();
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd = 0;
  const closeChildren = () => {
    chat?.end();
    chat = undefined;
    for (const span of tools.values()) span.end();
    tools.clear();
  };
  const endAgent = () => {
    closeChildren();
    if (ended === undefined)
      agent?.setStatus({ code: SpanStatusCode.ERROR, message: "the run ended without a final event" });
    agent?.end();
    agent = undefined;
  };
  return {
    end: endAgent,
    onEvent(ev) {
      switch (ev.type) {
        case "run_started": {
          agent = tracer.startSpan("invoke_agent switchyard", {
            kind: SpanKind.INTERNAL,
            attributes: {
              "gen_ai.operation.name": "invoke_agent",
              "gen_ai.agent.name": "switchyard",
              "gen_ai.provider.name": ev.model.provider,
              "gen_ai.request.model": ev.model.id,
              ...attrs,
            },
          });
          agentCtx = trace.setSpan(context.active(), agent);
          break;
        }
        case "model_request":
          chat?.end();
          chat = tracer.startSpan(
            `chat ${ev.model.id}`,
            {
              kind: SpanKind.CLIENT,
              attributes: {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": ev.model.provider,
                "gen_ai.request.model": ev.model.id,
              },
            },
            agentCtx,
          );
          break;
        case "model_response": {
          const input = ev.usage.input + ev.usage.cacheRead + ev.usage.cacheWrite;
          inputTokens += input;
          outputTokens += ev.usage.output;
          costUsd += ev.cost.total;
          chat?.setAttributes({
            "gen_ai.response.model": ev.model.id,
            "gen_ai.usage.input_tokens": input,
            "gen_ai.usage.output_tokens": ev.usage.output,
            "gen_ai.response.finish_reasons": [ev.stopReason],
            "switchyard.cost_usd": ev.cost.total,
          });
          chat?.end();
          chat = undefined;
          break;
        }
        case "retry":
          chat?.setStatus({ code: SpanStatusCode.ERROR, message: ev.error });
          chat?.setAttribute("error.type", "retry");
          chat?.end();
          chat = undefined;
          break;
        case "tool_call":
          tools.set(
            ev.call.id,
            tracer.startSpan(
              `execute_tool ${ev.call.name}`,
              {
                kind: SpanKind.INTERNAL,
                attributes: {
                  "gen_ai.operation.name": "execute_tool",
                  "gen_ai.tool.name": ev.call.name,
                  "gen_ai.tool.call.id": ev.call.id,
                },
              },
              agentCtx,
            ),
          );
          break;
        case "tool_result": {
          const span = tools.get(ev.result.callId);
          if (!span) break;
          if (ev.result.isError) {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.setAttribute("error.type", "tool_error");
          }
          span.end();
          tools.delete(ev.result.callId);
          break;
        }
        case "final": {
          closeChildren();
          agent?.setAttributes({
            "gen_ai.usage.input_tokens": inputTokens,
            "gen_ai.usage.output_tokens": outputTokens,
            "switchyard.cost_usd": ev.cost.total || costUsd,
            "switchyard.end_state": ev.endState,
            "switchyard.exit_code": ev.exitCode,
            "switchyard.steps": ev.steps,
          });
          if (ev.exitCode !== 0) agent?.setStatus({ code: SpanStatusCode.ERROR, message: ev.endState });
          ended = ev.endState;
          if (!opts.untilEnd) endAgent();
          break;
        }
        default:
          break;
      }
    },
  };
}
