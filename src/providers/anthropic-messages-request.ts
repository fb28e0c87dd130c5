import type {
  MessageCreateParamsStreaming as BetaMessageCreateParamsStreaming,
  BetaToolUnion,
} from "@anthropic-ai/sdk/resources/beta/messages/messages";
import type {
  Base64ImageSource,
  ContentBlockParam,
  MessageCreateParamsStreaming,
  OutputConfig,
  TextBlockParam,
  ToolResultBlockParam,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type {
  AssistantMessage,
  ImagePart,
  Message,
  OpaquePart,
  TextPart,
  ToolMessage,
  UserMessage,
} from "../core/messages.ts";
import { assertNever } from "../core/messages.ts";
import type { ModelInfo, ModelRequest } from "../core/model.ts";
import { isAnthropicNative, type NativeBinding, toolToWire, WIRE_NAME } from "./anthropic-messages-tools.ts";
import { MIN_ANTHROPIC_BUDGET, planReasoning } from "./reasoning.ts";

export type { NativeBinding } from "./anthropic-messages-tools.ts";

/**
 * Neutral request → Anthropic Messages request body. Pure: no SDK, no I/O. The body is written to the wire shape
 * shared by API versions 2023-06-01 and 2026-10-21 (system as top-level text blocks, not `role:"system"` messages),
 * so the same adapter works against older servers and proxies.
 */

export type WireBlock = ContentBlockParam;
export interface WireMessage {
  role: "user" | "assistant";
  content: WireBlock[];
}

interface RequestCommon {
  /** anthropic-beta values the request needs (computer use). */
  betas: string[];
  /** Native tools offered in this request, keyed by wire name, to map tool_use blocks back to neutral names. */
  natives: Map<string, NativeBinding>;
}

/**
 * The body as the SDK's own param type: the GA `Messages` params, or the beta params when a tool exists only in
 * the beta namespace (the computer tools); the beta body is sent through `client.beta.messages` with `betas`.
 */
export type AnthropicRequest =
  | (RequestCommon & { beta: false; body: MessageCreateParamsStreaming })
  | (RequestCommon & { beta: true; body: BetaMessageCreateParamsStreaming });

const DEFAULT_MAX_TOKENS = 8192;
const EPHEMERAL = { type: "ephemeral" } as const;
/** Sent as the result of a tool_use the history never answered (Anthropic 400s on an unanswered tool_use). */
export const MISSING_RESULT_TEXT = "No result: this tool call was not executed.";

/** Opens a history that would otherwise start with an assistant turn (the API requires a user turn first). */
export const CONTINUE_TEXT = "(conversation continues)";

const IMAGE_TYPES: ReadonlyArray<Base64ImageSource["media_type"]> = [
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
];

function imageMediaType(t: string): t is Base64ImageSource["media_type"] {
  return (IMAGE_TYPES as readonly string[]).includes(t);
}

/** The API takes JPEG, PNG, GIF and WebP only; another type is named in text rather than sent (a 400). */
function imageBlock(p: ImagePart): WireBlock & (TextBlockParam | { type: "image" }) {
  if (!imageMediaType(p.mediaType)) return { type: "text", text: `[image omitted: ${p.mediaType} is not supported]` };
  return { type: "image", source: { type: "base64", media_type: p.mediaType, data: p.data } };
}

/** A block recorded from this protocol, replayed verbatim; only its `type` is checked. */
function isWireBlock(item: Record<string, unknown>): item is Record<string, unknown> & WireBlock {
  return typeof item.type === "string";
}

/** An opaque Anthropic block to replay, without its own cache_control (the adapter places the ≤ 4 breakpoints). */
function replayable(p: OpaquePart): WireBlock | undefined {
  if (p.protocol !== "anthropic-messages") return undefined;
  const item = Object.fromEntries(Object.entries(p.item).filter(([k]) => k !== "cache_control"));
  return isWireBlock(item) ? item : undefined;
}

function contentBlock(p: TextPart | ImagePart): WireBlock & (TextBlockParam | { type: "image" }) {
  return p.type === "text" ? { type: "text", text: p.text } : imageBlock(p);
}

/**
 * Whether a text block may be sent: the API refuses empty ones ("messages: text content blocks must be non-empty")
 * and whitespace-only ones ("… must contain non-whitespace text"), which a model can itself produce (a "\n\n" text
 * block before a tool call) — so such blocks are dropped on replay.
 */
function hasText(text: string): boolean {
  return text.trim() !== "";
}

function userBlocks(m: UserMessage): WireBlock[] {
  const out: WireBlock[] = [];
  for (const p of m.content) {
    if (p.type === "opaque") {
      const block = replayable(p);
      if (block) out.push(block);
    } else if (p.type === "text") {
      if (hasText(p.text)) out.push(contentBlock(p));
    } else out.push(contentBlock(p));
  }
  return out;
}

function assistantBlocks(m: AssistantMessage): WireBlock[] {
  const out: WireBlock[] = [];
  for (const p of m.content) {
    switch (p.type) {
      case "text":
        if (hasText(p.text)) out.push({ type: "text", text: p.text });
        break;
      case "reasoning": {
        // Only Anthropic thinking can be replayed: the API checks the signature. Other protocols' reasoning is dropped.
        if (p.protocol !== "anthropic-messages" || !p.payload) break;
        const { signature, redacted } = p.payload;
        // A thinking block without its signature is a 400 on replay, so an unsigned one is dropped.
        if (typeof redacted === "string") out.push({ type: "redacted_thinking", data: redacted });
        else if (typeof signature === "string" && signature !== "") {
          out.push({ type: "thinking", thinking: p.text, signature });
        }
        break;
      }
      case "tool_call": {
        const name = p.native && isAnthropicNative(p.native) ? WIRE_NAME[p.native] : p.name;
        out.push({ type: "tool_use", id: p.id, name, input: p.argumentsError ? {} : p.arguments });
        break;
      }
      case "opaque": {
        const block = replayable(p);
        if (block) out.push(block);
        break;
      }
      default:
        assertNever(p, "assistant part");
    }
  }
  return out;
}

function toolResultBlocks(m: ToolMessage): ToolResultBlockParam[] {
  return m.content.map((r) => {
    const content = r.content.filter((c) => c.type !== "text" || hasText(c.text)).map(contentBlock);
    // An empty result omits `content` (the API's own default) rather than sending an empty list.
    return {
      type: "tool_result",
      tool_use_id: r.callId,
      ...(content.length > 0 ? { content } : {}),
      is_error: r.isError,
    };
  });
}

function renderResultAsText(block: ToolResultBlockParam): TextBlockParam {
  const content = typeof block.content === "string" ? [{ type: "text" as const, text: block.content }] : block.content;
  const text = (content ?? []).flatMap((c) => (c.type === "text" ? [c.text] : [])).join("\n");
  return { type: "text", text: `[result of tool call ${block.tool_use_id}]\n${text}` };
}

/**
 * Neutral messages → Anthropic turns, keeping the API's invariants:
 * - consecutive user-side messages (user text, tool results) merge into one user turn, tool_result blocks first;
 * - every tool_use is answered in the next user turn (a synthetic error result fills a gap);
 * - a tool_result whose tool_use is not in the previous assistant turn is rendered as text (it would be a 400);
 * - system messages are returned separately (they go to the top-level `system`).
 */
export function messagesToWire(messages: Message[]): { system: string[]; messages: WireMessage[] } {
  const system: string[] = [];
  const turns: WireMessage[] = [];
  const push = (role: "user" | "assistant", blocks: WireBlock[]) => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const m of messages) {
    switch (m.role) {
      case "system":
        if (hasText(m.content)) system.push(m.content);
        break;
      case "user":
        push("user", userBlocks(m));
        break;
      case "assistant":
        push("assistant", assistantBlocks(m));
        break;
      case "tool":
        push("user", toolResultBlocks(m));
        break;
      default:
        assertNever(m, "message");
    }
  }
  const out: WireMessage[] = [];
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (turn.role === "assistant") {
      out.push(turn);
      const asked = turn.content.filter((b) => b.type === "tool_use").map((b) => String(b.id));
      if (asked.length === 0) continue;
      const next = turns[i + 1];
      const answered = new Set(
        (next?.role === "user" ? next.content : []).filter((b) => b.type === "tool_result").map((b) => b.tool_use_id),
      );
      const missing: WireBlock[] = asked
        .filter((id) => !answered.has(id))
        .map((id) => ({ type: "tool_result", tool_use_id: id, content: MISSING_RESULT_TEXT, is_error: true }));
      if (missing.length === 0) continue;
      if (next?.role === "user") next.content.unshift(...missing);
      else turns.splice(i + 1, 0, { role: "user", content: missing });
      continue;
    }
    const prev = out.at(-1);
    const asked = prev?.role === "assistant" ? prev.content.flatMap((b) => (b.type === "tool_use" ? [b.id] : [])) : [];
    // One tool_result per tool_use, in the tool_use order; a duplicate or unknown one becomes text after them.
    const answers = new Map<string, ToolResultBlockParam>();
    const rest: WireBlock[] = [];
    for (const b of turn.content) {
      if (b.type !== "tool_result") rest.push(b);
      else if (asked.includes(b.tool_use_id) && !answers.has(b.tool_use_id)) answers.set(b.tool_use_id, b);
      else rest.push(renderResultAsText(b));
    }
    const results = asked.flatMap((id) => {
      const r = answers.get(id);
      return r ? [r] : [];
    });
    out.push({ role: "user", content: [...results, ...rest] });
  }
  // The first turn must be the user's (a history can start with the model after a compaction).
  if (out[0]?.role === "assistant") out.unshift({ role: "user", content: [{ type: "text", text: CONTINUE_TEXT }] });
  return { system, messages: out };
}

/** Marks the last cacheable block of the last message as a cache breakpoint (thinking blocks cannot carry one). */
function markLastMessage(messages: WireMessage[]): void {
  const last = messages.at(-1);
  if (!last) return;
  for (let i = last.content.length - 1; i >= 0; i--) {
    const block = last.content[i]!;
    if (block.type === "thinking" || block.type === "redacted_thinking") continue;
    last.content[i] = { ...block, cache_control: EPHEMERAL };
    return;
  }
}

/**
 * The request's reasoning level as Anthropic thinking (providers/reasoning.ts): adaptive thinking with an effort,
 * or extended thinking with `budget_tokens` (kept at least 1024 and below `max_tokens`, as the API requires; with no
 * room for that, no thinking is asked for).
 */
function thinkingFor(
  model: ModelInfo,
  level: ModelRequest["reasoningEffort"],
  maxTokens: number,
): Pick<MessageCreateParamsStreaming, "thinking" | "output_config"> {
  const plan = planReasoning(model, level);
  if (plan?.kind === "effort") {
    return {
      thinking: { type: "adaptive" },
      output_config: { effort: plan.value as NonNullable<OutputConfig["effort"]> },
    };
  }
  if (plan?.kind === "budget") {
    const budget = Math.min(plan.tokens, maxTokens - 1);
    if (budget >= MIN_ANTHROPIC_BUDGET) return { thinking: { type: "enabled", budget_tokens: budget } };
  }
  return {};
}

/**
 * Builds the streaming request body. Cache breakpoints (3 of the API's 4): the last tool definition, the system
 * prompt, and the last message block, in render order (replayed opaque blocks have theirs removed). temperature,
 * top_p and top_k are never sent: API 2026-10-21 rejects them with a 400.
 */
export function buildAnthropicRequest(request: ModelRequest, model: ModelInfo): AnthropicRequest {
  const natives = new Map<string, NativeBinding>();
  const betas = new Set<string>();
  const wires = request.tools.map((def) => toolToWire(def, model));
  for (const wire of wires) {
    if (wire.native) natives.set(wire.native.wireName, wire.native);
    if ("beta" in wire) betas.add(wire.beta);
  }

  const converted = messagesToWire(request.messages);
  const systemTexts = [...(request.system && hasText(request.system) ? [request.system] : []), ...converted.system];
  const system: TextBlockParam[] = systemTexts.map((text) => ({ type: "text", text }));
  const lastSystem = system.at(-1);
  if (lastSystem) system[system.length - 1] = { ...lastSystem, cache_control: EPHEMERAL };
  markLastMessage(converted.messages);

  const body: MessageCreateParamsStreaming = {
    model: model.id,
    max_tokens: request.maxOutputTokens ?? model.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
    messages: converted.messages,
    stream: true,
  };
  if (system.length > 0) body.system = system;
  Object.assign(body, thinkingFor(model, request.reasoningEffort, body.max_tokens));
  const gaTools = wires.flatMap((w) => ("tool" in w ? [w.tool] : []));
  if (betas.size === 0) {
    const last = gaTools.at(-1);
    if (last) gaTools[gaTools.length - 1] = { ...last, cache_control: EPHEMERAL };
    if (gaTools.length > 0) body.tools = gaTools;
    return { beta: false, body, betas: [], natives };
  }
  const betaTools: BetaToolUnion[] = wires.map((w) => ("tool" in w ? w.tool : w.betaTool));
  const last = betaTools.at(-1);
  if (last) betaTools[betaTools.length - 1] = { ...last, cache_control: EPHEMERAL };
  const betaBody: BetaMessageCreateParamsStreaming = { ...body, tools: betaTools, betas: [...betas] };
  return { beta: true, body: betaBody, betas: [...betas], natives };
}
