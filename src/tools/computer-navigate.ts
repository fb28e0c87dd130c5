import { z } from "zod";
import type { BrowserBackend } from "../computer/browser.ts";
import { ToolError } from "../core/errors.ts";
import type { Tool, ToolContext, ToolOutput } from "../core/tool.ts";
import type { ComputerTool } from "./computer.ts";
import { loadDescription } from "./load-description.ts";

const DESCRIPTION = loadDescription("navigate");

export const navigateSchema = z.strictObject({
  url: z.string().min(1).optional().describe("The address to open (http(s) URL, host:port/path, or a file path)."),
  action: z.enum(["back", "forward", "reload"]).optional().describe("Instead of a url: back, forward or reload."),
});
export type NavigateArgs = z.infer<typeof navigateSchema>;

/**
 * `navigate`: a function tool beside the computer tool for the browser backend. OpenAI's `computer` and
 * Anthropic's `computer_20250124` action spaces have no "go to URL" action (OpenAI's own browser sample adds such
 * functions next to the computer tool), so every protocol gets one; it shares the computer tool's page and answers
 * with the address, the title and a screenshot, which then counts towards the screenshots kept in context.
 */
export function createNavigateTool(computer: ComputerTool): Tool<NavigateArgs> {
  return {
    name: "navigate",
    description: DESCRIPTION,
    schema: navigateSchema,
    async execute(args: NavigateArgs, ctx: ToolContext): Promise<ToolOutput> {
      if ((args.url === undefined) === (args.action === undefined)) {
        throw new ToolError(
          'give exactly one of `url` (e.g. "http://127.0.0.1:8000/") or `action` (back|forward|reload)',
        );
      }
      const backend = await computer.backendFor(ctx);
      if (backend.kind !== "browser") {
        throw new ToolError("navigate works with the browser; on the desktop, start a browser from bash instead");
      }
      const r = await (backend as BrowserBackend).navigate(args.url ?? { action: args.action! });
      const { image, info } = await computer.capture();
      const where = `now at ${r.url}${r.title ? ` ("${r.title}")` : ""}`;
      return {
        content: [
          { type: "text", text: r.error ? `could not open ${args.url ?? args.action}: ${r.error}; ${where}` : where },
          image,
        ],
        ...(r.error ? { isError: true } : {}),
        structured: { screenshot: info, url: r.url },
      };
    },
  };
}
