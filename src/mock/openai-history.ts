import { isDeepSeek } from "./chat-dialect.ts";
import type { RequestProblem } from "./request-checks.ts";
import { asArray, isRecord } from "./turn-selection.ts";

/**
 * How the OpenAI endpoints pair tool calls with their outputs in a request's history, each refused as the API
 * refuses it (400 `invalid_request_error`, its own wording as its users quote it):
 * - Responses: a `function_call_output` whose `call_id` no earlier `function_call` of the input carries: "No tool call
 *   found for function call output with call_id call_….", `param: "input"`, `code: null` (continuedev/continue
 *   issue #10092); a `function_call` that no output answers: "No tool output found for function call call_…."
 *   (tjardoo/openai-client PR #124); the same for custom tool calls ("No tool output found for custom tool call
 *   call_…."). With `previous_response_id` the calls may live in the stored response, so outputs are not checked.
 * - Chat Completions: a `tool` message outside the run of messages right after an assistant message with
 *   `tool_calls`: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with
 *   'tool_calls'.", `param: "messages.[N].role"`, `code: null`; an assistant message whose calls that run does not
 *   all answer: "An assistant message with 'tool_calls' must be followed by tool messages responding to each
 *   'tool_call_id'. The following tool_call_ids did not have response messages: call_…" (`param` the assistant
 *   message's role). DeepSeek words them its own way, with `param: null` and `code: "invalid_request_error"`.
 */

type Json = Record<string, unknown>;

const PAIRS = [
  { call: "function_call", output: "function_call_output", label: "function call" },
  { call: "custom_tool_call", output: "custom_tool_call_output", label: "custom tool call" },
] as const;

function callId(item: unknown): string | undefined {
  return isRecord(item) && typeof item.call_id === "string" ? item.call_id : undefined;
}

function ofType(items: unknown[], type: string): string[] {
  return items.flatMap((i) => (isRecord(i) && i.type === type && callId(i) !== undefined ? [callId(i) as string] : []));
}

/** The call_id of the first output item whose call does not come before it in the input, if any. */
function outputBeforeCall(input: unknown[], pair: (typeof PAIRS)[number]): string | undefined {
  const seen = new Set<string>();
  for (const item of input) {
    const id = callId(item);
    if (!isRecord(item) || id === undefined) continue;
    if (item.type === pair.call) seen.add(id);
    else if (item.type === pair.output && !seen.has(id)) return id;
  }
  return undefined;
}

export function responsesPairingProblem(body: Json): RequestProblem | undefined {
  const input = asArray(body.input);
  const stateful = typeof body.previous_response_id === "string" && body.previous_response_id !== "";
  for (const pair of PAIRS) {
    const calls = new Set(ofType(input, pair.call));
    const outputs = new Set(ofType(input, pair.output));
    const orphan = stateful ? undefined : outputBeforeCall(input, pair);
    if (orphan !== undefined) {
      const message = `No tool call found for ${pair.label} output with call_id ${orphan}.`;
      return { status: 400, message, param: "input", code: null };
    }
    const unanswered = [...calls].find((id) => !outputs.has(id));
    if (unanswered !== undefined) {
      const message = `No tool output found for ${pair.label} ${unanswered}.`;
      return { status: 400, message, param: "input", code: null };
    }
  }
  return undefined;
}

function toolCallIds(message: unknown): string[] {
  if (!isRecord(message) || message.role !== "assistant") return [];
  return asArray(message.tool_calls).flatMap((c) => (isRecord(c) && typeof c.id === "string" ? [c.id] : []));
}

function isTool(message: unknown): message is Json {
  return isRecord(message) && message.role === "tool";
}

export function chatPairingProblem(model: string, body: Json): RequestProblem | undefined {
  const messages = asArray(body.messages);
  const deepSeek = isDeepSeek(model);
  for (let i = 0; i < messages.length; i++) {
    const asked = toolCallIds(messages[i]);
    if (asked.length > 0) {
      const answered = new Set<unknown>();
      let k = i + 1;
      for (; isTool(messages[k]); k++) answered.add((messages[k] as Json).tool_call_id);
      const missing = asked.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        return deepSeek
          ? {
              status: 400,
              message:
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each " +
                "'tool_call_id'. (insufficient tool messages following tool_calls message)",
              code: "invalid_request_error",
            }
          : {
              status: 400,
              message:
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each " +
                `'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(", ")}`,
              param: `messages.[${i}].role`,
              code: null,
            };
      }
      i = k - 1;
      continue;
    }
    if (isTool(messages[i])) {
      return deepSeek
        ? {
            status: 400,
            message: "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'",
            code: "invalid_request_error",
          }
        : {
            status: 400,
            message:
              "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
            param: `messages.[${i}].role`,
            code: null,
          };
    }
  }
  return undefined;
}
