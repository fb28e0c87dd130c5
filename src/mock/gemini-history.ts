import { asArray, isRecord } from "./turn-selection.ts";

/**
 * What the Gemini API checks in a generateContent body's `contents` and `tools` before it runs a model, each
 * answered as the API does (400 INVALID_ARGUMENT, its own message texts, as its users quote them):
 * - `contents` is required: "* GenerateContentRequest.contents: contents is not specified".
 * - A content's role is "user" or "model" (unset means user): "Please use a valid role: user, model.".
 * - A function-call turn follows a user turn or a function-response turn, never a model turn or nothing: "Please
 *   ensure that function call turn comes immediately after a user turn or after a function response turn."
 *   (google-gemini/gemini-cli issue #11814: a history that starts with a function call).
 * - A function-response turn follows a function-call turn: "Please ensure that function response turn comes
 *   immediately after a function call turn." (langchain issue #27799).
 * - The turn after a function-call turn answers every call: "Please ensure that the number of function response
 *   parts is equal to the number of function call parts of the function call turn." (gemini-cli issues #4217,
 *   #16415: a prompt sent after a cancelled tool call).
 * - Bytes fields (`thoughtSignature`, `inlineData.data`) are base64, standard or URL-safe, padding optional (proto3
 *   JSON): "Invalid value at 'contents[3].parts[0].thought_signature' (TYPE_BYTES), Base64 decoding failed for
 *   \"…\"" (gemini-cli issue #8003), one line per bad field, each also a google.rpc.BadRequest field violation.
 * - A function declaration's name: "Invalid function name. Must start with a letter or an underscore. Must be
 *   alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64."
 */

type Json = Record<string, unknown>;

export interface GeminiProblem {
  message: string;
  details?: Record<string, unknown>[];
}

const VALID_ROLES = new Set(["user", "model", ""]);

const FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/;

/** Proto3 JSON bytes: base64 with the standard or URL-safe alphabet, padding optional. */
export function isBase64Bytes(value: string): boolean {
  const m = /^([A-Za-z0-9+/_-]*)(={0,2})$/.exec(value);
  if (!m) return false;
  const body = m[1] ?? "";
  const padding = m[2] ?? "";
  if (padding !== "" && (body.length + padding.length) % 4 !== 0) return false;
  return body.length % 4 !== 1;
}

function partsOf(content: unknown): Json[] {
  return isRecord(content) ? asArray(content.parts).filter(isRecord) : [];
}

function roleOf(content: unknown): string {
  if (!isRecord(content)) return "";
  return typeof content.role === "string" ? content.role : "";
}

function count(content: unknown, field: "functionCall" | "functionResponse"): number {
  const proto = field === "functionCall" ? "function_call" : "function_response";
  return partsOf(content).filter((p) => p[field] !== undefined || p[proto] !== undefined).length;
}

/** The first turn-structure problem of `contents` (roles, call/response order and counts), if any. */
function turnProblem(contents: unknown[]): string | undefined {
  if (contents.some((c) => !VALID_ROLES.has(roleOf(c)))) return "Please use a valid role: user, model.";
  for (let i = 0; i < contents.length; i++) {
    const c = contents[i];
    const prev = contents[i - 1];
    const calls = count(c, "functionCall");
    if (roleOf(c) === "model" && calls > 0 && (prev === undefined || roleOf(prev) === "model")) {
      return "Please ensure that function call turn comes immediately after a user turn or after a function response turn.";
    }
    if (roleOf(c) !== "model" && count(c, "functionResponse") > 0) {
      if (prev === undefined || roleOf(prev) !== "model" || count(prev, "functionCall") === 0) {
        return "Please ensure that function response turn comes immediately after a function call turn.";
      }
    }
    const next = contents[i + 1];
    if (roleOf(c) === "model" && calls > 0 && next !== undefined && roleOf(next) !== "model") {
      if (count(next, "functionResponse") !== calls) {
        return (
          "Please ensure that the number of function response parts is equal to the number of function call parts " +
          "of the function call turn."
        );
      }
    }
  }
  return undefined;
}

/** Every bytes field of the contents that is not base64, as its proto path and value. */
function badBytes(contents: unknown[]): Array<{ field: string; value: string }> {
  const out: Array<{ field: string; value: string }> = [];
  contents.forEach((c, i) => {
    partsOf(c).forEach((p, k) => {
      const at = `contents[${i}].parts[${k}]`;
      const signature = p.thoughtSignature ?? p.thought_signature;
      if (typeof signature === "string" && !isBase64Bytes(signature)) {
        out.push({ field: `${at}.thought_signature`, value: signature });
      }
      const inline = p.inlineData ?? p.inline_data;
      const data = isRecord(inline) ? inline.data : undefined;
      if (typeof data === "string" && !isBase64Bytes(data)) out.push({ field: `${at}.inline_data.data`, value: data });
    });
  });
  return out;
}

function bytesProblem(contents: unknown[]): GeminiProblem | undefined {
  const bad = badBytes(contents);
  if (bad.length === 0) return undefined;
  const line = (b: { field: string; value: string }) =>
    `Invalid value at '${b.field}' (TYPE_BYTES), Base64 decoding failed for "${b.value}"`;
  const fieldViolations = bad.map((b) => ({ field: b.field, description: line(b) }));
  return {
    message: bad.map(line).join("\n"),
    details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations }],
  };
}

function functionNameProblem(tools: unknown): string | undefined {
  for (const [i, tool] of asArray(tools).entries()) {
    if (!isRecord(tool)) continue;
    const decls = asArray(tool.functionDeclarations ?? tool.function_declarations);
    for (const [k, d] of decls.entries()) {
      const name = isRecord(d) ? d.name : undefined;
      if (typeof name === "string" && FUNCTION_NAME.test(name)) continue;
      return (
        `* GenerateContentRequest.tools[${i}].function_declarations[${k}].name: Invalid function name. Must start ` +
        "with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), " +
        "or dashes (-), with a maximum length of 64.\n"
      );
    }
  }
  return undefined;
}

/** The first problem of a generateContent body's contents and function declarations, if any. */
export function geminiHistoryProblem(body: Json): GeminiProblem | undefined {
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    return { message: "* GenerateContentRequest.contents: contents is not specified\n" };
  }
  const bytes = bytesProblem(contents);
  if (bytes) return bytes;
  const turn = turnProblem(contents);
  if (turn) return { message: turn };
  const name = functionNameProblem(body.tools);
  return name === undefined ? undefined : { message: name };
}
