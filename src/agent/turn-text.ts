import { errorMessage } from "../core/errors.ts";
import type { AssistantMessage, ModelRef } from "../core/messages.ts";
import { textOf } from "../core/messages.ts";

/** What the agent loop says, to the model and in a run's final, about how a turn or a tool call ended. */

/** What the model is told when its turn ended without a clean end and without tool calls (stop reason). */
export const TRUNCATED_NOTE = {
  max_tokens: "Note: your last answer was cut off at the output token limit. Continue from where it stopped.",
  incomplete: "Note: your last turn stopped before it was complete. Continue the task.",
} as const;

/** What the model reads when a tool threw instead of answering (the protocol's error result carries it). */
export function toolFailure(name: string, err: unknown): string {
  return `Tool ${name} failed with an unexpected error: ${errorMessage(err)}. It may not have finished; check its effects before relying on them, or try another way.`;
}

/** A refusal's final message: who refused, the provider's reason as it sent it, and what the model said. */
export function refusalMessage(model: ModelRef, detail: string | undefined, message: AssistantMessage): string {
  const said = textOf(message.content).trim();
  return (
    `the model refused: ${model.provider}/${model.id} ended its turn with ${detail ?? "a refusal"}` +
    (said ? `: ${clipAnswer(said)}` : " and no text")
  );
}

/** The final event's message: a long answer is already whole in its model_response, so only its start is repeated. */
const ANSWER_IN_FINAL = 2000;
export function clipAnswer(text: string): string {
  if (text.length <= ANSWER_IN_FINAL) return text;
  return `${text.slice(0, ANSWER_IN_FINAL)}… [${text.length - ANSWER_IN_FINAL} more characters: the whole answer is in the last model_response event]`;
}
