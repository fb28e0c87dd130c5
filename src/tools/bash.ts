import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { NativeKind, ToolCall } from "../core/messages.ts";
import type { PersistentShell, Sandbox, ShellResult } from "../core/sandbox.ts";
import { type Tool, type ToolContext, type ToolOutput, textOutput } from "../core/tool.ts";
import { loadDescription } from "./load-description.ts";

const DESCRIPTION = loadDescription("bash");
const MAX_TIMEOUT_S = 600;

export const bashSchema = z.strictObject({
  command: z.string().optional().describe("The command to run."),
  restart: z.boolean().optional().describe("Restart the shell."),
  timeout: z.number().positive().max(MAX_TIMEOUT_S).optional().describe("Seconds; at most the configured limit."),
});
export type BashArgs = z.infer<typeof bashSchema>;

/** openai.shell `action`: several commands per call, each with its own output entry. */
function shellCommands(call: ToolCall): string[] | undefined {
  if (call.native !== "openai.shell") return undefined;
  const commands = call.arguments.commands;
  return Array.isArray(commands) ? commands.map(String) : undefined;
}

function render(result: ShellResult): string {
  let text = result.output;
  if (result.exitCode !== null && result.exitCode !== 0) {
    text += `${text === "" || text.endsWith("\n") ? "" : "\n"}[exit code ${result.exitCode}]`;
  }
  return text === "" ? "(no output)" : text;
}

/**
 * The bash tool over a persistent shell per sandbox (opened on first use). Texts follow Anthropic's bash tool:
 * "tool has been restarted.", "no command provided.". A timed-out command is interrupted and reported as an
 * error, but the session survives (unlike the reference implementation, which requires a restart).
 * `defaultTimeoutS` (config `run.bash_timeout_s`, default 120) is both the default and the most a call's own
 * `timeout` may ask for.
 */
export function createBashTool(opts: { defaultTimeoutS?: number } = {}): Tool<BashArgs> {
  const defaultTimeoutS = Math.min(opts.defaultTimeoutS ?? 120, MAX_TIMEOUT_S);
  const shells = new Map<Sandbox, Promise<PersistentShell>>();
  const shellFor = (sandbox: Sandbox): Promise<PersistentShell> => {
    let shell = shells.get(sandbox);
    if (!shell) {
      shell = sandbox.openShell();
      shells.set(sandbox, shell);
      shell.catch(() => shells.delete(sandbox));
    }
    return shell;
  };

  const run = async (command: string, timeoutS: number, ctx: ToolContext): Promise<ShellResult> => {
    const shell = await shellFor(ctx.sandbox);
    return shell.run(command, { timeoutMs: timeoutS * 1000, signal: ctx.signal });
  };

  /**
   * openai.shell answers each command with stdout and stderr apart (shell_call_output `{stdout, stderr, outcome}`,
   * Responses API reference), so stderr goes to a file in the sandbox's /tmp and is read back after the command.
   * The command runs in a `{ …; }` group: cd and variables still persist in the session.
   */
  const runSplit = async (command: string, timeoutS: number, ctx: ToolContext) => {
    const file = `/tmp/.sy-stderr-${randomBytes(6).toString("hex")}`;
    const result = await run(`{ ${command}\n} 2>${file}`, timeoutS, ctx);
    const read = await run(`cat ${file} 2>/dev/null; rm -f ${file}`, 30, ctx);
    return { result, stderr: read.exitCode === 0 ? read.output : "" };
  };

  return {
    name: "bash",
    description: DESCRIPTION.replace("{TIMEOUT_S}", String(defaultTimeoutS)),
    schema: bashSchema,
    native: [{ kind: "anthropic.bash" }, { kind: "openai.shell" }],
    fromNative(kind: NativeKind, args: Record<string, unknown>): BashArgs {
      if (kind === "openai.shell") {
        const commands = Array.isArray(args.commands) ? args.commands.map(String) : [];
        const timeoutMs = typeof args.timeout_ms === "number" ? args.timeout_ms : undefined;
        return {
          command: commands.join("\n"),
          ...(timeoutMs === undefined ? {} : { timeout: Math.min(timeoutMs / 1000, MAX_TIMEOUT_S) }),
        };
      }
      const out: BashArgs = {};
      if (typeof args.command === "string") out.command = args.command;
      if (args.restart === true) out.restart = true;
      return out;
    },
    async execute(args: BashArgs, ctx: ToolContext, call: ToolCall): Promise<ToolOutput> {
      if (args.restart) {
        await (await shellFor(ctx.sandbox)).restart();
        return textOutput("tool has been restarted.");
      }
      // The configured limit is a ceiling: a model may ask for less time, never more.
      const timeoutS = Math.min(args.timeout ?? defaultTimeoutS, defaultTimeoutS);
      const commands = shellCommands(call);
      if (commands && commands.length > 0) {
        const outputs: Array<{ stdout: string; stderr: string; exit_code: number | null; timed_out: boolean }> = [];
        const texts: string[] = [];
        for (const command of commands) {
          const { result: r, stderr } = await runSplit(command, timeoutS, ctx);
          outputs.push({ stdout: r.output, stderr, exit_code: r.exitCode, timed_out: r.timedOut });
          texts.push(`$ ${command}\n${render({ ...r, output: r.output + stderr })}`);
        }
        return {
          content: [{ type: "text", text: texts.join("\n") }],
          isError: outputs.some((o) => o.timed_out),
          structured: { outputs },
        };
      }
      if (args.command === undefined || args.command.trim() === "") return textOutput("no command provided.", true);
      const r = await run(args.command, timeoutS, ctx);
      return textOutput(render(r), r.timedOut);
    },
    async close() {
      const all = [...shells.values()];
      shells.clear();
      await Promise.all(all.map(async (s) => (await s.catch(() => undefined))?.close()));
    },
  };
}
