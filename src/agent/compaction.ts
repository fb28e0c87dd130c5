import { ProviderError } from "../core/errors.ts";
import type { Message } from "../core/messages.ts";
import { textOf } from "../core/messages.ts";
import type { ModelClient, StreamEvent, ToolDefinition } from "../core/model.ts";
import type { Usage } from "../core/usage.ts";
import { estimateTokens, userText } from "./history.ts";

/**
 * Shrinks the conversation when the prompt nears the context window. With `client.compact` (OpenAI native) the
 * provider returns the replacement history; otherwise a summary turn asks the model to summarise the work so far and
 * the history becomes: the task (first user message), the summary, and the last few turns (cut at an assistant
 * message so every kept tool call keeps its result).
 */
export const SUMMARY_REQUEST =
  "The conversation is about to be shortened. Summarise the work so far for yourself: what the task is, what you " +
  "changed (files), what you learned, what failed, and what remains to do. Plain text, no tool calls.";

export interface CompactionResult {
  messages: Message[];
  method: "native" | "summary";
  droppedMessages: number;
  note: string;
  usage?: Usage;
}

export async function compactHistory(opts: {
  client: ModelClient;
  system: string;
  messages: Message[];
  tools: ToolDefinition[];
  signal?: AbortSignal;
  /** Messages kept verbatim at the end (default 6), adjusted back to an assistant-message boundary. */
  keepLast?: number;
  /** Cap on the summary turn's output (a hard budget's reserve). */
  maxOutputTokens?: number;
}): Promise<CompactionResult> {
  const { client, system, messages } = opts;
  if (client.compact) {
    const out: Message[] & { usage?: Usage } = await client.compact({
      system,
      messages,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    // ModelClient.compact returns only the messages; an adapter may attach the endpoint's `usage` to the array.
    // Without it the usage is estimated: the history sent as input, the compacted history as output.
    const measured = out.usage !== undefined;
    const usage: Usage = out.usage ?? {
      input: estimateTokens([userText(system), ...messages]),
      cacheRead: 0,
      cacheWrite: 0,
      output: estimateTokens([...out]),
      reasoning: 0,
    };
    return {
      messages: [...out],
      method: "native",
      droppedMessages: Math.max(0, messages.length - out.length),
      note: `provider compaction: ${messages.length} messages → ${out.length}${measured ? "" : " (usage estimated)"}`,
      usage,
    };
  }
  const keep = opts.keepLast ?? 6;
  let cut = Math.max(1, messages.length - keep);
  while (cut < messages.length && messages[cut]?.role !== "assistant") cut++;
  if (cut <= 1 || cut >= messages.length) {
    return { messages, method: "summary", droppedMessages: 0, note: "nothing to compact" };
  }
  let done: Extract<StreamEvent, { type: "done" }> | undefined;
  for await (const ev of client.stream({
    system,
    messages: [...messages, userText(SUMMARY_REQUEST)],
    tools: opts.tools,
    ...(opts.maxOutputTokens === undefined ? {} : { maxOutputTokens: opts.maxOutputTokens }),
    ...(opts.signal ? { signal: opts.signal } : {}),
  })) {
    if (ev.type === "done") done = ev;
    else if (ev.type === "error") throw ev.error;
  }
  if (!done)
    throw new ProviderError("protocol", "summary turn ended without a response", { provider: client.model.provider });
  const summary = textOf(done.message.content).trim() || "(the model returned an empty summary)";
  const first = messages[0] ?? userText("(task unknown)");
  const tail = messages.slice(cut);
  const dropped = cut - 1;
  return {
    messages: [
      first,
      userText(`Summary of the earlier part of this session (${dropped} messages):\n${summary}`),
      ...tail,
    ],
    method: "summary",
    droppedMessages: dropped,
    note: `summarised ${dropped} messages, kept the task and the last ${tail.length}`,
    usage: done.usage,
  };
}
