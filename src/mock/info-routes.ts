import type { IncomingHttpHeaders } from "node:http";
import type { Protocol } from "../core/messages.ts";
import { estimateTokens } from "./compaction.ts";
import type { MockScript } from "./script.ts";
import { isRecord } from "./turn-selection.ts";

/**
 * The endpoints around generation that agent CLIs and SDKs call, answered in each provider's shape (the official
 * SDKs' types: openai `Model` / `ModelsPage`, @anthropic-ai/sdk `ModelInfo` / `MessageTokensCount`, @google/genai
 * `ListModelsResponse` / `CountTokensResponse`):
 * - `GET /v1/models`, `GET /v1/models/{id}`: OpenAI `{object: "list", data: [{id, object: "model", created,
 *   owned_by}]}`; Anthropic (a request with `anthropic-version` or `x-api-key`) `{data: [{type: "model", id,
 *   display_name, created_at}], has_more, first_id, last_id}`.
 * - `POST /v1/messages/count_tokens`: `{input_tokens}`.
 * - Gemini `GET /v1beta/models`, `GET /v1beta/models/{model}`, `POST /v1beta/models/{model}:countTokens`:
 *   `{models: [{name: "models/…", …}]}`, one model, `{totalTokens, promptTokensDetails}`.
 * The mock answers any model id, so the list holds the script's per-model trajectories and a lookup of any id
 * succeeds. Token counts are the mock's estimate (characters / 4), as in its compaction triggers.
 */

type Json = Record<string, unknown>;

export type InfoKind = "models" | "model" | "count_tokens";

export interface InfoRoute {
  kind: InfoKind;
  protocol: Protocol;
  model?: string;
}

const GEMINI_MODELS = /^\/(?:v1beta|v1|v1alpha)\/models(?:\/([^/:]+))?$/;
const GEMINI_COUNT = /^\/(?:v1beta|v1|v1alpha)\/models\/([^/:]+):countTokens$/;
const MODELS = /^(?:\/v1)?\/models(?:\/([^/]+))?$/;

function isAnthropic(headers: IncomingHttpHeaders): boolean {
  return headers["anthropic-version"] !== undefined || headers["x-api-key"] !== undefined;
}

export function matchInfoRoute(method: string, pathname: string, headers: IncomingHttpHeaders): InfoRoute | undefined {
  const path = pathname.replace(/\/+$/, "");
  if (method === "POST") {
    if (path === "/v1/messages/count_tokens" || path === "/messages/count_tokens") {
      return { kind: "count_tokens", protocol: "anthropic-messages" };
    }
    const count = GEMINI_COUNT.exec(path);
    return count?.[1] ? { kind: "count_tokens", protocol: "gemini", model: decodeURIComponent(count[1]) } : undefined;
  }
  if (method !== "GET") return undefined;
  const gemini = GEMINI_MODELS.exec(path);
  if (gemini && (path.startsWith("/v1beta") || path.startsWith("/v1alpha") || headers["x-goog-api-key"])) {
    const model = gemini[1] ? decodeURIComponent(gemini[1]) : undefined;
    return { kind: model ? "model" : "models", protocol: "gemini", ...(model ? { model } : {}) };
  }
  const m = MODELS.exec(path);
  if (!m) return undefined;
  const protocol: Protocol = isAnthropic(headers) ? "anthropic-messages" : "openai-responses";
  const model = m[1] ? decodeURIComponent(m[1]) : undefined;
  return { kind: model ? "model" : "models", protocol, ...(model ? { model } : {}) };
}

function modelEntry(protocol: Protocol, id: string, created: number): Json {
  switch (protocol) {
    case "anthropic-messages":
      return { type: "model", id, display_name: id, created_at: new Date(created * 1000).toISOString() };
    case "gemini": {
      const bare = id.replace(/^models\//, "");
      return {
        name: `models/${bare}`,
        version: "001",
        displayName: bare,
        inputTokenLimit: 1_048_576,
        outputTokenLimit: 65_536,
        supportedGenerationMethods: ["generateContent", "countTokens"],
        thinking: true,
      };
    }
    default:
      return { id, object: "model", created, owned_by: "mock" };
  }
}

function modelList(protocol: Protocol, ids: string[], created: number): Json {
  const data = ids.map((id) => modelEntry(protocol, id, created));
  switch (protocol) {
    case "anthropic-messages":
      return { data, has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null };
    case "gemini":
      return { models: data };
    default:
      return { object: "list", data };
  }
}

/** An info route's 200 body, or the name of a missing required field (count_tokens). */
export function infoResponse(
  route: InfoRoute,
  body: unknown,
  script: MockScript,
): { json: Json } | { missing: string } {
  const created = 1_767_225_600;
  switch (route.kind) {
    case "models":
      return { json: modelList(route.protocol, Object.keys(script.models), created) };
    case "model":
      return { json: modelEntry(route.protocol, route.model ?? "", created) };
    case "count_tokens": {
      const b = isRecord(body) ? body : {};
      if (route.protocol === "anthropic-messages") {
        const missing = ["model", "messages"].find((k) => b[k] === undefined);
        if (missing) return { missing };
        return { json: { input_tokens: estimateTokens(b.system, b.messages, b.tools) } };
      }
      const request = isRecord(b.generateContentRequest) ? b.generateContentRequest : b;
      const tokens = estimateTokens(request.contents, request.systemInstruction, request.tools);
      return { json: { totalTokens: tokens, promptTokensDetails: [{ modality: "TEXT", tokenCount: tokens }] } };
    }
  }
}
