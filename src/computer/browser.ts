import type { Browser, BrowserContext, Page } from "playwright-core";
import { ConfigError } from "../core/errors.ts";
import type { Point } from "./actions.ts";
import { PIXELS_PER_NOTCH } from "./actions.ts";
import { addressToUrl, createAddressBar } from "./address-bar.ts";
import type { ComputerBackend, PerformedAction } from "./backend.ts";
import { requireExecutable, sleep } from "./backend.ts";

/**
 * The browser backend: playwright-core driving Debian's chromium, headless, one page whose viewport is the display.
 * Offline runs block every request that is not to a loopback address (the sandbox's network rule); the page
 * itself stays reachable to the caller for DOM checks (`page`). There is no browser UI, so the backend supplies the
 * keyboard's: an address bar (ctrl+L / alt+D / F6, see address-bar.ts), alt+Left/Right for history, F5 / ctrl+R to
 * reload; `navigate` does the same for the navigate tool.
 */
export interface BrowserOptions {
  width: number;
  height: number;
  /** Page to open first; default about:blank. */
  url?: string;
  /** Allow non-loopback requests. Default false (offline, like the sandbox). */
  network?: boolean;
  /** Chromium executable. Default /usr/bin/chromium. */
  executablePath?: string;
  /** How long to wait for the browser and the first page. Default 30 s. */
  startTimeoutMs?: number;
}

export interface BrowserBackend extends ComputerBackend {
  readonly kind: "browser";
  /** The active page (the newest one when the page opened others), for DOM checks. */
  readonly page: Page;
  readonly context: BrowserContext;
  /**
   * Open an address (as typed in an address bar: see addressToUrl) or go back/forward/reload. A page that fails to
   * load shows the browser's error page; the reason comes back as `error`, nothing is thrown.
   */
  navigate(
    to: string | { action: "back" | "forward" | "reload" },
  ): Promise<{ url: string; title: string; error?: string }>;
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Canonical key names → Playwright key names. Single characters pass through. */
const PW_KEYS: Record<string, string> = {
  ctrl: "Control",
  alt: "Alt",
  shift: "Shift",
  meta: "Meta",
  enter: "Enter",
  tab: "Tab",
  escape: "Escape",
  backspace: "Backspace",
  delete: "Delete",
  insert: "Insert",
  up: "ArrowUp",
  down: "ArrowDown",
  left: "ArrowLeft",
  right: "ArrowRight",
  home: "Home",
  end: "End",
  pageup: "PageUp",
  pagedown: "PageDown",
  space: "Space",
  capslock: "CapsLock",
  "+": "Equal",
};

export function playwrightKey(key: string): string {
  const mapped = PW_KEYS[key];
  if (mapped) return mapped;
  if (/^f\d+$/.test(key)) return key.toUpperCase();
  return key;
}

/** True for URLs an offline run may load: loopback hosts and local schemes. */
export function isLocalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (["about:", "data:", "blob:", "file:", "chrome:", "devtools:"].includes(u.protocol)) return true;
  const host = u.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function startBrowser(opts: BrowserOptions): Promise<BrowserBackend> {
  const executablePath = requireExecutable(opts.executablePath ?? "/usr/bin/chromium", "chromium", "computer.chromium");
  const { chromium } = await import("playwright-core");
  const timeout = opts.startTimeoutMs ?? 30_000;
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout });
  } catch (err) {
    throw new ConfigError(`chromium (${executablePath}) failed to start: ${(err as Error).message.split("\n")[0]}`, {
      field: "computer.chromium",
      hint: "apt-get install chromium",
    });
  }
  const { width, height } = opts;
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  if (!opts.network) {
    await context.route(
      (url) => !isLocalUrl(url.href),
      (route) => route.abort("blockedbyclient"),
    );
  }
  let page = await context.newPage();
  // Links with target=_blank open new pages: the model keeps seeing the newest one.
  context.on("page", (p) => {
    page = p;
    p.on("close", () => {
      const pages = context.pages();
      const last = pages[pages.length - 1];
      if (last) page = last;
    });
  });
  if (opts.url) await page.goto(opts.url, { timeout, waitUntil: "load" });
  const goto = async (url: string): Promise<string | undefined> => {
    try {
      await page.goto(url, { timeout, waitUntil: "load" });
      return undefined;
    } catch (err) {
      return (err as Error).message.split("\n")[0]?.replace(/^page\.goto: /, "");
    }
  };
  const bar = createAddressBar({ page: () => page, navigate: async (url) => void (await goto(url)) });
  /** Browser shortcuts a headless page does not have: history and reload. */
  const browserKey = async (combo: string[]): Promise<boolean> => {
    const name = combo.join("+").toLowerCase();
    const history = { "alt+left": "back", "alt+right": "forward", f5: "reload", "ctrl+r": "reload" } as const;
    const action = history[name as keyof typeof history];
    if (!action) return false;
    await (action === "back" ? page.goBack() : action === "forward" ? page.goForward() : page.reload()).catch(
      () => null,
    );
    return true;
  };
  let cursor: Point = { x: 0, y: 0 };
  const moveTo = async (p: Point | undefined) => {
    if (!p) return;
    await page.mouse.move(p.x, p.y);
    cursor = p;
  };
  const hold = async (keys: string[], f: () => Promise<void>) => {
    for (const k of keys) await page.keyboard.down(playwrightKey(k));
    try {
      await f();
    } finally {
      for (const k of [...keys].reverse()) await page.keyboard.up(playwrightKey(k));
    }
  };
  let disposed = false;

  const backend: BrowserBackend = {
    kind: "browser",
    width,
    height,
    get page() {
      return page;
    },
    context,
    async navigate(to) {
      await bar.close();
      let error: string | undefined;
      if (typeof to === "string") {
        const url = addressToUrl(to);
        error = url ? await goto(url) : `"${to}" is not an address (give a URL such as http://127.0.0.1:8000/)`;
      } else {
        const go = to.action === "back" ? page.goBack() : to.action === "forward" ? page.goForward() : page.reload();
        error = await go.then(
          () => undefined,
          (e: Error) => e.message.split("\n")[0],
        );
      }
      const title = await page.title().catch(() => "");
      return { url: page.url(), title, ...(error ? { error } : {}) };
    },
    async perform(a: PerformedAction, signal?: AbortSignal) {
      // A pointer action on the page closes the address bar, as a click outside the omnibox does.
      if (bar.isOpen && ["click", "drag", "mouse_down", "scroll"].includes(a.type)) await bar.close();
      switch (a.type) {
        case "click":
          await moveTo(a.at);
          if (a.button === "back" || a.button === "forward") {
            await (a.button === "back" ? page.goBack() : page.goForward()).catch(() => null);
            return;
          }
          await hold(a.keys, () =>
            page.mouse.click(cursor.x, cursor.y, {
              button: a.button as "left" | "right" | "middle",
              clickCount: a.count,
              delay: 20,
            }),
          );
          return;
        case "move":
          return moveTo(a.at);
        case "drag": {
          const [first, ...rest] = a.path;
          await moveTo(first);
          await hold(a.keys, async () => {
            await page.mouse.down();
            for (const p of rest) await page.mouse.move(p.x, p.y, { steps: 5 });
            await page.mouse.up();
          });
          cursor = a.path[a.path.length - 1] ?? cursor;
          return;
        }
        case "mouse_down":
        case "mouse_up": {
          await moveTo(a.at);
          const button = a.button === "back" || a.button === "forward" ? "left" : a.button;
          await (a.type === "mouse_down" ? page.mouse.down({ button }) : page.mouse.up({ button }));
          return;
        }
        case "type":
          if (await bar.type(a.text)) return;
          await page.keyboard.type(a.text, { delay: 5 });
          return;
        case "key":
          for (const combo of a.combos) {
            if ((await bar.key(combo)) || (await browserKey(combo))) continue;
            await page.keyboard.press(combo.map(playwrightKey).join("+"));
          }
          return;
        case "hold_key":
          await hold(a.keys, () => sleep(a.durationMs, signal));
          return;
        case "scroll":
          await moveTo(a.at);
          await hold(a.keys, () => page.mouse.wheel(a.dx, a.dy));
          // Wheel scrolling is smooth-animated; let it land before the screenshot.
          await sleep(Math.min(500, 50 + ((Math.abs(a.dx) + Math.abs(a.dy)) / PIXELS_PER_NOTCH) * 30));
          return;
        case "wait":
          await sleep(a.durationMs, signal);
          return;
        default: {
          const never: never = a;
          throw new Error(`unknown action ${JSON.stringify(never)}`);
        }
      }
    },
    async screenshot() {
      return page.screenshot({ type: "png", timeout: 15_000, animations: "allow", caret: "initial" });
    },
    async cursor() {
      return cursor;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await browser.close().catch(() => {});
    },
  };
  return backend;
}
