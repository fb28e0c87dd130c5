import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { z } from "zod";
import { ConfigSchema } from "../../src/core/config.ts";
import type { RunEventBody } from "../../src/core/events.ts";
import type { ModelClient } from "../../src/core/model.ts";
import type { Tool, ToolContext } from "../../src/core/tool.ts";
import { textOutput } from "../../src/core/tool.ts";
import { parseMockScript } from "../../src/mock/script.ts";
import type { MockServer } from "../../src/mock/server.ts";
import { startMockServer } from "../../src/mock/server.ts";
import { anthropicMessages } from "../../src/providers/anthropic-messages.ts";
import { loadCatalog } from "../../src/providers/catalog.ts";
import { createHostSandbox } from "../../src/sandbox/host.ts";

/** Shared seams for agent tests: the project's mock LLM server over real HTTP, real temp directories. */
export async function mock(script: Record<string, unknown>): Promise<MockServer> {
  return startMockServer({ script: parseMockScript(script) });
}

export function tempDir(prefix = "sy-agent-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * For the enclosing describe: a temp workdir with a host sandbox on it, made in `before` and disposed and removed in
 * `after`; `ctx` is the tool context on it.
 */
export function hostWorkdir(prefix?: string): { dir: string; readonly ctx: ToolContext } {
  const tmp = tempDir(prefix);
  let ctx: ToolContext | undefined;
  before(async () => {
    const sandbox = await createHostSandbox({ workdir: tmp.dir, runDir: join(tmp.dir, ".run") });
    ctx = { sandbox, signal: new AbortController().signal, runDir: join(tmp.dir, ".run") };
  });
  after(async () => {
    await ctx?.sandbox.dispose();
    tmp.cleanup();
  });
  return {
    dir: tmp.dir,
    get ctx() {
      if (!ctx) throw new Error("hostWorkdir: ctx is only set once the describe's before hook has run");
      return ctx;
    },
  };
}

export const TEST_KEY = "test-key-not-secret-0001";

/** Env that points each protocol's SDK at the mock. */
export function mockEnv(url: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SWITCHYARD_NO_USER_CONFIG: "1",
    OPENAI_API_KEY: TEST_KEY,
    OPENAI_BASE_URL: `${url}/v1`,
    ANTHROPIC_API_KEY: TEST_KEY,
    ANTHROPIC_BASE_URL: url,
    GEMINI_API_KEY: TEST_KEY,
    GOOGLE_GEMINI_BASE_URL: url,
  };
}

/** A config with a keyless openai-chat provider "local" at the mock (and `price` on its model). */
export function mockConfigToml(url: string, price = { input: 1, output: 2 }): string {
  return [
    "[providers.local]",
    'protocol = "openai-chat"',
    `base_url = "${url}/v1"`,
    "[[providers.local.models]]",
    'id = "coder"',
    "context_window = 100000",
    `price = { input = ${price.input}, cached_input = ${price.input}, output = ${price.output} }`,
    "",
  ].join("\n");
}

export function mockConfig(url: string, price = { input: 1, output: 2 }, contextWindow = 100_000) {
  const p = { input: price.input, cached_input: price.input, output: price.output };
  return ConfigSchema.parse({
    models: { anthropic: [{ id: "claude-opus-4-7", context_window: contextWindow, price: p }] },
    providers: {
      local: {
        protocol: "openai-chat",
        base_url: `${url}/v1`,
        models: [
          {
            id: "coder",
            context_window: 100_000,
            price: { input: price.input, cached_input: price.input, output: price.output },
          },
        ],
      },
    },
  });
}

/** An Anthropic Messages client on the mock (built from the adapter directly; the CLI tests use the registry). */
export function client(
  ref: string,
  url: string,
  price?: { input: number; output: number },
  contextWindow?: number,
): ModelClient {
  const { model, provider } = loadCatalog(mockConfig(url, price, contextWindow)).resolve(ref);
  return anthropicMessages({ model, provider, baseUrl: url, apiKey: TEST_KEY, maxRetries: 0 });
}

/** A "bash"-named test tool that appends each command to `log` and echoes it; counts executions. */
export function recordingTool(log: string): Tool<{ command: string }> {
  return {
    name: "bash",
    description: "Run a command.",
    schema: z.object({ command: z.string() }),
    async execute(args) {
      appendFileSync(log, `${args.command}\n`);
      return textOutput(`ran: ${args.command}`);
    },
  };
}

export function collect(): { events: RunEventBody[]; emit: (e: RunEventBody) => void } {
  const events: RunEventBody[] = [];
  return { events, emit: (e) => events.push(e) };
}

export function bashTurn(command: string, extra: Record<string, unknown> = {}) {
  return { tool_calls: [{ name: "bash", arguments: { command } }], ...extra };
}
