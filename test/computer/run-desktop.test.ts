import assert from "node:assert/strict";
import { after, it } from "node:test";
import { startDesktop } from "../../src/computer/desktop.ts";
import { decodePng } from "../../src/computer/png.ts";
import { cli, makeJsRepo } from "../agent/cli-helpers.ts";
import { mock, mockEnv, tempDir } from "../agent/helpers.ts";
import { sandboxEnv } from "./helpers.ts";

/**
 * `switchyard run --computer desktop` (Xvfb in the run's bwrap sandbox): the bash tool has DISPLAY, so a GUI
 * program the model starts from the shell (xmessage, from x11-utils) is a window xdotool finds and shows up in
 * the next screenshot; the system prompt tells the model the screen's size.
 */
type Json = Record<string, unknown>;
const tmp = tempDir("sy-run-desktop-");
after(() => tmp.cleanup());

/** Pixels in a box that are clearly green (the xmessage window's background). */
function greenPixels(b64: string, box: { x: number; y: number; w: number; h: number }): number {
  const img = decodePng(Buffer.from(b64, "base64"));
  let n = 0;
  for (let y = box.y; y < box.y + box.h; y++) {
    for (let x = box.x; x < box.x + box.w; x++) {
      const i = (y * img.width + x) * 3;
      if (img.data[i + 1]! > 140 && img.data[i]! < 60 && img.data[i + 2]! < 60) n++;
    }
  }
  return n;
}

it("a GUI program started from bash appears in the desktop's screenshots", async () => {
  const bash = (command: string) => ({ tool_calls: [{ name: "bash", arguments: { command } }] });
  const screenshot = { tool_calls: [{ name: "computer", arguments: { action: "screenshot" } }] };
  const server = await mock({
    turns: [
      screenshot,
      bash(
        `echo "display=$DISPLAY"; xmessage -geometry 420x160+300+300 -bg '#00b000' 'started from bash' >/tmp/xmessage.log 2>&1 &`,
      ),
      // Poll for the window and for it to be mapped (up to a minute on a loaded machine), then give it a moment to
      // paint; on failure, say why (the program's output, the window tree).
      bash(
        `for i in $(seq 300); do w=$(xdotool search --name '^xmessage$' 2>/dev/null | head -1); ` +
          `[ -n "$w" ] && xwininfo -id "$w" | grep -q IsViewable && break; w=; sleep 0.2; done; ` +
          `if [ -n "$w" ]; then echo "$w"; sleep 1; else echo "no window; xmessage said:"; cat /tmp/xmessage.log; ` +
          `xwininfo -root -tree | head -20; fi`,
      ),
      screenshot,
      { text: "I can see the message window." },
    ],
  });
  try {
    const ws = `${tmp.dir}/ws`;
    makeJsRepo(ws);
    const args = ["--workspace", ws, "--json", "--model", "anthropic/claude-opus-4-7", "--computer", "desktop"];
    const r = await cli(["run", "show a message", ...args], mockEnv(server.url), { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    const started = r.events.find((e) => e.type === "run_started") as unknown as { system: string };
    assert.match(started.system, /1280×800 Linux desktop/);
    assert.match(started.system, /DISPLAY/);
    const body = server.requests.at(-1)!.body as Json;
    const results = (body.messages as Array<{ content: Json[] | string }>)
      .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
      .filter((b) => b.type === "tool_result");
    assert.equal(results.length, 4);
    const text = (res: Json) =>
      typeof res.content === "string"
        ? res.content
        : (res.content as Json[])
            .filter((c) => c.type === "text")
            .map((c) => c.text)
            .join("");
    assert.match(text(results[1]!), /display=:\d+/, "bash sees the display");
    assert.match(text(results[2]!), /^\d+$/m, "xdotool (run from bash) finds the xmessage window");
    const shot = (res: Json) => {
      const image = (res.content as Json[]).find((c) => c.type === "image");
      return String((image?.source as Json | undefined)?.data);
    };
    const box = { x: 300, y: 300, w: 420, h: 160 };
    assert.ok(greenPixels(shot(results[0]!), box) < 50, "nothing green before the program starts");
    const green = greenPixels(shot(results[3]!), box);
    assert.ok(green > 5000, `the xmessage window is in the screenshot (${green} green pixels)`);
  } finally {
    await server.close();
  }
});

it("a window opened the moment the desktop is up is managed and mapped (openbox has finished starting)", async () => {
  const env = await sandboxEnv();
  try {
    const d = await startDesktop({ width: 800, height: 600, sandbox: env.sandbox });
    try {
      d.launch(["xmessage", "-name", "early", "hello"]);
      let state = "";
      for (let i = 0; i < 150 && !state.includes("IsViewable"); i++) {
        await new Promise((r) => setTimeout(r, 200));
        const w = (await d.x(["xdotool", "search", "--name", "^early$"]).catch(() => "")).trim().split("\n")[0];
        if (w) state = (await d.x(["xwininfo", "-id", w])).match(/Map State: \w+/)?.[0] ?? "";
      }
      assert.equal(state, "Map State: IsViewable");
    } finally {
      await d.dispose();
    }
  } finally {
    await env.cleanup();
  }
});
