import type { Telemetry } from "./otel.ts";

export type { RunTracer, Telemetry } from "./otel.ts";

/**
 * Telemetry is on when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set and
 * OTEL_SDK_DISABLED is not "true" (the SDK's own variables). Otherwise nothing is exported and no OpenTelemetry
 * module is loaded (otel.ts is imported only here, on demand), so start-up stays fast.
 */
export function telemetryEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED?.toLowerCase() !== "true";
}

/**
 * Where traces go (OTLP exporter spec, opentelemetry.io/docs/specs/otel/protocol/exporter/): the traces endpoint
 * as given, else the base endpoint + "/v1/traces".
 */
export function tracesUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined;
}

let shared: Promise<Telemetry> | undefined;

/** The process's telemetry (one tracer provider, created on first use), or undefined when it is off. */
export async function telemetry(env: NodeJS.ProcessEnv = process.env): Promise<Telemetry | undefined> {
  if (!telemetryEnabled(env)) return undefined;
  const url = tracesUrl(env) ?? "";
  shared ??= import("./otel.ts").then((m) => m.createTelemetry({ url }));
  return shared;
}
