import assert from "node:assert/strict";
import { ApiError } from "@google/genai";

export interface GeminiErrorBody {
  error: { code: number; status: string; message: string; details?: Array<Record<string, unknown>> };
}

/** The SDK's ApiError carries the response body as JSON in its message. */
function errorBody(e: unknown): GeminiErrorBody {
  assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
  assert.equal(e.status, 400);
  const json = e.message.slice(e.message.indexOf("{"));
  return JSON.parse(json) as GeminiErrorBody;
}

/** The 400 body of a request the mock refuses; fails when the request is accepted. */
export async function rejection(p: Promise<unknown>): Promise<GeminiErrorBody> {
  try {
    await p;
  } catch (e) {
    return errorBody(e);
  }
  assert.fail("the request was accepted");
}
