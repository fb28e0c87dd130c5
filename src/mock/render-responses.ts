import { responsesCompactionDue } from "./compaction.ts";
import { type ResponsesNativeKind, responsesNativeKind } from "./native-tools.ts";
import { argumentsText, effectiveStop, opaque, type Rendered, type RenderInput } from "./render-types.ts";
import type { ToolCallSpec, UsageSpec } from "./script.ts";
import { argChunks, type SseEvent, textChunks } from "./sse.ts";
import { asArray, encodeCompaction, isRecord } from "./turn-selection.ts";

/**
 * OpenAI Responses API rendering (PROTOCOLS.md §1.3–1.6). The stream is the full event sequence the strict
 * `client.responses.stream().finalResponse()` accumulator accepts: created → in_progress → per item
 * output_item.added … deltas … output_item.done → completed | incomplete, each with a `sequence_number`.
 */

type Json = Record<string, unknown>;

/**
 * §1.4: input_tokens includes cache reads and writes; output_tokens includes reasoning. Cache writes split by
 * retention: `cache_write_long` of them at 12h, the rest at 30m.
 */
export function responsesUsage(u: UsageSpec): Json {
  const input = u.input + u.cache_read + u.cache_write;
  const long = Math.min(u.cache_write_long ?? 0, u.cache_write);
  return {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: u.cache_read,
      cache_write_tokens: u.cache_write,
      cache_write_tokens_details: { ttl_30m_tokens: u.cache_write - long, ttl_12h_tokens: long },
    },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: input + u.output,
  };
}

function toolItem(kind: ResponsesNativeKind | undefined, tc: ToolCallSpec, callId: string, itemId: string): Json {
  const args = tc.arguments;
  switch (kind) {
    case "custom":
      // Free-form input: raw_arguments verbatim, else a string `input` argument, else the arguments as JSON.
      return {
        id: itemId,
        type: "custom_tool_call",
        call_id: callId,
        name: tc.name,
        input: tc.raw_arguments ?? (typeof args.input === "string" ? args.input : JSON.stringify(args)),
      };
    case "shell":
      return {
        id: itemId,
        type: "shell_call",
        call_id: callId,
        action: {
          commands: [typeof args.command === "string" ? args.command : argumentsText(tc)],
          timeout_ms: typeof args.timeout_ms === "number" ? args.timeout_ms : null,
          max_output_length: typeof args.max_output_length === "number" ? args.max_output_length : null,
        },
        environment: { type: "local" },
        status: "completed",
      };
    case "local_shell":
      return {
        id: itemId,
        type: "local_shell_call",
        call_id: callId,
        action: {
          type: "exec",
          command: ["bash", "-lc", typeof args.command === "string" ? args.command : argumentsText(tc)],
          env: {},
          timeout_ms: typeof args.timeout_ms === "number" ? args.timeout_ms : null,
        },
        status: "completed",
      };
    case "apply_patch":
      // The script's arguments ARE the operation: {type: create_file|update_file|delete_file, path, diff}.
      return { id: itemId, type: "apply_patch_call", call_id: callId, operation: args, status: "completed" };
    case "computer": {
      const item: Json = {
        id: itemId,
        type: "computer_call",
        call_id: callId,
        pending_safety_checks: Array.isArray(args.pending_safety_checks) ? args.pending_safety_checks : [],
        status: "completed",
      };
      if (args.actions !== undefined) item.actions = args.actions;
      if (args.action !== undefined) item.action = args.action;
      return item;
    }
    case undefined:
      return {
        id: itemId,
        type: "function_call",
        call_id: callId,
        name: tc.name,
        arguments: argumentsText(tc),
        status: "completed",
      };
    default: {
      const never: never = kind;
      throw new Error(`unknown native kind ${String(never)}`);
    }
  }
}

export function renderResponses(input: RenderInput): Rendered {
  const { turn, turnIndex, body, id } = input;
  const stop = effectiveStop(turn);
  const incomplete = stop === "max_tokens";
  const items: Json[] = [];
  // Server-side compaction runs before the turn: its item (recording the turns it replaced) comes first.
  if (responsesCompactionDue(body)) {
    items.push({ id: `cmp_${id.slice(5)}`, type: "compaction", encrypted_content: encodeCompaction(turnIndex) });
  }
  if (turn.reasoning !== undefined) {
    // encrypted_content only when asked for: `include: ["reasoning.encrypted_content"]` (Responses API reference,
    // `include`; the stateless mode's round trip). Otherwise the item is only a reference to the stored one.
    const encrypted = Array.isArray(body.include) && body.include.includes("reasoning.encrypted_content");
    items.push({
      id: `rs_${id.slice(5)}_0`,
      type: "reasoning",
      summary: [{ type: "summary_text", text: turn.reasoning }],
      ...(encrypted ? { encrypted_content: opaque("enc_", id) } : {}),
    });
  }
  // Messages carry a phase, as gpt-5.3-codex and later send it: commentary before tool calls (and a scripted
  // `commentary` item), final_answer for the answer that ends the turn.
  const finalPhase = turn.tool_calls.length > 0 ? "commentary" : "final_answer";
  const messageItem = (itemId: string, text: string, phase: string): Json => ({
    id: itemId,
    type: "message",
    role: "assistant",
    status: incomplete ? "incomplete" : "completed",
    content: [
      stop === "refusal"
        ? { type: "refusal", refusal: text }
        : { type: "output_text", text, annotations: [], logprobs: [] },
    ],
    phase,
  });
  if (turn.commentary !== undefined) items.push(messageItem(`msg_${id.slice(5)}_c`, turn.commentary, "commentary"));
  if (turn.text !== undefined) items.push(messageItem(`msg_${id.slice(5)}`, turn.text, finalPhase));
  turn.tool_calls.forEach((tc, i) => {
    const kind = responsesNativeKind(tc.name, body.tools);
    const callId = tc.id ?? `call_${turnIndex}_${i}`;
    items.push(
      toolItem(kind, tc, callId, `${kind === undefined ? "fc" : kind === "custom" ? "ctc" : "tc"}_${id.slice(5)}_${i}`),
    );
  });

  const base = (status: string, output: Json[], usage: Json | null): Json => ({
    id,
    object: "response",
    created_at: input.created,
    status,
    background: false,
    error: null,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: isRecord(body.metadata) ? body.metadata : {},
    model: input.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: isRecord(body.reasoning)
      ? { effort: null, summary: null, ...body.reasoning }
      : { effort: null, summary: null },
    store: body.store ?? true,
    temperature: 1,
    text: isRecord(body.text) ? body.text : { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: asArray(body.tools),
    top_p: 1,
    truncation: body.truncation ?? "disabled",
    usage,
    user: null,
  });
  const finalStatus = incomplete ? "incomplete" : "completed";
  const final = base(finalStatus, items, responsesUsage(turn.usage));

  let seq = 0;
  const events: SseEvent[] = [];
  const emit = (type: string, payload: Json, delta = false): void => {
    events.push({ event: type, data: { type, sequence_number: seq++, ...payload }, delta });
  };
  emit("response.created", { response: base("in_progress", [], null) });
  emit("response.in_progress", { response: base("in_progress", [], null) });
  items.forEach((item, output_index) => {
    const item_id = item.id as string;
    switch (item.type) {
      case "reasoning": {
        const text = turn.reasoning ?? "";
        emit("response.output_item.added", { output_index, item: { ...item, summary: [] } });
        const empty = { type: "summary_text", text: "" };
        emit("response.reasoning_summary_part.added", { item_id, output_index, summary_index: 0, part: empty });
        for (const delta of textChunks(text)) {
          emit("response.reasoning_summary_text.delta", { item_id, output_index, summary_index: 0, delta }, true);
        }
        emit("response.reasoning_summary_text.done", { item_id, output_index, summary_index: 0, text });
        const part = { type: "summary_text", text };
        emit("response.reasoning_summary_part.done", { item_id, output_index, summary_index: 0, part });
        break;
      }
      case "message": {
        const text = (item.content as Json[]).map((c) => String(c.text ?? c.refusal ?? "")).join("");
        const refusal = stop === "refusal";
        emit("response.output_item.added", { output_index, item: { ...item, status: "in_progress", content: [] } });
        const at = { item_id, output_index, content_index: 0 };
        const emptyPart = refusal
          ? { type: "refusal", refusal: "" }
          : { type: "output_text", text: "", annotations: [], logprobs: [] };
        emit("response.content_part.added", { ...at, part: emptyPart });
        for (const delta of textChunks(text)) {
          if (refusal) emit("response.refusal.delta", { ...at, delta }, true);
          else emit("response.output_text.delta", { ...at, delta, logprobs: [] }, true);
        }
        if (refusal) emit("response.refusal.done", { ...at, refusal: text });
        else emit("response.output_text.done", { ...at, text, logprobs: [] });
        emit("response.content_part.done", { ...at, part: (item.content as Json[])[0] });
        break;
      }
      case "function_call": {
        const args = item.arguments as string;
        emit("response.output_item.added", { output_index, item: { ...item, arguments: "", status: "in_progress" } });
        for (const delta of argChunks(args)) {
          emit("response.function_call_arguments.delta", { item_id, output_index, delta }, true);
        }
        emit("response.function_call_arguments.done", { item_id, output_index, arguments: args });
        break;
      }
      case "custom_tool_call": {
        const text = item.input as string;
        emit("response.output_item.added", { output_index, item: { ...item, input: "" } });
        for (const delta of argChunks(text)) {
          emit("response.custom_tool_call_input.delta", { item_id, output_index, delta }, true);
        }
        emit("response.custom_tool_call_input.done", { item_id, output_index, input: text });
        break;
      }
      case "compaction":
        emit("response.output_item.added", { output_index, item });
        emit("response.compaction.compacting", { item_id, output_index });
        break;
      case "shell_call": {
        const action = item.action as Json;
        const command = (action.commands as string[])[0] ?? "";
        emit("response.output_item.added", {
          output_index,
          item: { ...item, action: { ...action, commands: [] }, status: "in_progress" },
        });
        emit("response.shell_call_command.added", { output_index, command_index: 0, command: "" });
        for (const delta of argChunks(command)) {
          emit("response.shell_call_command.delta", { output_index, command_index: 0, delta }, true);
        }
        emit("response.shell_call_command.done", { output_index, command_index: 0, command });
        break;
      }
      default:
        emit("response.output_item.added", { output_index, item: { ...item, status: "in_progress" } });
    }
    emit("response.output_item.done", { output_index, item });
  });
  emit(incomplete ? "response.incomplete" : "response.completed", { response: final });
  return { json: final, events };
}

/**
 * `POST /v1/responses/compact`: keeps the input's user messages and appends one opaque compaction item, which
 * records how many assistant turns it replaced so history-mode turn selection keeps counting correctly.
 */
export function renderCompaction(opts: { id: string; created: number; body: Json; turnsSoFar: number }): Json {
  const kept = asArray(opts.body.input)
    .filter((i) => isRecord(i) && i.role === "user" && (i.type ?? "message") === "message")
    .map((i, n) => {
      const m = i as Json;
      const content =
        typeof m.content === "string" ? [{ type: "input_text", text: m.content }] : asArray(m.content).filter(isRecord);
      return { id: `msg_${opts.id.slice(5)}_u${n}`, type: "message", role: "user", status: "completed", content };
    });
  if (typeof opts.body.input === "string") {
    kept.push({
      id: `msg_${opts.id.slice(5)}_u0`,
      type: "message",
      role: "user",
      status: "completed",
      content: [{ type: "input_text", text: opts.body.input }],
    });
  }
  const inputTokens = Math.ceil(JSON.stringify(opts.body.input ?? "").length / 4);
  return {
    id: opts.id,
    object: "response.compaction",
    created_at: opts.created,
    output: [
      ...kept,
      { id: `cmp_${opts.id.slice(5)}`, type: "compaction", encrypted_content: encodeCompaction(opts.turnsSoFar) },
    ],
    usage: responsesUsage({ input: inputTokens, cache_read: 0, cache_write: 0, output: 64, reasoning: 0 }),
  };
}
