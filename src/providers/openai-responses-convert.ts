import type {
  ResponseCreateParamsStreaming,
  ResponseFunctionCallOutputItemList,
  ResponseFunctionToolCall,
  ResponseInputItem,
  ResponseInputMessageContentList,
  ResponseReasoningItem,
  Tool,
} from "openai/resources/responses/responses";
import { MIN_COMPACT_THRESHOLD } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type {
  AssistantMessage,
  ImagePart,
  Message,
  NativeKind,
  ReasoningPart,
  TextPart,
  ToolCall,
  ToolResult,
} from "../core/messages.ts";
import type { ModelInfo, ModelRequest, ToolDefinition } from "../core/model.ts";
import { dataUrl, nativeCallToWire, nativeResultToWire } from "./openai-responses-native.ts";
import { planReasoning } from "./reasoning.ts";

type ReasoningEffort = NonNullable<NonNullable<ResponseCreateParamsStreaming["reasoning"]>["effort"]>;

/**
 * Pure conversion of the neutral request to an OpenAI Responses `POST /v1/responses` body (PROTOCOLS §1.1–1.2).
 * Two modes: stateless (default: full history every turn, `store:false`, reasoning round-tripped through
 * `encrypted_content`) and stateful (`store:true`, `previous_response_id`, only the items after that response).
 */

export type Json = Record<string, unknown>;

export interface ResponsesOptions {
  mode?: "stateless" | "stateful";
  /** Server-side compaction when the rendered context passes this many tokens (`context_management`). */
  compactThreshold?: number;
}

/**
 * protocolOptions → ResponsesOptions. A `compactThreshold` below 1000 is a ConfigError: the API's schema sets
 * `minimum: 1000` on `context_management[].compact_threshold` (openai-openapi openapi.yaml, ContextManagementParam)
 * and answers 400 `integer_below_min_value` otherwise.
 */
export function responsesOptions(raw: Record<string, unknown> | undefined): ResponsesOptions {
  const out: ResponsesOptions = {};
  if (raw?.mode === "stateful" || raw?.mode === "stateless") out.mode = raw.mode;
  const threshold = raw?.compactThreshold;
  if (threshold !== undefined) {
    if (typeof threshold !== "number" || !Number.isInteger(threshold) || threshold < MIN_COMPACT_THRESHOLD) {
      throw new ConfigError(
        `compact_threshold must be a whole number of tokens ≥ ${MIN_COMPACT_THRESHOLD}, got ${JSON.stringify(threshold)}`,
        {
          field: "responses.compact_threshold",
          hint: `set [responses] compact_threshold (or --compact-threshold) to ${MIN_COMPACT_THRESHOLD} or more, e.g. 200000`,
        },
      );
    }
    out.compactThreshold = threshold;
  }
  return out;
}

export const OPENAI_NATIVE = ["openai.shell", "openai.apply_patch", "openai.computer"] as const;
type OpenAINative = (typeof OPENAI_NATIVE)[number];

function isOpenAINative(k: NativeKind | undefined): k is OpenAINative {
  return k === "openai.shell" || k === "openai.apply_patch" || k === "openai.computer";
}

/** Native kinds used in this request → the neutral tool name standing behind each. */
export function activeNatives(tools: ToolDefinition[], model: ModelInfo): Map<OpenAINative, string> {
  const out = new Map<OpenAINative, string>();
  for (const t of tools) {
    for (const spec of t.native ?? []) {
      if (isOpenAINative(spec.kind) && model.capabilities.nativeTools.includes(spec.kind) && !out.has(spec.kind)) {
        out.set(spec.kind, t.name);
      }
    }
  }
  return out;
}

/**
 * Strict mode needs every object schema to list all its properties as required and forbid additional ones
 * (OpenAI: "strict requires additionalProperties:false + all props required"). Schemas that don't qualify are sent
 * non-strict rather than rewritten, so optional arguments keep their meaning.
 */
export function strictCompatible(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(strictCompatible);
  if (!schema || typeof schema !== "object") return true;
  const s = schema as Json;
  const isObject = s.type === "object" || (Array.isArray(s.type) && s.type.includes("object")) || "properties" in s;
  if (isObject) {
    if (s.additionalProperties !== false) return false;
    const props = (s.properties ?? {}) as Json;
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    if (!Object.keys(props).every((k) => required.has(k))) return false;
  }
  for (const key of ["properties", "$defs", "definitions"]) {
    const v = s[key];
    if (v && typeof v === "object" && !Object.values(v as Json).every(strictCompatible)) return false;
  }
  for (const key of ["items", "anyOf", "oneOf", "allOf"]) {
    if (s[key] !== undefined && !strictCompatible(s[key])) return false;
  }
  return true;
}

/**
 * Every OpenAI-native kind the model takes, for requests that carry history but no tools (`/responses/compact`):
 * its native calls then go as their own items (shell_call, apply_patch_call, computer_call), not as function calls
 * to tools that do not exist.
 */
export function supportedNatives(model: ModelInfo): Map<OpenAINative, string> {
  return new Map(OPENAI_NATIVE.filter((k) => model.capabilities.nativeTools.includes(k)).map((k) => [k, k]));
}

export function toolsToWire(tools: ToolDefinition[], model: ModelInfo): Tool[] {
  const natives = activeNatives(tools, model);
  const out: Tool[] = [];
  for (const t of tools) {
    const kind = [...natives.entries()].find(([, name]) => name === t.name)?.[0];
    if (kind === "openai.shell") out.push({ type: "shell", environment: { type: "local" } });
    else if (kind === "openai.apply_patch") out.push({ type: "apply_patch" });
    else if (kind === "openai.computer") out.push({ type: "computer" });
    else {
      out.push({
        type: "function",
        name: t.name,
        description: t.description,
        parameters: t.inputSchema,
        strict: strictCompatible(t.inputSchema),
      });
    }
  }
  return out;
}

function userContent(parts: Array<TextPart | ImagePart>): ResponseInputMessageContentList {
  // `detail` is required on input_image in a message; "auto" lets the API choose the resolution.
  return parts.map((p) =>
    p.type === "text"
      ? { type: "input_text", text: p.text }
      : { type: "input_image", image_url: dataUrl(p), detail: "auto" },
  );
}

function functionCallToWire(call: ToolCall): ResponseFunctionToolCall {
  // No output-item id: with store:false the API rejects ids of items it did not store, and call_id is the link.
  return {
    type: "function_call",
    call_id: call.id,
    name: call.name,
    arguments:
      call.argumentsError !== undefined
        ? String(call.providerData?.rawArguments ?? "{}")
        : JSON.stringify(call.arguments),
  };
}

function resultToWire(r: ToolResult, native: NativeKind | undefined, maxOutputLength?: number): ResponseInputItem {
  const nativeItem = nativeResultToWire(r, native, maxOutputLength === undefined ? {} : { maxOutputLength });
  if (nativeItem) return nativeItem;
  const hasImage = r.content.some((p) => p.type === "image");
  // Images in a function result go as input_image parts of the output list (PROTOCOLS §1.1).
  const output: string | ResponseFunctionCallOutputItemList = hasImage
    ? r.content.map((p) =>
        p.type === "text" ? { type: "input_text", text: p.text } : { type: "input_image", image_url: dataUrl(p) },
      )
    : r.content
        .filter((p): p is TextPart => p.type === "text")
        .map((p) => p.text)
        .join("\n");
  return { type: "function_call_output", call_id: r.callId, output };
}

/** An opaque item recorded from this protocol (e.g. `compaction`): replayed verbatim, only its `type` is checked. */
function isInputItem(item: Record<string, unknown>): item is Record<string, unknown> & ResponseInputItem {
  return typeof item.type === "string";
}

/**
 * Our own reasoning as an input item, or nothing. Stateless (store:false): only with `encrypted_content` — an item
 * the API did not store is otherwise rejected by id ("Items are not persisted when store is false"), and its
 * readable summary is not re-sent as text either. The id is sent along: the SDK's ResponseReasoningItem requires
 * it, and with encrypted_content present the API decrypts the item rather than looking the id up. Stateful
 * (store:true): the stored item is referenced by its id.
 */
function reasoningToWire(p: ReasoningPart, stateless: boolean): ResponseReasoningItem | undefined {
  if (p.protocol !== "openai-responses" || typeof p.payload?.id !== "string") return undefined;
  const encrypted = typeof p.payload.encrypted_content === "string" ? p.payload.encrypted_content : undefined;
  if (stateless && !encrypted) return undefined;
  return {
    type: "reasoning",
    id: p.payload.id,
    summary: summaryOf(p.payload.summary),
    ...(encrypted ? { encrypted_content: encrypted } : {}),
  };
}

function summaryOf(v: unknown): ResponseReasoningItem.Summary[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((s) =>
    s && typeof s === "object" && typeof (s as Json).text === "string"
      ? [{ type: "summary_text" as const, text: (s as Json).text as string }]
      : [],
  );
}

export interface InputOptions {
  /** Earlier history not sent (stateful mode): scanned only so results know whether their call was native. */
  prior?: Message[];
  /** store:false (the default): reasoning is replayed only with its encrypted_content. */
  stateless?: boolean;
}

/**
 * Neutral messages → Responses input items. A call is sent as a native item only when its kind is active in this
 * request; otherwise (history from another model or protocol) as a function_call, and its result to match.
 */
export function messagesToInput(
  messages: Message[],
  natives: Map<OpenAINative, string>,
  opts: InputOptions = {},
): ResponseInputItem[] {
  const stateless = opts.stateless ?? true;
  const items: ResponseInputItem[] = [];
  const nativeCalls = new Map<string, NativeKind>();
  /** Shell calls' `action.max_output_length`, echoed in their shell_call_output. */
  const outputLimits = new Map<string, number>();
  for (const m of [...(opts.prior ?? []), ...messages]) {
    if (m.role !== "assistant") continue;
    for (const p of m.content) {
      if (p.type !== "tool_call" || !isOpenAINative(p.native) || !natives.has(p.native)) continue;
      if (p.native === "openai.shell" && typeof p.arguments.max_output_length === "number") {
        outputLimits.set(p.id, p.arguments.max_output_length);
      }
      if ((opts.prior ?? []).includes(m)) nativeCalls.set(p.id, p.native);
    }
  }
  for (const m of messages) {
    switch (m.role) {
      case "system":
        items.push({ role: "developer", content: m.content });
        break;
      case "user": {
        let pending: Array<TextPart | ImagePart> = [];
        const flush = () => {
          if (pending.length) items.push({ role: "user", content: userContent(pending) });
          pending = [];
        };
        for (const p of m.content) {
          if (p.type === "opaque") {
            flush();
            if (p.protocol === "openai-responses" && isInputItem(p.item)) items.push(p.item);
          } else pending.push(p);
        }
        flush();
        break;
      }
      case "assistant":
        pushAssistant(items, m, natives, nativeCalls, stateless);
        break;
      case "tool":
        for (const r of m.content) items.push(resultToWire(r, nativeCalls.get(r.callId), outputLimits.get(r.callId)));
        break;
    }
  }
  return items;
}

function pushAssistant(
  items: ResponseInputItem[],
  m: AssistantMessage,
  natives: Map<OpenAINative, string>,
  nativeCalls: Map<string, NativeKind>,
  stateless: boolean,
): void {
  let text = "";
  /** The Responses message item the pending text came from (undefined: another protocol's text). */
  let item: { id?: string; phase?: "commentary" | "final_answer" } | undefined;
  const flush = () => {
    if (text) items.push({ role: "assistant", content: text, ...(item?.phase ? { phase: item.phase } : {}) });
    text = "";
    item = undefined;
  };
  for (const p of m.content) {
    switch (p.type) {
      case "text": {
        const from = messageItemOf(p);
        // Adjacent message items are not merged: a new item id starts a new input message.
        if (text && from?.id !== item?.id) flush();
        if (!text) item = from;
        text += p.text;
        break;
      }
      case "reasoning": {
        // Only our own protocol's reasoning can be replayed; readable text from others is dropped.
        const item = reasoningToWire(p, stateless);
        if (item) {
          flush();
          items.push(item);
        }
        break;
      }
      case "tool_call": {
        flush();
        const native = isOpenAINative(p.native) && natives.has(p.native) ? nativeCallToWire(p) : undefined;
        if (native && p.native) nativeCalls.set(p.id, p.native);
        items.push(native ?? functionCallToWire(p));
        break;
      }
      case "opaque":
        flush();
        if (p.protocol === "openai-responses" && isInputItem(p.item)) items.push(p.item);
        break;
    }
  }
  flush();
}

/** The Responses output message item a text part was read from: its id and phase (openai-responses-parse.ts). */
function messageItemOf(p: TextPart): { id?: string; phase?: "commentary" | "final_answer" } | undefined {
  const d = p.providerData;
  if (d?.protocol !== "openai-responses") return undefined;
  const phase = d.phase === "commentary" || d.phase === "final_answer" ? d.phase : undefined;
  return { ...(typeof d.itemId === "string" ? { id: d.itemId } : {}), ...(phase ? { phase } : {}) };
}

/** Index of the last assistant message with a response id (stateful mode continues from it), or -1. */
function lastResponseIndex(messages: Message[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === "assistant" && m.responseId) return i;
  }
  return -1;
}

export function buildResponsesBody(
  request: ModelRequest,
  model: ModelInfo,
  opts: ResponsesOptions = {},
): ResponseCreateParamsStreaming {
  const natives = activeNatives(request.tools, model);
  const body: ResponseCreateParamsStreaming = { model: model.id, stream: true };
  if (request.system) body.instructions = request.system;
  if (opts.mode === "stateful") {
    const i = lastResponseIndex(request.messages);
    const last = request.messages[i];
    const prev = last?.role === "assistant" && last.responseId ? last.responseId : request.previousResponseId;
    body.store = true;
    if (prev) body.previous_response_id = prev;
    body.input =
      i >= 0
        ? messagesToInput(request.messages.slice(i + 1), natives, {
            prior: request.messages.slice(0, i + 1),
            stateless: false,
          })
        : messagesToInput(request.messages, natives, { stateless: false });
  } else {
    body.store = false;
    body.include = ["reasoning.encrypted_content"];
    body.input = messagesToInput(request.messages, natives, { stateless: true });
  }
  if (request.tools.length) {
    body.tools = toolsToWire(request.tools, model);
    body.parallel_tool_calls = true;
  }
  if (request.maxOutputTokens !== undefined) body.max_output_tokens = request.maxOutputTokens;
  if (model.capabilities.reasoning) {
    // The level as the nearest effort the model takes (providers/reasoning.ts; GPT-5.1+ reject "minimal").
    const plan = planReasoning(model, request.reasoningEffort);
    const effort = plan?.kind === "effort" ? (plan.value as ReasoningEffort) : undefined;
    body.reasoning = { ...(effort ? { effort } : {}), summary: "auto" };
  }
  if (request.cacheKey) body.prompt_cache_key = request.cacheKey;
  if (opts.compactThreshold)
    body.context_management = [{ type: "compaction", compact_threshold: opts.compactThreshold }];
  return body;
}
