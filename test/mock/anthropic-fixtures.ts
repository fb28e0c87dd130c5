import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";

/** An assertion for assert.rejects: the SDK's BadRequestError with the API's invalid_request_error message. */
export function isInvalidRequest(message: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof Anthropic.BadRequestError, `expected BadRequestError, got ${String(e)}`);
    assert.equal(e.status, 400);
    assert.deepEqual(e.error, {
      type: "error",
      error: { type: "invalid_request_error", message },
      request_id: e.requestID,
    });
    return true;
  };
}

type Content = Anthropic.MessageParam["content"];
export const user = (content: Content): Anthropic.MessageParam => ({ role: "user", content });
export const assistant = (content: Content): Anthropic.MessageParam => ({ role: "assistant", content });
