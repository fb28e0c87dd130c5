import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cliUnderPty, makeJsRepo } from "./cli-helpers.ts";
import { mock, mockEnv, tempDir } from "./helpers.ts";

/**
 * The CLI under a pseudo-terminal (util-linux `script`): stdin and stderr are TTYs, so the run prints progress
 * lines and asks before applying. The test answers the prompt like a user would.
 */
const MODEL = "anthropic/claude-opus-4-7";
const SERVER = join(import.meta.dirname, "fixtures", "annotated-server.ts");

function underPty(
  args: string[],
  env: NodeJS.ProcessEnv,
  answer: string,
): Promise<{ code: number | null; out: string }> {
  return cliUnderPty(args, env, /\[y\/N\]/, `${answer}\n`);
}

describe("CLI in a terminal: progress lines and the apply prompt", () => {
  const tmp = tempDir("sy-tty-");
  after(() => tmp.cleanup());
  const script = {
    turns: [{ tool_calls: [{ name: "bash", arguments: { command: "echo hi > hello.txt" } }] }, { text: "created" }],
  };

  for (const answer of ["y", "n"]) {
    it(`shows step, tool, tokens and cost; "${answer}" ${answer === "y" ? "applies the diff" : "keeps it for later"}`, async () => {
      const server = await mock(script);
      try {
        const ws = join(tmp.dir, answer);
        makeJsRepo(ws);
        const servers = join(tmp.dir, `${answer}.json`);
        const mcp = { ann: { command: process.execPath, args: [SERVER, "--log", join(tmp.dir, "x.log")], host: true } };
        writeFileSync(servers, JSON.stringify({ mcpServers: mcp }));
        const r = await underPty(
          ["run", "say hi", "--workspace", ws, "--model", MODEL, "--approval", "never", "--mcp-config", servers],
          { ...mockEnv(server.url), TERM: "dumb" },
          answer,
        );
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /switchyard: run \S+ · anthropic\/claude-opus-4-7 · sandbox bwrap/);
        assert.match(r.out, /switchyard: MCP tools: 3 tools, \d[\d,]* tokens per request/);
        assert.match(r.out, /\[step 1\] tool_use · \+\d[\d.]*k? tokens .* \$\d+\.\d+ so far/);
        assert.match(r.out, /^ {2}\$ echo hi > hello\.txt$/m);
        assert.match(r.out, /\[step 2\] end_turn · \+\d[\d.]*k? tokens .* \$\d+\.\d+ so far/);
        assert.match(r.out, /apply 1 change\(s\) to .* \[y\/N\]/);
        const runId = /switchyard: run (\S+)/.exec(r.out)?.[1] ?? "";
        if (answer === "y") {
          assert.match(r.out, /applied 1 change\(s\) from run/);
          assert.equal(readFileSync(join(ws, "hello.txt"), "utf8"), "hi\n");
        } else {
          assert.match(r.out, new RegExp(`changes kept for review: switchyard apply ${runId} --workspace ${ws}`));
          assert.equal(existsSync(join(ws, "hello.txt")), false);
          const summary = JSON.parse(readFileSync(join(ws, ".switchyard", "runs", runId, "summary.json"), "utf8"));
          assert.equal(summary.status, "pending");
        }
      } finally {
        await server.close();
      }
    });
  }
});
