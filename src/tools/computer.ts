import type { ComputerAction, Scaling } from "../computer/actions.ts";
import { scaleAction, scalingFor, toImage } from "../computer/actions.ts";
import type { ComputerBackend } from "../computer/backend.ts";
import { sleep } from "../computer/backend.ts";
import type { BrowserOptions } from "../computer/browser.ts";
import type { DesktopOptions } from "../computer/desktop.ts";
import { resizePng } from "../computer/png.ts";
import type { ScreenshotInfo, ScreenshotTally } from "../computer/screenshots.ts";
import { addScreenshot, EMPTY_TALLY, estimateImageTokens } from "../computer/screenshots.ts";
import type { ComputerArgs } from "../computer/wire-actions.ts";
import { ComputerArgsSchema, fromAnthropic, fromOpenAI, toAction } from "../computer/wire-actions.ts";
import { ConfigError, EXIT, errorMessage, FatalToolError, ToolError } from "../core/errors.ts";
import type { ImagePart, NativeKind, TextPart, ToolCall } from "../core/messages.ts";
import type { NativeToolSpec } from "../core/model.ts";
import type { Sandbox } from "../core/sandbox.ts";
import type { Tool, ToolContext, ToolOutput } from "../core/tool.ts";
import { loadDescription } from "./load-description.ts";

const DESCRIPTION = loadDescription("computer");

export interface ComputerToolOptions {
  backend: "desktop" | "browser";
  /** Display size in pixels (config computer.width/height; default 1280×800). */
  width: number;
  height: number;
  /** How many recent screenshots stay in context (config computer.keep_screenshots); see limitScreenshots. */
  keepScreenshots: number;
  /** Browser: the page opened first. */
  url?: string;
  /** The largest image the model is shown; bigger displays are downscaled and coordinates scaled back. Default 1280×800. */
  maxImageWidth?: number;
  maxImageHeight?: number;
  /** Pause after actions before the screenshot, for the screen to settle. Default 300 ms desktop, 100 ms browser. */
  settleMs?: number;
  /** Backend overrides (executables, window manager, network). */
  desktop?: Partial<DesktopOptions>;
  browser?: Partial<BrowserOptions>;
  /** Called once the backend is up (e.g. start an app on the desktop). */
  onStart?: (backend: ComputerBackend) => Promise<void>;
}

export interface ComputerTool extends Tool<ComputerArgs> {
  readonly keepScreenshots: number;
  readonly scaling: Scaling;
  /** Start the backend now (a pre-flight check before the run); later calls reuse it. */
  start(sandbox: Sandbox): Promise<ComputerBackend>;
  /** The backend for a tool call: started on first use; a backend that cannot start ends the run (FatalToolError). */
  backendFor(ctx: ToolContext): Promise<ComputerBackend>;
  /** A screenshot of the running backend as the model sees it (scaled), counted in `tally`. */
  capture(): Promise<{ image: ImagePart; info: ScreenshotInfo }>;
  /** The running backend, if started. */
  readonly backend: ComputerBackend | undefined;
  /** Screenshots taken so far. */
  readonly tally: ScreenshotTally;
}

/**
 * What the model is told about the screen, in the tool description and the system prompt: its size in the
 * screenshots' pixels, and how to reach things — the desktop is the bash tool's X display, the browser has an
 * address bar and the navigate tool.
 */
export function screenNote(backend: "desktop" | "browser", width: number, height: number): string {
  return backend === "desktop"
    ? `The screen is a ${width}×${height} Linux desktop (an X display with a window manager). The bash tool's DISPLAY points at it: a GUI program you start from bash in the background (e.g. \`xterm &\`) appears on the screen.`
    : `The screen is a ${width}×${height} web browser showing one page. To open an address press ctrl+L, type it and press Enter, or use the navigate tool; alt+Left goes back.`;
}

interface SafetyCheck {
  id: string;
  code?: string;
  message?: string;
}

function pendingChecks(call: ToolCall): SafetyCheck[] {
  if (call.native !== "openai.computer") return [];
  const raw = call.arguments.pending_safety_checks;
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((c): c is Record<string, unknown> => !!c && typeof c === "object" && typeof c.id === "string")
    .map((c) => ({
      id: c.id as string,
      ...(typeof c.code === "string" ? { code: c.code } : {}),
      ...(typeof c.message === "string" ? { message: c.message } : {}),
    }));
}

/**
 * The computer tool: one backend per tool instance (desktop: Xvfb in the run's sandbox; browser: headless
 * chromium), started on first use and stopped by close(). Natively it is OpenAI's `computer` and Anthropic's
 * `computer_20250124`; elsewhere a function taking a list of actions. Every call ends with a screenshot.
 *
 * OpenAI `pending_safety_checks` are put to the run's approval policy (kind "safety_check") one by one; approved
 * checks are returned in `structured.acknowledgedSafetyChecks`. A check that is not approved (headless runs
 * included) ends the run as denied: the API rejects a next turn that does not acknowledge it.
 */
export function createComputerTool(opts: ComputerToolOptions): ComputerTool {
  const scaling = scalingFor(opts.width, opts.height, opts.maxImageWidth, opts.maxImageHeight);
  const settleMs = opts.settleMs ?? (opts.backend === "desktop" ? 300 : 100);
  let backend: ComputerBackend | undefined;
  let starting: Promise<ComputerBackend> | undefined;
  let tally = EMPTY_TALLY;

  const start = (sandbox: Sandbox): Promise<ComputerBackend> => {
    starting ??= (async () => {
      const b =
        opts.backend === "desktop"
          ? await (await import("../computer/desktop.ts")).startDesktop({
              width: opts.width,
              height: opts.height,
              sandbox,
              ...opts.desktop,
            })
          : await (await import("../computer/browser.ts")).startBrowser({
              width: opts.width,
              height: opts.height,
              network: sandbox.network,
              ...(opts.url ? { url: opts.url } : {}),
              ...opts.browser,
            });
      backend = b;
      await opts.onStart?.(b);
      return b;
    })();
    starting.catch(() => {
      starting = undefined;
    });
    return starting;
  };

  const capture = async (b: ComputerBackend, region?: [number, number, number, number]) => {
    const raw = await b.screenshot();
    const scaled = scaling.imageWidth !== scaling.displayWidth || scaling.imageHeight !== scaling.displayHeight;
    let png = raw;
    let width = b.width;
    let height = b.height;
    if (region) {
      const [x1, y1, x2, y2] = region;
      const f = Math.min(scaling.imageWidth / (x2 - x1), scaling.imageHeight / (y2 - y1));
      width = Math.max(1, Math.round((x2 - x1) * f));
      height = Math.max(1, Math.round((y2 - y1) * f));
      png = resizePng(raw, width, height, region);
    } else if (scaled) {
      width = scaling.imageWidth;
      height = scaling.imageHeight;
      png = resizePng(raw, width, height);
    }
    const info: ScreenshotInfo = { width, height, bytes: png.length, tokens: estimateImageTokens(width, height) };
    tally = addScreenshot(tally, info);
    const image: ImagePart = { type: "image", mediaType: "image/png", data: png.toString("base64") };
    return { image, info };
  };

  const backendFor = async (ctx: ToolContext): Promise<ComputerBackend> => {
    try {
      return await start(ctx.sandbox);
    } catch (err) {
      const hint = err instanceof ConfigError && err.hint ? ` (${err.hint})` : "";
      throw new FatalToolError(`computer: the ${opts.backend} backend failed to start: ${errorMessage(err)}${hint}`, {
        cause: err,
      });
    }
  };

  const native: NativeToolSpec[] = [
    {
      kind: "openai.computer",
      displayWidth: scaling.imageWidth,
      displayHeight: scaling.imageHeight,
      environment: opts.backend === "browser" ? "browser" : "linux",
    },
    { kind: "anthropic.computer", displayWidth: scaling.imageWidth, displayHeight: scaling.imageHeight },
  ];

  return {
    name: "computer",
    description: `${DESCRIPTION} ${screenNote(opts.backend, scaling.imageWidth, scaling.imageHeight)}`,
    schema: ComputerArgsSchema,
    native,
    keepScreenshots: opts.keepScreenshots,
    scaling,
    start,
    backendFor,
    async capture() {
      if (!backend) throw new ToolError("the computer has not started yet");
      return capture(backend);
    },
    get backend() {
      return backend;
    },
    get tally() {
      return tally;
    },
    fromNative(kind: NativeKind, args: Record<string, unknown>): ComputerArgs {
      if (kind === "openai.computer") return { actions: fromOpenAI(args) };
      if (kind === "anthropic.computer") return { actions: fromAnthropic(args) };
      throw new ToolError(`the computer tool has no native form ${kind}`);
    },
    async execute(args: ComputerArgs, ctx: ToolContext, call: ToolCall): Promise<ToolOutput> {
      const checks = pendingChecks(call);
      for (const check of checks) {
        const summary = `OpenAI safety check ${check.code ?? check.id}: ${check.message ?? "(no message)"}`;
        const ok = ctx.approve ? await ctx.approve({ tool: "computer", summary, kind: "safety_check" }) : false;
        if (!ok) {
          throw new FatalToolError(`denied: ${summary} was not acknowledged`, {
            exitCode: EXIT.denied,
            hint: "review the check and rerun with --approval on-request in a terminal to acknowledge it",
          });
        }
      }
      const actions: ComputerAction[] = args.actions.map((a) => scaleAction(scaling, toAction(a)));
      const b = await backendFor(ctx);
      const texts: TextPart[] = [];
      let zoom: [number, number, number, number] | undefined;
      let acted = false;
      for (const a of actions) {
        if (ctx.signal.aborted) break;
        zoom = undefined;
        if (a.type === "screenshot") continue;
        if (a.type === "cursor_position") {
          const p = toImage(scaling, await b.cursor());
          texts.push({ type: "text", text: `X=${p.x},Y=${p.y}` });
          continue;
        }
        if (a.type === "zoom") {
          zoom = a.region;
          continue;
        }
        await b.perform(a, ctx.signal);
        acted = a.type !== "wait";
      }
      if (acted) await sleep(settleMs, ctx.signal);
      const { image, info } = await capture(b, zoom);
      return {
        content: [...texts, image],
        structured: {
          screenshot: info,
          ...(checks.length ? { acknowledgedSafetyChecks: checks } : {}),
        },
      };
    },
    async close() {
      const b = backend ?? (await starting?.catch(() => undefined));
      backend = undefined;
      starting = undefined;
      await b?.dispose();
    },
  };
}
