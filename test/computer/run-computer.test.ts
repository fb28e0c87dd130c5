import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { decodePng } from "../../src/computer/png.ts";
import { cli, makeJsRepo } from "../agent/cli-helpers.ts";
import { mock, mockEnv, tempDir } from "../agent/helpers.ts";

/**
 * Computer use through `switchyard run`: a scripted model (the mock, over HTTP, with the real SDKs) opens a local
 * page in the browser — with --url, through the address bar (ctrl+L, type, Enter) and with the navigate tool — and
 * reads it from the screenshots it gets back; on the desktop, a GUI program started from bash shows up on screen.
 */
type Json = Record<string, unknown>;

const PAGES: Record<string, { title: string; color: string }> = {
  "/start": { title: "Start page", color: "#d01010" },
  "/second": { title: "Second page", color: "#1010d0" },
};

async function servePages(): Promise<{ base: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const page = PAGES[req.url ?? ""];
    if (!page) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><title>${page.title}</title><body style="margin:0;background:${page.color};height:100vh">` +
        `<h1 style="color:#fff;margin:0;padding:200px">${page.title}</h1></body>`,
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { base: `127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** RGB at a point of a base64 PNG. */
function pixel(b64: string, x: number, y: number): [number, number, number] {
  const img = decodePng(Buffer.from(b64, "base64"));
  const i = (y * img.width + x) * 3;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

const isRed = ([r, g, b]: number[]) => r! > 180 && g! < 60 && b! < 60;
const isBlue = ([r, g, b]: number[]) => b! > 180 && r! < 60 && g! < 60;

/** OpenAI: the screenshot in the computer_call_output items of request `i`. */
function openaiShots(body: Json): string[] {
  return (body.input as Json[])
    .filter((x) => x.type === "computer_call_output")
    .map((x) => String((x.output as Json).image_url).split(",")[1]!);
}

/** Anthropic: the tool_result blocks of request `i`. */
function anthropicResults(body: Json): Json[] {
  return (body.messages as Array<{ content: Json[] | string }>)
    .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
    .filter((b) => b.type === "tool_result");
}

describe("computer use from switchyard run", () => {
  const tmp = tempDir("sy-run-computer-");
  let pages: Awaited<ReturnType<typeof servePages>>;
  before(async () => {
    pages = await servePages();
  });
  after(async () => {
    await pages.close();
    tmp.cleanup();
  });

  it("OpenAI computer: --url opens the start page; ctrl+L, typing an address and Enter navigates", async () => {
    const server = await mock({
      turns: [
        { tool_calls: [{ name: "computer", arguments: { action: { type: "screenshot" } } }] },
        {
          tool_calls: [
            {
              name: "computer",
              arguments: {
                actions: [
                  { type: "keypress", keys: ["CTRL", "L"] },
                  { type: "type", text: `${pages.base}/second` },
                  { type: "keypress", keys: ["ENTER"] },
                ],
              },
            },
          ],
        },
        { text: "The second page says: Second page." },
      ],
    });
    try {
      const ws = `${tmp.dir}/openai`;
      makeJsRepo(ws);
      const r = await cli(
        [
          "run",
          "read the page",
          "--workspace",
          ws,
          "--json",
          "--model",
          "openai/gpt-5.5",
          "--computer",
          "browser",
        ].concat(["--url", `http://${pages.base}/start`]),
        mockEnv(server.url),
        { timeoutMs: 120_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      const bodies = server.requests.map((q) => q.body as Json);
      const tools = (bodies[0]!.tools as Json[]).map((t) => t.type ?? t.name);
      assert.ok(tools.includes("computer") && tools.includes("function"), JSON.stringify(tools));
      assert.ok(
        (bodies[0]!.tools as Json[]).some((t) => t.name === "navigate"),
        "the navigate function is offered beside the computer tool",
      );
      const first = openaiShots(bodies[1]!);
      assert.equal(first.length, 1);
      assert.ok(isRed(pixel(first[0]!, 640, 600)), "the first screenshot shows the --url page");
      const second = openaiShots(bodies[2]!);
      assert.ok(isBlue(pixel(second.at(-1)!, 640, 600)), "after ctrl+L, typing and Enter the second page shows");
    } finally {
      await server.close();
    }
  });

  it("Anthropic computer: about:blank, then the navigate tool and the address bar both reach a local page", async () => {
    const server = await mock({
      turns: [
        { tool_calls: [{ name: "navigate", arguments: { url: `${pages.base}/second` } }] },
        { tool_calls: [{ name: "computer", arguments: { action: "key", text: "ctrl+l" } }] },
        { tool_calls: [{ name: "computer", arguments: { action: "type", text: `http://${pages.base}/start\n` } }] },
        { text: "done" },
      ],
    });
    try {
      const ws = `${tmp.dir}/anthropic`;
      makeJsRepo(ws);
      const args = ["--workspace", ws, "--json", "--model", "anthropic/claude-opus-4-7", "--computer", "browser"];
      const r = await cli(["run", "read the page", ...args], mockEnv(server.url), { timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      const wire = (server.requests[0]!.body as Json).tools as Json[];
      assert.deepEqual(
        wire.map((t) => t.name),
        ["bash", "str_replace_based_edit_tool", "apply_patch", "computer", "navigate"],
      );
      const results = anthropicResults(server.requests.at(-1)!.body as Json);
      assert.equal(results.length, 3);
      const nav = results[0]!.content as Json[];
      assert.match(
        String(nav.find((c) => c.type === "text")?.text),
        /now at http:\/\/127\.0\.0\.1:\d+\/second \("Second page"\)/,
      );
      const shot = (res: Json) => {
        const image = (res.content as Json[]).find((c) => c.type === "image");
        return String((image?.source as Json | undefined)?.data);
      };
      assert.ok(isBlue(pixel(shot(results[0]!), 640, 600)), "navigate's screenshot shows the page");
      // While the address bar is open it is drawn over the top of the page, with the URL selected.
      const barOpen = shot(results[1]!);
      assert.ok(isBlue(pixel(barOpen, 640, 600)));
      assert.ok(!isBlue(pixel(barOpen, 640, 20)), "the address bar covers the top of the page");
      assert.ok(isRed(pixel(shot(results[2]!), 640, 600)), "typing an address ending in a newline navigates");
      assert.ok(isRed(pixel(shot(results[2]!), 640, 20)), "and the bar closes");
    } finally {
      await server.close();
    }
  });

  it("the spec's computer_url and a bad --url are checked before the run", async () => {
    const ws = `${tmp.dir}/bad`;
    makeJsRepo(ws);
    const env = mockEnv("http://127.0.0.1:9");
    const r = await cli(["run", "x", "--workspace", ws, "--model", "openai/gpt-5.5", "--url", "http://x/"], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--url needs --computer browser/);
    const bad = await cli(
      ["run", "x", "--workspace", ws, "--model", "openai/gpt-5.5", "--computer", "browser", "--url", "not a url"],
      env,
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--url: "not a url" is not an address/);
  });
});
