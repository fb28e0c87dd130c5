import type { ChildProcess } from "node:child_process";
import { ConfigError, ToolError } from "../core/errors.ts";
import type { Sandbox } from "../core/sandbox.ts";
import type { MouseButton, Point } from "./actions.ts";
import { PIXELS_PER_NOTCH } from "./actions.ts";
import type { ComputerBackend, PerformedAction } from "./backend.ts";
import { requireExecutable, sleep } from "./backend.ts";
import { hostRunner, sandboxRunner, type XRunner } from "./x-runner.ts";

/**
 * The desktop backend: an Xvfb display with a light window manager (openbox), driven with xdotool, captured
 * with scrot. Inside the run's sandbox when one is given (the X socket lives in the sandbox's private /tmp). The
 * display number is the first one without a lock file or socket and not handed out already; Xvfb reports
 * readiness on -displayfd.
 */
export interface DesktopOptions {
  width: number;
  height: number;
  sandbox?: Sandbox;
  /** Executables (names on PATH or absolute paths); defaults Xvfb, xdotool, scrot, openbox. */
  xvfb?: string;
  xdotool?: string;
  scrot?: string;
  /** The window manager command, or false for none. Default ["openbox"]. */
  windowManager?: string[] | false;
  /** How long to wait for Xvfb to accept connections. Default 15 s. */
  startTimeoutMs?: number;
}

export interface DesktopBackend extends ComputerBackend {
  readonly kind: "desktop";
  /** The X display, e.g. ":1", for starting apps on it. */
  readonly display: string;
  /** Start a program on the display (inside the sandbox when there is one); it is killed on dispose. */
  launch(argv: string[], env?: Record<string, string>): ChildProcess;
  /** Run a short X client (xdotool, xprop …) on the display and return its stdout. */
  x(argv: string[]): Promise<string>;
}

const BUTTONS: Record<MouseButton, number> = { left: 1, middle: 2, right: 3, back: 8, forward: 9 };

/** Canonical key names → X keysyms. Names not listed (single characters, keysyms) pass through. */
const KEYSYMS: Record<string, string> = {
  ctrl: "ctrl",
  alt: "alt",
  shift: "shift",
  meta: "super",
  enter: "Return",
  tab: "Tab",
  escape: "Escape",
  backspace: "BackSpace",
  delete: "Delete",
  insert: "Insert",
  up: "Up",
  down: "Down",
  left: "Left",
  right: "Right",
  home: "Home",
  end: "End",
  pageup: "Page_Up",
  pagedown: "Page_Down",
  space: "space",
  capslock: "Caps_Lock",
  "/": "slash",
  "\\": "backslash",
  "-": "minus",
  "+": "plus",
  "=": "equal",
  ".": "period",
  ",": "comma",
  ";": "semicolon",
  ":": "colon",
  "'": "apostrophe",
  '"': "quotedbl",
  "`": "grave",
  "[": "bracketleft",
  "]": "bracketright",
  "(": "parenleft",
  ")": "parenright",
  "<": "less",
  ">": "greater",
  "?": "question",
  "!": "exclam",
  "*": "asterisk",
  "&": "ampersand",
  "#": "numbersign",
  $: "dollar",
  "%": "percent",
  "@": "at",
  "^": "asciicircum",
  _: "underscore",
  "|": "bar",
  "~": "asciitilde",
  "{": "braceleft",
  "}": "braceright",
};

export function keysym(key: string): string {
  const mapped = KEYSYMS[key];
  if (mapped) return mapped;
  if (/^f\d+$/.test(key)) return key.toUpperCase();
  return key;
}

/** xdotool argv (after the program name) for one action; undefined for actions with nothing to send. */
export function xdotoolArgs(a: PerformedAction): string[] | undefined {
  const moveTo = (p: Point | undefined) => (p ? ["mousemove", "--sync", String(p.x), String(p.y)] : []);
  const down = (keys: string[]) => keys.flatMap((k) => ["keydown", keysym(k)]);
  const up = (keys: string[]) => [...keys].reverse().flatMap((k) => ["keyup", keysym(k)]);
  switch (a.type) {
    case "click":
      return [
        ...moveTo(a.at),
        ...down(a.keys),
        "click",
        "--repeat",
        String(a.count),
        "--delay",
        "80",
        String(BUTTONS[a.button]),
        ...up(a.keys),
      ];
    case "move":
      return moveTo(a.at);
    case "drag": {
      const [first, ...rest] = a.path;
      return [
        ...moveTo(first),
        ...down(a.keys),
        "mousedown",
        "1",
        ...rest.flatMap((p) => ["sleep", "0.05", ...moveTo(p)]),
        "sleep",
        "0.05",
        "mouseup",
        "1",
        ...up(a.keys),
      ];
    }
    case "mouse_down":
    case "mouse_up":
      return [...moveTo(a.at), a.type === "mouse_down" ? "mousedown" : "mouseup", String(BUTTONS[a.button])];
    case "type":
      return a.text === "" ? undefined : ["type", "--delay", "8", "--", a.text];
    case "key":
      return ["key", "--delay", "40", "--", ...a.combos.map((c) => c.map(keysym).join("+"))];
    case "hold_key":
      return [...down(a.keys), "sleep", String(a.durationMs / 1000), ...up(a.keys)];
    case "scroll": {
      const clicks = (px: number) => (px === 0 ? 0 : Math.max(1, Math.round(Math.abs(px) / PIXELS_PER_NOTCH)));
      const wheel = (n: number, button: number) =>
        n ? ["click", "--repeat", String(n), "--delay", "30", String(button)] : [];
      const body = [...wheel(clicks(a.dy), a.dy < 0 ? 4 : 5), ...wheel(clicks(a.dx), a.dx < 0 ? 6 : 7)];
      if (!body.length) return undefined;
      return [...moveTo(a.at), ...down(a.keys), ...body, ...up(a.keys)];
    }
    case "wait":
      return undefined;
    default: {
      const never: never = a;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

/** Wait for Xvfb to print its display number on the -displayfd pipe. */
function readDisplayNumber(xvfb: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => fail(`Xvfb did not start within ${timeoutMs} ms`), timeoutMs);
    function fail(msg: string) {
      clearTimeout(timer);
      reject(new ConfigError(`${msg}${err.trim() ? `: ${err.trim().split("\n").slice(-3).join(" | ")}` : ""}`));
    }
    xvfb.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    xvfb.stderr?.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    xvfb.on("error", (e) => fail(`Xvfb failed to start (${e.message})`));
    xvfb.on("exit", (code, signal) => fail(`Xvfb exited (${signal ?? `code ${code}`}) before it was ready`));
  });
}

/**
 * Display numbers handed out in this process, per sandbox (or the host). Lock files alone are not enough inside a
 * sandbox: every bwrap process has its own pid namespace, so Xvfb takes another sandbox process's live lock for a
 * stale one and would steal its display number.
 */
const RESERVED = new WeakMap<object, Set<number>>();
function reserved(key: object): Set<number> {
  let set = RESERVED.get(key);
  if (!set) {
    set = new Set();
    RESERVED.set(key, set);
  }
  return set;
}

function freeDisplay(runner: XRunner): number {
  for (let n = 0; n < 1000; n++) {
    if (reserved(runner.key).has(n)) continue;
    if (runner.exists(`/tmp/.X${n}-lock`) || runner.exists(`/tmp/.X11-unix/X${n}`)) continue;
    return n;
  }
  throw new ConfigError("no free X display number below 1000");
}

export async function startDesktop(opts: DesktopOptions): Promise<DesktopBackend> {
  const xvfb = requireExecutable(opts.xvfb ?? "Xvfb", "xvfb", "computer.xvfb");
  const xdotool = requireExecutable(opts.xdotool ?? "xdotool", "xdotool", "computer.xdotool");
  const scrot = requireExecutable(opts.scrot ?? "scrot", "scrot", "computer.scrot");
  const wm = opts.windowManager === false ? undefined : (opts.windowManager ?? ["openbox"]);
  if (wm?.[0]) wm[0] = requireExecutable(wm[0], "openbox", "computer.window_manager");
  const { width, height } = opts;
  const runner: XRunner = opts.sandbox ? sandboxRunner(opts.sandbox) : hostRunner();

  const children: ChildProcess[] = [];
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    for (const c of children.reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise<void>((r) => c.once("exit", () => r()));
      try {
        // Host children run in their own process group (detached): kill the group, apps' helpers included.
        if (!opts.sandbox && c.pid !== undefined) process.kill(-c.pid, "SIGKILL");
        else c.kill("SIGKILL");
      } catch {}
      await Promise.race([exited, sleep(2000)]);
    }
    if (displayNumber !== undefined) reserved(runner.key).delete(displayNumber);
  };
  let displayNumber: number | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && displayNumber === undefined; attempt++) {
    const n = freeDisplay(runner);
    reserved(runner.key).add(n);
    const server = runner.spawn(
      [xvfb, `:${n}`, "-displayfd", "1", "-screen", "0", `${width}x${height}x24`, "-nolisten", "tcp", "-noreset"],
      {},
    );
    children.push(server);
    try {
      displayNumber = await readDisplayNumber(server, opts.startTimeoutMs ?? 15_000);
    } catch (err) {
      lastError = err;
      // Another server took the number between the check and the start ("Server is already active"): try the next.
      if (server.exitCode === null && server.signalCode === null) break;
    }
  }
  if (displayNumber === undefined) {
    await dispose();
    throw lastError instanceof Error ? lastError : new ConfigError("Xvfb did not start");
  }
  const display = `:${displayNumber}`;
  const env = { DISPLAY: display };
  const x = async (argv: string[]): Promise<string> => {
    const r = await runner.run(argv, env);
    if (r.code !== 0) {
      throw new ToolError(
        `${argv[0]} failed (${r.code === null ? "timed out" : `exit ${r.code}`}): ${r.stderr.trim().slice(0, 500)}`,
      );
    }
    return r.stdout;
  };
  const launch = (argv: string[], extra: Record<string, string> = {}): ChildProcess => {
    if (disposed) throw new Error("desktop has been disposed");
    const child = runner.spawn(argv, { ...env, ...extra });
    child.on("error", () => {});
    child.stdout?.resume();
    child.stderr?.resume();
    children.push(child);
    return child;
  };

  if (wm) {
    launch(wm);
    // openbox sets _NET_SUPPORTING_WM_CHECK early in its start-up and _NET_CLIENT_LIST at the end of it; a window
    // mapped in between is never managed (it stays IsUnMapped), so wait for the client list.
    for (let i = 0; i < 100; i++) {
      const probe = await runner.run(["xprop", "-root", "_NET_CLIENT_LIST"], env, 5000).catch(() => undefined);
      if (probe?.stdout.startsWith("_NET_CLIENT_LIST(")) break;
      await sleep(100);
    }
  }

  return {
    kind: "desktop",
    width,
    height,
    display,
    launch,
    x,
    async perform(action, signal) {
      if (action.type === "wait") return sleep(action.durationMs, signal);
      const args = xdotoolArgs(action);
      if (args?.length) await x([xdotool, ...args]);
    },
    async screenshot() {
      const path = runner.scratchPath(".png");
      await x([scrot, "--overwrite", "--pointer", path]);
      return runner.take(path);
    },
    async cursor() {
      const out = await x([xdotool, "getmouselocation", "--shell"]);
      const get = (k: string) => Number(new RegExp(`^${k}=(\\d+)`, "m").exec(out)?.[1] ?? 0);
      return { x: get("X"), y: get("Y") };
    },
    dispose,
  };
}
