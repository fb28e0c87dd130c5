import type { DesktopBackend } from "../computer/desktop.ts";
import { limitScreenshots } from "../computer/screenshots.ts";
import type { Message } from "../core/messages.ts";
import type { ToolDefinition } from "../core/model.ts";
import type { PersistentShell, Sandbox } from "../core/sandbox.ts";
import type { Tool } from "../core/tool.ts";
import { type ComputerTool, type ComputerToolOptions, createComputerTool, screenNote } from "./computer.ts";
import { createNavigateTool } from "./computer-navigate.ts";
import { toolDefinitions } from "./index.ts";

/** What a run environment must offer for the computer tool to be added (structurally the agent's RunEnvironment). */
export interface ToolEnvironment {
  tools: Tool[];
  definitions?: ToolDefinition[];
  transformHistory?: (messages: readonly Message[]) => Message[];
  /** The run's sandbox; with the desktop it is wrapped so that bash and checkpoints see the display. */
  sandbox?: Sandbox;
  /** Text for the system prompt (the screen's size and how to use it). */
  systemNote?: string;
  close(): Promise<void>;
}

/** The tools whose results carry screenshots (only the newest `keep_screenshots` stay in context). */
export const SCREENSHOT_TOOLS = ["computer", "navigate"];

/**
 * Wrap an environment factory so that every run also gets the `computer` tool (`--computer desktop|browser`):
 * the tool is appended to the tools and definitions (with `navigate` beside it for the browser), the history
 * transform keeps only the newest `keepScreenshots` screenshots in context, the system prompt is told the screen's
 * size, and close() stops the display or browser before the sandbox goes. With the desktop, the sandbox's shells
 * get `DISPLAY` (bash starts the display on first use), so GUI programs started from bash appear in screenshots.
 */
export function withComputer<R, E extends ToolEnvironment>(
  factory: (req: R) => Promise<E>,
  opts: ComputerToolOptions,
): (req: R) => Promise<E & Required<Pick<ToolEnvironment, "definitions" | "transformHistory" | "systemNote">>> {
  return async (req) => {
    const env = await factory(req);
    const computer = createComputerTool(opts);
    const added = [computer, ...(opts.backend === "browser" ? [createNavigateTool(computer)] : [])];
    const tools = [...env.tools, ...(added as unknown as Tool[])];
    const previous = env.transformHistory;
    const close = env.close.bind(env);
    const { imageWidth, imageHeight } = computer.scaling;
    return {
      ...env,
      ...(env.sandbox && opts.backend === "desktop" ? { sandbox: withDisplay(env.sandbox, computer) } : {}),
      tools,
      definitions: toolDefinitions(tools),
      transformHistory: (messages: readonly Message[]) =>
        limitScreenshots(previous ? previous(messages) : messages, {
          keep: opts.keepScreenshots,
          tools: SCREENSHOT_TOOLS,
        }),
      systemNote: [env.systemNote, `# Computer\n${screenNote(opts.backend, imageWidth, imageHeight)}`]
        .filter(Boolean)
        .join("\n\n"),
      async close() {
        for (const t of added) await t.close?.().catch(() => {});
        await close();
      },
    };
  };
}

/**
 * The sandbox as bash and checkpoints see it with the desktop: a shell opened on it starts the display first and
 * gets `export DISPLAY=:N` (again after any restart: each command re-exports it when unset); exec() passes DISPLAY
 * once the display runs. XAUTHORITY is not
 * needed: Xvfb runs without an auth file, reachable only through its socket in the sandbox's private /tmp.
 */
export function withDisplay(sandbox: Sandbox, computer: ComputerTool): Sandbox {
  const running = (): string | undefined => {
    const b = computer.backend;
    return b?.kind === "desktop" ? (b as DesktopBackend).display : undefined;
  };
  const wrapped: Sandbox = {
    ...sandbox,
    exec(command, o = {}) {
      const display = running();
      return sandbox.exec(command, display ? { ...o, env: { DISPLAY: display, ...o.env } } : o);
    },
    async openShell(): Promise<PersistentShell> {
      const shell = await sandbox.openShell();
      // A display that cannot start leaves bash without one; the computer tool reports why on its first call.
      const display = await computer.start(wrapped).then(
        () => running(),
        () => undefined,
      );
      const exportDisplay = async () => {
        if (display) await shell.run(`export DISPLAY=${display}`, { timeoutMs: 10_000 });
      };
      await exportDisplay();
      // The shell may also restart on its own (it died, or hung after a timeout), which resets its environment:
      // each command puts DISPLAY back when it is unset.
      const guard = display ? `[ -n "$DISPLAY" ] || export DISPLAY=${display}\n` : "";
      return {
        run: (command, o) => shell.run(`${guard}${command}`, o),
        async restart() {
          await shell.restart();
          await exportDisplay();
        },
        close: () => shell.close(),
      };
    },
  };
  return wrapped;
}
