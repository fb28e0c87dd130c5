import type { Protocol } from "../core/messages.ts";

/** An HTTP error as the real provider would send it: status, JSON body, extra headers. */
export interface MockHttpError {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface ErrorSpec {
  status: number;
  /**
   * OpenAI `error.code` (and `type` for insufficient_quota), Anthropic `error.type`, Gemini `error.status`; null: an
   * OpenAI error whose `code` is null whatever its status.
   */
  code?: string | null | undefined;
  message?: string | undefined;
  /** OpenAI `error.param` (the offending request field). */
  param?: string | undefined;
  retryAfterS?: number | undefined;
  retryAfterMs?: number | undefined;
  /** Gemini `error.details` entries sent before any RetryInfo (e.g. a google.rpc.BadRequest). */
  details?: Record<string, unknown>[] | undefined;
  requestId: string;
  /** The request's model: a 404 without a scripted message names it, as each API's model-not-found does. */
  model?: string | undefined;
}

/**
 * Each API's model-not-found message (as their users quote them): OpenAI "The model `x` does not exist or you do
 * not have access to it.", Anthropic "model: x", Gemini "models/x is not found for API version v1beta, or is not
 * supported for generateContent. Call ListModels to see the list of available models and their supported methods.".
 */
function modelNotFound(protocol: Protocol, model: string): string {
  switch (protocol) {
    case "anthropic-messages":
      return `model: ${model}`;
    case "gemini":
      return (
        `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ` +
        "ListModels to see the list of available models and their supported methods."
      );
    default:
      return `The model \`${model}\` does not exist or you do not have access to it.`;
  }
}

const ANTHROPIC_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const GEMINI_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: "Invalid request.",
  401: "Missing or invalid API key.",
  403: "Permission denied.",
  404: "Not found.",
  408: "Request timed out.",
  409: "Conflict.",
  429: "Rate limit reached. Please try again later.",
  500: "The server had an error while processing your request.",
  502: "Bad gateway.",
  503: "The service is temporarily unavailable.",
  504: "Gateway timeout.",
  529: "Overloaded",
};

/**
 * A retry delay as a protobuf JSON Duration ("7s", "0.250s"), the form of `google.rpc.RetryInfo.retryDelay`.
 */
export function protobufDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(3)}s`;
}

/** OpenAI's (type, code) pair for a status; `code` overrides (insufficient_quota is its own type too). */
export function openaiTypeCode(status: number, code: string | null | undefined): { type: string; code: string | null } {
  if (code === null) return { type: "invalid_request_error", code: null };
  if (code === "insufficient_quota") return { type: "insufficient_quota", code };
  if (status === 429) return { type: "requests", code: code ?? "rate_limit_exceeded" };
  if (status === 401) return { type: "invalid_request_error", code: code ?? "invalid_api_key" };
  if (status === 404) return { type: "invalid_request_error", code: code ?? "model_not_found" };
  if (status >= 500) return { type: "server_error", code: code ?? null };
  return { type: "invalid_request_error", code: code ?? null };
}

/** The error message sent for a spec: the scripted one, else a realistic default for the status. */
export function protocolErrorMessage(spec: ErrorSpec): string {
  return spec.message ?? DEFAULT_MESSAGES[spec.status] ?? `HTTP ${spec.status}`;
}

export function protocolError(protocol: Protocol, spec: ErrorSpec): MockHttpError {
  const notFound = spec.status === 404 && spec.message === undefined && spec.model !== undefined;
  const message = notFound ? modelNotFound(protocol, spec.model ?? "") : protocolErrorMessage(spec);
  const headers: Record<string, string> = {};
  if (spec.retryAfterS !== undefined) headers["retry-after"] = String(spec.retryAfterS);
  if (spec.retryAfterMs !== undefined) headers["retry-after-ms"] = String(spec.retryAfterMs);
  switch (protocol) {
    case "openai-responses":
    case "openai-chat": {
      const { type, code } = openaiTypeCode(spec.status, spec.code);
      return { status: spec.status, headers, body: { error: { message, type, param: spec.param ?? null, code } } };
    }
    case "anthropic-messages": {
      const type =
        spec.code ?? ANTHROPIC_TYPES[spec.status] ?? (spec.status >= 500 ? "api_error" : "invalid_request_error");
      return {
        status: spec.status,
        headers,
        body: { type: "error", error: { type, message }, request_id: spec.requestId },
      };
    }
    case "gemini": {
      const status = spec.code ?? GEMINI_STATUS[spec.status] ?? (spec.status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT");
      const error: Record<string, unknown> = { code: spec.status, message, status };
      // A 429 (or 503) the client may retry names its wait in a google.rpc.RetryInfo detail, not in a header.
      const retryMs = spec.retryAfterMs ?? (spec.retryAfterS === undefined ? undefined : spec.retryAfterS * 1000);
      const details = [...(spec.details ?? [])];
      if (retryMs !== undefined) {
        details.push({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: protobufDuration(retryMs) });
      }
      if (details.length > 0) error.details = details;
      return { status: spec.status, headers, body: { error } };
    }
    default: {
      const never: never = protocol;
      throw new Error(`unknown protocol ${String(never)}`);
    }
  }
}

/**
 * What each API answers a request that carries no credential at all (as their users quote it):
 * - OpenAI: 401 "You didn't provide an API key. …", `code: null` (an incorrect key is `invalid_api_key`).
 * - Anthropic: 401 `authentication_error` "x-api-key header is required".
 * - Gemini: 403 PERMISSION_DENIED "Method doesn't allow unregistered callers (callers without established
 *   identity). Please use API Key or other form of API consumer identity to call this API."
 */
export function missingKeyError(protocol: Protocol): { status: number; message: string; code?: string | null } {
  switch (protocol) {
    case "openai-responses":
    case "openai-chat":
      return {
        status: 401,
        message:
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer " +
          "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're " +
          "accessing the API from your browser and are prompted for a username and password. You can obtain an API " +
          "key from https://platform.openai.com/account/api-keys.",
        code: null,
      };
    case "anthropic-messages":
      return { status: 401, message: "x-api-key header is required" };
    case "gemini":
      return {
        status: 403,
        message:
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or " +
          "other form of API consumer identity to call this API.",
      };
    default: {
      const never: never = protocol;
      throw new Error(`unknown protocol ${String(never)}`);
    }
  }
}

/** A path the API does not serve: OpenAI "Invalid URL (POST /v1/x)" (code null), Anthropic "Not Found". */
export function unknownRouteMessage(protocol: Protocol, method: string, path: string): string {
  if (protocol === "anthropic-messages") return "Not Found";
  if (protocol === "gemini") return `Unknown route: ${method} ${path}`;
  return `Invalid URL (${method} ${path})`;
}
