import { errorMessage, FatalToolError } from "../core/errors.ts";
import type { ToolCall, ToolResult } from "../core/messages.ts";
import { errorResult, type Tool, type ToolContext, toolResult } from "../core/tool.ts";

/**
 * Run one tool call and return exactly one result for it. Unknown tools, unparsable or invalid arguments and
 * ToolErrors (and any other ordinary error) become error results the model can act on; FatalToolError is
 * rethrown to end the run. Native calls are mapped to the tool's arguments with `fromNative` first.
 */
export async function executeToolCall(tools: readonly Tool[], call: ToolCall, ctx: ToolContext): Promise<ToolResult> {
  const tool = tools.find((t) => t.name === call.name);
  if (!tool) {
    return errorResult(call, `Unknown tool "${call.name}". Available tools: ${tools.map((t) => t.name).join(", ")}.`);
  }
  if (call.argumentsError !== undefined) {
    return errorResult(
      call,
      `The arguments for ${tool.name} were not valid JSON (${call.argumentsError}). Send a single JSON object matching the tool's schema.`,
    );
  }
  try {
    const raw =
      call.native !== undefined && tool.fromNative ? tool.fromNative(call.native, call.arguments) : call.arguments;
    const parsed = tool.schema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`);
      return errorResult(
        call,
        `Invalid arguments for ${tool.name}: ${issues.join("; ")}. Fix them and call the tool again.`,
      );
    }
    return toolResult(call, await tool.execute(parsed.data, ctx, call));
  } catch (err) {
    if (err instanceof FatalToolError) throw err;
    return errorResult(call, errorMessage(err));
  }
}

/**
 * The call's arguments in the tool's own shape, whatever the protocol sent: a native call (openai.shell
 * `{commands, timeout_ms}`, anthropic.text_editor, openai.apply_patch's operation) mapped with `fromNative`, a
 * function call as it is. Undefined for an unknown tool or arguments the mapping rejects.
 */
export function normalizedArguments(tools: readonly Tool[], call: ToolCall): Record<string, unknown> | undefined {
  const tool = tools.find((t) => t.name === call.name);
  if (!tool || call.argumentsError !== undefined) return undefined;
  if (call.native === undefined || !tool.fromNative) return call.arguments;
  try {
    return tool.fromNative(call.native, call.arguments) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
