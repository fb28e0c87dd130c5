import type { Page } from "playwright-core";

/**
 * The browser backend's address bar. A headless page has no browser UI, so ctrl+L would do nothing; this gives
 * the keyboard what a desktop browser gives it (Chrome's shortcuts ctrl+L, alt+D and F6 focus the omnibox with
 * the current URL selected): typing replaces the URL, backspace edits it, Enter navigates, Escape closes it, a
 * click on the page closes it. While it is open it is drawn over the top of the page (a shadow-DOM overlay, so
 * the page's CSS cannot reach it), so the model sees what it types in the next screenshot.
 */
export interface AddressBar {
  readonly isOpen: boolean;
  /** Handle a key combo (canonical names: ctrl, alt, shift, meta, enter, …). True when the bar consumed it. */
  key(combo: string[]): Promise<boolean>;
  /** Type text into the bar when it is open; a newline presses Enter. True when consumed. */
  type(text: string): Promise<boolean>;
  /** Close without navigating (a click on the page). */
  close(): Promise<void>;
}

const OVERLAY_ID = "__switchyard_address_bar";
/** Overlay height in CSS pixels: the strip of the page it covers while open. */
export const ADDRESS_BAR_HEIGHT = 48;

const OPENERS = new Set(["ctrl+l", "alt+d", "f6", "meta+l"]);

/**
 * What a typed address means, like a browser's omnibox: a URL with a scheme as is; `localhost:3000/x`,
 * `127.0.0.1/x` and `example.com` get http:// (loopback) or https://; an absolute path is a file. Anything else
 * (words with spaces) is not an address: there is no search engine offline.
 */
export function addressToUrl(input: string): string | undefined {
  const s = input.trim();
  if (!s) return undefined;
  if (/^(?:about|data|file|chrome):/i.test(s)) return s;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return s;
  if (s.startsWith("/")) return `file://${s}`;
  if (/\s/.test(s)) return undefined;
  const host = s.split(/[/?#]/)[0] ?? "";
  const hostname = host.replace(/:\d+$/, "");
  const loopback = hostname === "localhost" || /^127(?:\.\d+){3}$/.test(hostname) || hostname === "[::1]";
  if (loopback) return `http://${s}`;
  if (/^[\w-]+(?:\.[\w-]+)+(?::\d+)?$/.test(host)) return `https://${s}`;
  return undefined;
}

export function createAddressBar(opts: {
  page: () => Page;
  /** Navigate the page; errors show as the browser's error page, they are not thrown. */
  navigate: (url: string) => Promise<void>;
}): AddressBar {
  let open = false;
  let text = "";
  let selected = false;

  const render = async () => {
    await opts
      .page()
      .evaluate(
        ({ id, value, sel, height }) => {
          let host = document.getElementById(id);
          if (!host) {
            host = document.createElement("div");
            host.id = id;
            host.attachShadow({ mode: "open" });
            (document.body ?? document.documentElement).appendChild(host);
          }
          const root = host.shadowRoot;
          if (!root) return;
          const esc = (s: string) => s.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
          const shown = sel ? `<span class="sel">${esc(value)}</span>` : `${esc(value)}<span class="caret"></span>`;
          root.innerHTML =
            `<style>.bar{position:fixed;top:0;left:0;right:0;height:${height}px;z-index:2147483647;` +
            "background:#dee1e6;display:flex;align-items:center;padding:0 12px;box-sizing:border-box;" +
            "font:16px/1.2 sans-serif;color:#202124}.box{flex:1;background:#fff;border:2px solid #1a73e8;" +
            "border-radius:18px;padding:6px 14px;white-space:pre;overflow:hidden}.sel{background:#aecbfa}" +
            ".caret{display:inline-block;width:1px;height:18px;background:#202124;vertical-align:middle}</style>" +
            `<div class="bar"><div class="box">${shown}</div></div>`;
        },
        { id: OVERLAY_ID, value: text, sel: selected, height: ADDRESS_BAR_HEIGHT },
      )
      .catch(() => {});
  };
  const hide = async () => {
    await opts
      .page()
      .evaluate((id) => document.getElementById(id)?.remove(), OVERLAY_ID)
      .catch(() => {});
  };
  const close = async () => {
    if (!open) return;
    open = false;
    await hide();
  };
  const insert = (s: string) => {
    text = selected ? s : text + s;
    selected = false;
  };
  const go = async () => {
    const url = addressToUrl(text);
    await close();
    if (url) await opts.navigate(url);
  };

  return {
    get isOpen() {
      return open;
    },
    async key(combo) {
      const typed = combo.join("+");
      const name = typed.toLowerCase();
      if (OPENERS.has(name)) {
        open = true;
        text = opts.page().url();
        selected = true;
        await render();
        return true;
      }
      if (!open) return false;
      if (name === "enter") await go();
      else if (name === "escape") await close();
      else if (name === "ctrl+a" || name === "meta+a") selected = true;
      else if (name === "backspace") {
        text = selected ? "" : text.slice(0, -1);
        selected = false;
      } else if (name === "delete" && selected) {
        text = "";
        selected = false;
      } else if (name === "space") insert(" ");
      else if (combo.length === 1 && [...typed].length === 1) insert(typed);
      else if (combo.length === 2 && combo[0] === "shift" && [...(combo[1] ?? "")].length === 1) {
        insert((combo[1] ?? "").toUpperCase());
      }
      if (open) await render();
      return true;
    },
    async type(s) {
      if (!open) return false;
      const [line = "", ...rest] = s.split(/\r?\n/);
      insert(line);
      if (rest.length) await go();
      else await render();
      return true;
    },
    close,
  };
}
