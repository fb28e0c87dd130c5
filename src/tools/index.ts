import { z } from "zod";
import type { ToolDefinition } from "../core/model.ts";
import type { Tool } from "../core/tool.ts";
import { createApplyPatchTool } from "./apply-patch.ts";
import { createBashTool } from "./bash.ts";
import { createEditorTool } from "./editor.ts";

export { createApplyPatchTool } from "./apply-patch.ts";
export { createBashTool } from "./bash.ts";
export { createEditorTool } from "./editor.ts";
export { executeToolCall, normalizedArguments } from "./execute.ts";

/**
 * The default tool set: bash (`bashTimeoutS`: config `run.bash_timeout_s`, the per-command limit), editor,
 * apply_patch. `computer` is added by its own factory when asked for
 * (src/tools/computer*, not part of this module yet); the option is accepted so callers need not change.
 */
export function createDefaultTools(opts: { computer?: boolean; bashTimeoutS?: number } = {}): Tool[] {
  void opts.computer;
  const bash = createBashTool(opts.bashTimeoutS === undefined ? {} : { defaultTimeoutS: opts.bashTimeoutS });
  return [bash, createEditorTool(), createApplyPatchTool()] as unknown as Tool[];
}

/** What the model sees: JSON Schema from each tool's zod schema (no `$schema`, additionalProperties false). */
export function toolDefinitions(tools: readonly Tool[]): ToolDefinition[] {
  return tools.map((tool) => {
    const { $schema: _drop, ...inputSchema } = z.toJSONSchema(tool.schema, { io: "input" }) as Record<string, unknown>;
    return {
      name: tool.name,
      description: tool.description,
      inputSchema,
      ...(tool.native ? { native: tool.native } : {}),
    };
  });
}
