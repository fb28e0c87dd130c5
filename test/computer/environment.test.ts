import assert from "node:assert/strict";
import { it } from "node:test";
import { SCREENSHOT_PLACEHOLDER } from "../../src/computer/screenshots.ts";
import type { Message } from "../../src/core/messages.ts";
import type { Tool } from "../../src/core/tool.ts";
import { withComputer } from "../../src/tools/computer-environment.ts";

it("withComputer adds the computer tool with native specs, the screenshot transform and closing", async () => {
  let closed = 0;
  const factory = async (_req: { id: string }) => ({
    tools: [] as Tool[],
    extra: "kept",
    close: async () => void closed++,
  });
  const env = await withComputer(factory, { backend: "browser", width: 1600, height: 1000, keepScreenshots: 1 })({
    id: "x",
  });
  assert.equal(env.extra, "kept");
  assert.deepEqual(
    env.tools.map((t) => t.name),
    ["computer", "navigate"],
    "the browser gets the navigate tool beside the computer tool",
  );
  assert.match(env.systemNote, /1280×800 web browser/);
  assert.match(env.definitions?.find((d) => d.name === "computer")?.description ?? "", /ctrl\+L/);
  const def = env.definitions?.find((d) => d.name === "computer");
  assert.deepEqual(def?.native, [
    { kind: "openai.computer", displayWidth: 1280, displayHeight: 800, environment: "browser" },
    { kind: "anthropic.computer", displayWidth: 1280, displayHeight: 800 },
  ]);
  assert.deepEqual(Object.keys((def?.inputSchema.properties ?? {}) as object), ["actions"]);
  const shot = (id: string): Message => ({
    role: "tool",
    content: [
      {
        type: "tool_result",
        callId: id,
        name: "computer",
        isError: false,
        content: [{ type: "image", mediaType: "image/png", data: id }],
      },
    ],
  });
  const out = env.transformHistory?.([shot("a"), shot("b")]) ?? [];
  assert.equal(JSON.stringify(out[0]).includes(SCREENSHOT_PLACEHOLDER), true);
  assert.equal(JSON.stringify(out[1]).includes('"data":"b"'), true);
  await env.close();
  assert.equal(closed, 1);
});

it("addresses are read as an address bar reads them", async () => {
  const { addressToUrl } = await import("../../src/computer/address-bar.ts");
  assert.equal(addressToUrl("localhost:3000/x"), "http://localhost:3000/x");
  assert.equal(addressToUrl("127.0.0.1:8080"), "http://127.0.0.1:8080");
  assert.equal(addressToUrl("example.com/a"), "https://example.com/a");
  assert.equal(addressToUrl("http://127.0.0.1/"), "http://127.0.0.1/");
  assert.equal(addressToUrl("/app/site/index.html"), "file:///app/site/index.html");
  assert.equal(addressToUrl("about:blank"), "about:blank");
  assert.equal(addressToUrl("what is this"), undefined);
  assert.equal(addressToUrl(""), undefined);
});
