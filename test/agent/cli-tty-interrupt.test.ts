import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { RunSummary } from "../../src/agent/review.ts";
import { cliUnderPty } from "./cli-helpers.ts";
import { bashTurn, mock, mockConfigToml, mockEnv, tempDir } from "./helpers.ts";

/**
 * Ctrl-C at a terminal prompt (util-linux `script` gives the CLI a pseudo-terminal; the terminal hands ^C to the
 * prompt as a key): at the apply prompt it is a "no" — the changes stay for review and the run's own exit code
 * stands — and at an approval prompt it stops the run like Ctrl-C anywhere else (aborted, exit 130). Never an
 * "internal error".
 */
const tmp = tempDir("sy-tty-int-");
after(() => tmp.cleanup());

/** Run the CLI under a pty and press Ctrl-C once the prompt matching `prompt` shows. */
function ctrlCAt(
  args: string[],
  env: NodeJS.ProcessEnv,
  prompt: RegExp,
): Promise<{ code: number | null; out: string }> {
  return cliUnderPty(args, env, prompt, "\x03");
}

async function setup(name: string, script: Record<string, unknown>) {
  const server = await mock(script);
  const ws = join(tmp.dir, name);
  mkdirSync(ws, { recursive: true });
  writeFileSync(join(ws, "a.txt"), "one\n");
  const config = `${ws}.toml`;
  writeFileSync(config, mockConfigToml(server.url));
  const args = ["--workspace", ws, "--config", config, "--model", "local/coder", "--sandbox", "host"];
  return { server, ws, args, env: { ...mockEnv(server.url), TERM: "dumb" } };
}

const summaryOf = (ws: string, runId: string) =>
  JSON.parse(readFileSync(join(ws, ".switchyard", "runs", runId, "summary.json"), "utf8")) as RunSummary;

describe("Ctrl-C at a terminal prompt", () => {
  it("at the apply prompt: not applied, kept for review, the run's exit code", async () => {
    const { server, ws, args, env } = await setup("apply", { turns: [bashTurn("echo two > a.txt"), { text: "done" }] });
    try {
      const r = await ctrlCAt(["run", "edit a.txt", ...args], env, /\[y\/N\] /);
      assert.equal(r.code, 0, r.out);
      assert.doesNotMatch(r.out, /internal error/);
      const runId = /switchyard: run (\S+)/.exec(r.out)?.[1] ?? "";
      assert.match(r.out, new RegExp(`changes kept for review: switchyard apply ${runId}`));
      assert.equal(readFileSync(join(ws, "a.txt"), "utf8"), "one\n");
      assert.equal(summaryOf(ws, runId).status, "pending");
    } finally {
      await server.close();
    }
  });

  it("at an approval prompt: the run stops aborted (exit 130) and says how to resume", async () => {
    const { server, ws, args, env } = await setup("approval", {
      turns: [bashTurn("echo two > a.txt"), { text: "done" }],
    });
    try {
      const r = await ctrlCAt(["run", "edit a.txt", ...args, "--approval", "untrusted"], env, /approve .*\[y\/N\] /);
      assert.equal(r.code, 130, r.out);
      assert.doesNotMatch(r.out, /internal error/);
      const runId = /switchyard: run (\S+)/.exec(r.out)?.[1] ?? "";
      assert.match(r.out, new RegExp(`switchyard resume ${runId}`));
      const s = summaryOf(ws, runId);
      assert.deepEqual([s.endState, s.exitCode], ["aborted", 130]);
      assert.equal(existsSync(join(ws, ".switchyard", "runs", runId, "work", "a.txt")), true);
      assert.equal(server.requests.length, 1, "the model was not asked again after the Ctrl-C");
    } finally {
      await server.close();
    }
  });
});
