import type { IncomingHttpHeaders } from "node:http";
import { anthropicContentProblem } from "./anthropic-content.ts";
import { anthropicModelProblem } from "./anthropic-models.ts";
import { anthropicRequestProblem, isAnthropicBeta } from "./anthropic-params.ts";
import { extraChatParameters, MISSING_REASONING_CONTENT, missingReasoningContent } from "./chat-dialect.ts";
import { geminiHistoryProblem } from "./gemini-history.ts";
import { geminiUnknownFieldsError, unsignedCallProblem } from "./gemini-params.ts";
import { chatPairingProblem, responsesPairingProblem } from "./openai-history.ts";
import { reasoningModelProblem } from "./openai-models.ts";
import { unknownParameter } from "./request-params.ts";
import type { Route } from "./routes.ts";
import { isRecord } from "./turn-selection.ts";

/**
 * Everything the mock refuses before it picks a turn, each as the real server refuses it (status and body shape
 * come from protocol-errors.ts; the message texts are the providers' own). The first problem found wins.
 */

type Json = Record<string, unknown>;

export interface RequestProblem {
  status: number;
  message: string;
  /** OpenAI `error.code`: null sends a null code whatever the status. */
  code?: string | null;
  param?: string;
  details?: Record<string, unknown>[];
  /** A body sent verbatim instead of the protocol's error shape. */
  body?: Record<string, unknown>;
}

export interface CheckInput {
  route: Route;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Json;
  /** The model named by the path (Gemini) or body; null when absent (checked by the caller). */
  model: string | null;
  /** The request body's size in bytes. */
  bytes?: number;
}

/** Anthropic's Messages API takes requests up to 32 MB (platform.claude.com API overview, request size limits). */
export const ANTHROPIC_MAX_BYTES = 32 * 1024 * 1024;

/**
 * A body over the endpoint's size limit. Anthropic's front end answers 413 with a bare `{"error": {"type":
 * "request_too_large", "message": "Request exceeds the maximum size"}}` (no `type: "error"`, no request id, as
 * its users quote it: anthropics/anthropic-sdk-python issue #938, where Anthropic names the 32 MB limit).
 */
function sizeProblem(input: CheckInput): RequestProblem | undefined {
  const bytes = input.bytes ?? 0;
  if (input.route.kind === "messages" && bytes > ANTHROPIC_MAX_BYTES) {
    const message = "Request exceeds the maximum size";
    return { status: 413, message, body: { error: { type: "request_too_large", message } } };
  }
  return undefined;
}

/** Anthropic API versions from this date reject sampling parameters with a 400. */
const ANTHROPIC_NO_SAMPLING_VERSION = "2026-10-21";

function anthropicProblem(input: CheckInput): RequestProblem | undefined {
  const { body, headers, url } = input;
  const version = headers["anthropic-version"];
  // Every official SDK sends the header; the API refuses a request without one.
  if (typeof version !== "string" || version.trim() === "") {
    return { status: 400, message: "anthropic-version: header is required" };
  }
  if (version >= ANTHROPIC_NO_SAMPLING_VERSION) {
    const bad = ["temperature", "top_p", "top_k"].find((k) => body[k] !== undefined);
    if (bad) return { status: 400, message: `${bad}: Extra inputs are not permitted` };
  }
  const problem =
    anthropicRequestProblem(body, isAnthropicBeta(url, headers["anthropic-beta"])) ??
    anthropicContentProblem(body, version) ??
    anthropicModelProblem(body, headers["anthropic-beta"]);
  return problem === undefined ? undefined : { status: 400, message: problem };
}

function openaiProblem(input: CheckInput): RequestProblem | undefined {
  const { route, body, model } = input;
  const extra = route.kind === "chat" && model !== null ? extraChatParameters(model) : [];
  const unknown = unknownParameter(route.kind, body, extra);
  if (unknown !== undefined) {
    return { status: 400, message: `Unknown parameter: '${unknown}'.`, code: "unknown_parameter", param: unknown };
  }
  if (route.kind === "responses" && body.background === true) {
    return {
      status: 400,
      message: "Unsupported parameter: 'background': the mock server only answers synchronously.",
      code: "unsupported_parameter",
      param: "background",
    };
  }
  const sampling = model === null ? undefined : reasoningModelProblem(route.kind, model, body);
  if (sampling) return sampling;
  if (route.kind === "responses") {
    const below = compactThresholdProblem(body) ?? responsesPairingProblem(body);
    if (below) return below;
  }
  if (route.kind === "chat" && model !== null && missingReasoningContent(model, body) !== undefined) {
    // DeepSeek's body: {"error": {"message": …, "type": "invalid_request_error", "param": null, "code":
    // "invalid_request_error"}} (as reported verbatim by its users; api-docs.deepseek.com thinking mode guide).
    return { status: 400, message: MISSING_REASONING_CONTENT, code: "invalid_request_error" };
  }
  if (route.kind === "chat" && model !== null) return chatPairingProblem(model, body);
  return undefined;
}

/** Responses `context_management[].compact_threshold` has `minimum: 1000` (openai-openapi openapi.yaml). */
export const MIN_COMPACT_THRESHOLD = 1000;

/**
 * A compact_threshold below the minimum, as OpenAI words a schema minimum: 400 `integer_below_min_value`, "Invalid
 * 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 5 instead." with the field's
 * path as `param`.
 */
function compactThresholdProblem(body: Json): RequestProblem | undefined {
  if (!Array.isArray(body.context_management)) return undefined;
  for (const [i, entry] of body.context_management.entries()) {
    const t = isRecord(entry) ? entry.compact_threshold : undefined;
    if (typeof t !== "number" || t >= MIN_COMPACT_THRESHOLD) continue;
    const param = `context_management[${i}].compact_threshold`;
    return {
      status: 400,
      message: `Invalid '${param}': integer below minimum value. Expected a value >= ${MIN_COMPACT_THRESHOLD}, but got ${t} instead.`,
      code: "integer_below_min_value",
      param,
    };
  }
  return undefined;
}

export function requestProblem(input: CheckInput): RequestProblem | undefined {
  const tooLarge = sizeProblem(input);
  if (tooLarge) return tooLarge;
  switch (input.route.kind) {
    case "messages":
      return anthropicProblem(input);
    case "gemini": {
      const unknownFields = geminiUnknownFieldsError(input.body);
      if (unknownFields) return { status: 400, message: unknownFields.message, details: unknownFields.details };
      const history = geminiHistoryProblem(input.body);
      if (history) return { status: 400, ...history };
      const unsigned = input.model === null ? undefined : unsignedCallProblem(input.model, input.body);
      return unsigned === undefined ? undefined : { status: 400, message: unsigned };
    }
    case "responses":
    case "compact":
    case "chat":
      return openaiProblem(input);
    default: {
      const never: never = input.route.kind;
      throw new Error(`unknown route ${String(never)}`);
    }
  }
}
