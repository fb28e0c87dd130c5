import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Protocol } from "../core/messages.ts";
import { estimateTokens } from "./compaction.ts";
import { infoResponse, matchInfoRoute } from "./info-routes.ts";
import { capTurn, requestedOutputCap } from "./output-cap.ts";
import { missingKeyError, protocolError, protocolErrorMessage, unknownRouteMessage } from "./protocol-errors.ts";
import { RateLimitHeaders } from "./provider-headers.ts";
import { renderAnthropic } from "./render-anthropic.ts";
import { renderChat } from "./render-chat.ts";
import { renderGemini } from "./render-gemini.ts";
import { renderCompaction, renderResponses } from "./render-responses.ts";
import type { Rendered, RenderInput } from "./render-types.ts";
import { requestProblem } from "./request-checks.ts";
import { type LoggedRequest, RequestLog, redactHeaders, redactPath } from "./request-log.ts";
import { unpersistedItemMessage } from "./responses-items.ts";
import { guessProtocol, matchRoute, type Route } from "./routes.ts";
import type { Fault, MockScript, Turn } from "./script.ts";
import { sleep, writeSse } from "./sse.ts";
import { defaultStreamFaultStatus, failedResponse, faultErrorSpec, streamFailureEvents } from "./stream-errors.ts";
import { conversationKey, historyTurn, isRecord, type StoredResponse } from "./turn-selection.ts";

export type { LoggedRequest } from "./request-log.ts";

export interface MockServerOptions {
  script: MockScript;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Append one JSON line per request to this file. */
  logFile?: string;
}

export interface MockServer {
  /** http://HOST:PORT, no trailing slash. OpenAI SDKs take `${url}/v1`, Anthropic and Gemini SDKs take `url`. */
  url: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: LoggedRequest[];
  close(): Promise<void>;
  /** Replace the script; also resets sequential counters, fault counts and stored response ids. */
  setScript(s: MockScript): void;
}

/** The turn a request past the end of a trajectory gets when the script sets no `after_last`. */
const DONE_TURN: Turn = {
  text: "done.",
  tool_calls: [],
  usage: { input: 100, cache_read: 0, cache_write: 0, output: 20, reasoning: 0 },
  latency_ms: 0,
  latency_ms_per_token: 0,
};

interface State {
  script: MockScript;
  /** Responses stateful mode: response id → turn and conversation. */
  stored: Map<string, StoredResponse>;
  /** Sequential mode: model → next turn index. */
  sequential: Map<string, number>;
  /** Failures served so far per (scope, model, turn, conversation). */
  faults: Map<string, number>;
  /** Rate-limit headers (a per-minute budget shared by all requests). */
  limits: RateLimitHeaders;
  /** Arrival times of the requests answered within the script's `rate_limit` window. */
  admitted: number[];
}

function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString("hex")}`;
}

function hasCredential(req: IncomingMessage, url: URL): boolean {
  const auth = req.headers.authorization;
  if (typeof auth === "string" && auth.replace(/^Bearer\s*/i, "").trim() !== "") return true;
  for (const h of ["x-api-key", "x-goog-api-key", "api-key"]) {
    const v = req.headers[h];
    if (typeof v === "string" && v.trim() !== "") return true;
  }
  return (url.searchParams.get("key") ?? "") !== "";
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function render(route: Route, input: RenderInput): Rendered {
  switch (route.kind) {
    case "responses":
      return renderResponses(input);
    case "chat":
      return renderChat(input);
    case "messages":
      return renderAnthropic(input);
    case "gemini":
      return renderGemini(input);
    case "compact":
      throw new Error("compaction is not a turn");
    default: {
      const never: never = route.kind;
      throw new Error(`unknown route ${String(never)}`);
    }
  }
}

function idPrefix(route: Route): string {
  return route.kind === "chat"
    ? "chatcmpl-"
    : route.kind === "messages"
      ? "msg_"
      : route.kind === "gemini"
        ? ""
        : "resp_";
}

export async function startMockServer(opts: MockServerOptions): Promise<MockServer> {
  const state: State = {
    script: opts.script,
    stored: new Map(),
    sequential: new Map(),
    faults: new Map(),
    limits: new RateLimitHeaders(),
    admitted: [],
  };
  const log = new RequestLog(opts.logFile);
  const host = opts.host ?? "127.0.0.1";

  const server = createServer((req, res) => {
    handle(state, log, req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `mock server error: ${String(err)}`, type: "server_error" } }));
      } else res.destroy();
    });
  });
  // Streams paced by latency_ms_per_token can be long; never time a connection out on the server side.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  // Idle keep-alive sockets stay open for a minute, as provider front ends keep them: with Node's default 5 s, a
  // client on a loaded machine can reuse a socket the server is just closing and get ECONNRESET (the SDKs pool
  // connections). close() still closes them all.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    requests: log.entries,
    setScript(s) {
      state.script = s;
      state.stored.clear();
      state.sequential.clear();
      state.faults.clear();
      state.admitted.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(state: State, log: RequestLog, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const startedAt = Date.now();
  const url = new URL(req.url ?? "/", "http://mock");
  const method = req.method ?? "GET";
  const route = matchRoute(method, url.pathname);
  const info = route ? undefined : matchInfoRoute(method, url.pathname, req.headers);
  const protocol: Protocol = route?.protocol ?? info?.protocol ?? guessProtocol(url.pathname, req.headers);
  const requestId = newId("req_");
  const text = await readBody(req);
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  const entry: LoggedRequest = {
    ts: new Date().toISOString(),
    method,
    path: redactPath(req.url ?? "/"),
    headers: redactHeaders(req.headers),
    body: body ?? (text === "" ? null : text),
    turn: null,
    model: route?.model ?? (isRecord(body) && typeof body.model === "string" ? body.model : null),
    protocol,
    stream: route?.stream ?? (isRecord(body) && body.stream === true),
    status: 200,
  };
  const headers = (limited = false): Record<string, string> =>
    state.limits.headers({ protocol, requestId, startedAt, tokens: estimateTokens(text), limited });
  const fail = (
    status: number,
    message: string | undefined,
    extra: { code?: string | null; param?: string; fault?: Fault; details?: Record<string, unknown>[] } = {},
  ): void => {
    const f = extra.fault;
    const err = protocolError(protocol, {
      status,
      code: extra.code === null ? null : (extra.code ?? f?.code),
      message: f ? f.message : message,
      param: extra.param,
      details: extra.details,
      retryAfterS: f?.retry_after_s,
      retryAfterMs: f?.retry_after_ms,
      requestId,
      model: entry.model ?? undefined,
    });
    entry.status = status;
    if (f) entry.fault ??= `status ${status}`;
    log.add(entry);
    sendJson(res, err.status, err.body, { ...headers(status === 429), ...err.headers });
  };

  if (!route && !info) {
    return fail(404, unknownRouteMessage(protocol, method, url.pathname), {
      code: protocol === "gemini" ? "NOT_FOUND" : null,
    });
  }
  if (!hasCredential(req, url)) {
    const { status, message, code } = missingKeyError(protocol);
    return fail(status, message, { code });
  }
  if (info) {
    const answer = infoResponse(info, body, state.script);
    if ("missing" in answer) return fail(400, `${answer.missing}: Field required`);
    log.add(entry);
    return sendJson(res, 200, answer.json, headers());
  }
  if (!route) return; // unreachable: a request without a route has an info route (narrows `route` below)
  if (!isRecord(body)) return fail(400, "The request body is not a JSON object.");
  const bytes = Buffer.byteLength(text);
  const rejected = requestProblem({ route, url, headers: req.headers, body, model: entry.model, bytes });
  if (rejected?.body) {
    // A refusal with its own body shape (a front end's, not the API's): sent as it is.
    entry.status = rejected.status;
    log.add(entry);
    return sendJson(res, rejected.status, rejected.body, headers());
  }
  if (rejected) {
    const { status, message, ...extra } = rejected;
    return fail(status, message, extra);
  }
  const model = entry.model;
  if (model === null) return fail(400, "Missing required parameter: 'model'.", { param: "model" });

  const { script } = state;
  const limited = rateLimited(state, startedAt);
  if (limited !== undefined) {
    const wait = { status: 429, retry_after_ms: limited, retry_after_s: Math.ceil(limited / 1000), times: 1 };
    return fail(429, undefined, { fault: wait });
  }
  const trajectory = script.models[model];
  const turns = trajectory?.turns ?? script.turns;
  const stored = state.stored;
  if (route.kind === "responses" || route.kind === "compact") {
    const missing = unpersistedItemMessage(body, stored);
    if (missing) return fail(404, missing, { code: null, param: "input" });
  }

  let turnIndex: number;
  if (script.turn_selection === "sequential") {
    turnIndex = state.sequential.get(model) ?? 0;
  } else {
    const h = historyTurn(protocol, body, stored);
    if ("error" in h) return fail(400, h.error, { code: "previous_response_not_found", param: "previous_response_id" });
    turnIndex = h.turn;
  }
  entry.turn = turnIndex;
  const conv = conversationKey(protocol, body, stored);

  if (route.kind === "compact") {
    const id = newId("resp_");
    const json = renderCompaction({ id, created: Math.floor(Date.now() / 1000), body, turnsSoFar: turnIndex });
    log.add(entry);
    return sendJson(res, 200, json, headers());
  }

  const scripted: Turn = turns[turnIndex] ?? trajectory?.after_last ?? script.after_last ?? DONE_TURN;
  const turn = capTurn(scripted, requestedOutputCap(route.kind, body));
  await sleep(turn.latency_ms);

  const fired = (scope: string, fault: Fault | undefined): Fault | undefined => {
    if (
      !fault ||
      (fault.status === undefined && fault.cut_after_events === undefined && fault.error_after_events === undefined)
    ) {
      return undefined;
    }
    const key = `${scope}|${model}|${turnIndex}|${conv}`;
    const n = state.faults.get(key) ?? 0;
    if (fault.times !== -1 && n >= fault.times) return undefined;
    state.faults.set(key, n + 1);
    return fault;
  };
  const fault = fired("model", trajectory?.fault ?? script.fault) ?? fired("turn", turn.fault);
  const failAfter = fault?.error_after_events;
  if (fault?.status !== undefined && failAfter === undefined) return fail(fault.status, undefined, { fault });

  const id = newId(idPrefix(route));
  const created = Math.floor(Date.now() / 1000);
  const style = { chatToolNames: script.chat_tool_names };
  const rendered = render(route, { turn, turnIndex, model, body, id, created, style });
  const cut = fault?.cut_after_events;

  if (failAfter !== undefined) {
    entry.fault = `error_after_events ${failAfter}`;
    if (!entry.stream) {
      // A non-streamed request fails the way the stream would have: Responses response.failed as a 200 Response
      // object with status "failed"; everything else as the HTTP error of the fault's status.
      if (route.kind === "responses" && fault?.error_event === "response.failed") {
        const spec = faultErrorSpec(protocol, fault, requestId);
        const message = protocolErrorMessage(spec);
        log.add(entry);
        return sendJson(res, 200, failedResponse(rendered.json, [], spec, message), headers());
      }
      return fail(fault?.status ?? defaultStreamFaultStatus(protocol), undefined, { fault });
    }
  } else if (cut !== undefined) entry.fault = `cut_after_events ${cut}`;
  else {
    if (script.turn_selection === "sequential") state.sequential.set(model, turnIndex + 1);
    if (route.kind === "responses" && body.store !== false) stored.set(id, { turn: turnIndex, conversationKey: conv });
  }
  log.add(entry);

  let events = rendered.events;
  if (failAfter !== undefined && fault) {
    const sent = events.slice(0, failAfter);
    events = [...sent, ...streamFailureEvents(protocol, fault, { sent, final: rendered.json, requestId })];
  }
  if (!entry.stream) {
    if (cut !== undefined) {
      // A non-streamed response cut mid-body: the client sees a connection reset.
      res.writeHead(200, { ...headers(), "content-type": "application/json", "content-length": "100000" });
      res.write(JSON.stringify(rendered.json).slice(0, 20));
      res.socket?.destroy();
      return;
    }
    return sendJson(res, 200, rendered.json, headers());
  }
  if (route.kind === "gemini" && url.searchParams.get("alt") !== "sse") {
    // Without alt=sse, streamGenerateContent answers one JSON array of chunks.
    return sendJson(
      res,
      200,
      events.map((e) => e.data),
      headers(),
    );
  }
  await writeSse(res, events, {
    latencyMsPerToken: turn.latency_ms_per_token,
    headers: headers(),
    ...(cut === undefined ? {} : { cutAfterEvents: cut }),
  });
}

function sendJson(res: ServerResponse, status: number, json: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(json);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** The script's `rate_limit`: undefined to admit the request (and count it), else the ms until a slot frees. */
function rateLimited(state: State, now: number): number | undefined {
  const rule = state.script.rate_limit;
  if (!rule) return undefined;
  const inWindow = state.admitted.filter((t) => now - t < rule.window_ms);
  state.admitted.splice(0, state.admitted.length, ...inWindow);
  if (inWindow.length < rule.requests) {
    state.admitted.push(now);
    return undefined;
  }
  return Math.max(1, rule.window_ms - (now - (inWindow[0] ?? now)));
}
