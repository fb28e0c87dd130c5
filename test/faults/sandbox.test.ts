import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  assertTranscriptEnds,
  assertUnchanged,
  bash,
  cli,
  makeWorkspace,
  mock,
  mockEnv,
  runDir,
  runWithMock,
  snapshot,
  tempDir,
} from "./helpers.ts";

/**
 * Sandbox and secrets: what the agent can see and what Switchyard writes. A secret is any credential-named
 * variable's value or a configured key variable's (`api_key_env`); it must not reach a model, a file Switchyard
 * writes (diff.patch excepted: the user's own code) or its stdout/stderr.
 */

/** Every file Switchyard wrote for a run, except the user's own code (work/, diff.patch). */
function runFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d)) {
      const r = rel ? `${rel}/${name}` : name;
      if (r === "work" || r === "diff.patch") continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, r);
      else out[r] = readFileSync(p, "utf8");
    }
  };
  walk(dir, "");
  return out;
}

function assertNowhere(secret: string, where: Record<string, string>): void {
  for (const [name, text] of Object.entries(where)) {
    const at = text.indexOf(secret);
    assert.ok(at === -1, `the secret reached ${name}: …${text.slice(Math.max(0, at - 120), at + 40)}…`);
  }
}

describe("faults: secrets", () => {
  const tmp = tempDir("sy-faults-sec-");
  after(() => tmp.cleanup());
  const SECRET = "sk-live-faults0000000000000000000000secret";

  for (const json of [false, true]) {
    it(`a secret repeated in the model's final answer reaches no file, stdout or stderr (${json ? "--json" : "plain"})`, async () => {
      const ws = makeWorkspace(join(tmp.dir, `final-${json}`));
      const run = await runWithMock({
        ws,
        json,
        task: `Check that the deploy key ${SECRET} is set`,
        script: { turns: [{ text: `The key is ${SECRET}; it is set.` }] },
        env: { DEPLOY_API_KEY: SECRET },
      });
      try {
        assert.equal(run.result.code, 0, run.result.stderr);
        if (!json) assert.match(run.result.stderr, /The key is \[REDACTED:DEPLOY_API_KEY\]/, "shown, redacted");
        assertTranscriptEnds(ws, run.runId, "done");
        const files = runFiles(runDir(ws, run.runId));
        assert.ok("run.json" in files && "summary.json" in files && "transcript.jsonl" in files);
        assertNowhere(SECRET, { stdout: run.result.stdout, stderr: run.result.stderr, ...files });
      } finally {
        await run.close();
      }
    });
  }

  it("a custom provider's api_key_env (any name) is kept out of the host sandbox and redacted everywhere", async () => {
    const ws = makeWorkspace(join(tmp.dir, "keyenv"));
    const before = snapshot(ws);
    const server = await mock({
      turns: [
        { tool_calls: [{ name: "bash", arguments: { command: 'env; echo "auth=$LLM_AUTH_VALUE"' } }] },
        { text: "looked" },
      ],
    });
    try {
      const config = join(tmp.dir, "keyenv.toml");
      writeFileSync(
        config,
        [
          "[providers.local]",
          'protocol = "openai-chat"',
          `base_url = "${server.url}/v1"`,
          'api_key_env = "LLM_AUTH_VALUE"',
          "[[providers.local.models]]",
          'id = "coder"',
          "",
        ].join("\n"),
      );
      const value = "plain-looking-auth-value-42";
      const r = await cli(
        [
          "run",
          "look around",
          "--workspace",
          ws,
          "--model",
          "local/coder",
          "--config",
          config,
          "--json",
          "--sandbox",
          "host",
        ],
        { ...mockEnv(server.url), LLM_AUTH_VALUE: value },
      );
      assert.equal(r.code, 0, r.stderr);
      const runId = r.events[0]?.runId ?? "";
      const events = assertTranscriptEnds(ws, runId, "done");
      const result = events.find((e) => e.type === "tool_result");
      assert.ok(result?.type === "tool_result");
      const out = result.result.content.map((p) => (p.type === "text" ? p.text : "")).join("");
      assert.match(out, /^PATH=/m, "the shell ran env");
      assert.match(out, /^auth=$/m, "the key variable is not in the agent's environment");
      assert.doesNotMatch(out, /^LLM_AUTH_VALUE=/m);
      // The key was still used to call the model (the provider authenticates with it).
      const auth = server.requests[0]?.headers.authorization;
      assert.ok(auth !== undefined, "the model call carried the key");
      const sent = JSON.stringify(server.requests.map((q) => q.body));
      assertNowhere(value, {
        "a model request": sent,
        stdout: r.stdout,
        stderr: r.stderr,
        ...runFiles(runDir(ws, runId)),
      });
      assertUnchanged(ws, before);
    } finally {
      await server.close();
    }
  });
});

describe("faults: deny patterns", () => {
  const tmp = tempDir("sy-faults-deny-");
  after(() => tmp.cleanup());
  const BYPASSES = [
    "/usr/bin/touch made-1",
    "find . -maxdepth 0 -exec touch made-2 \\;",
    "echo made-3 | xargs -n 1 touch",
    "env -i PATH=/usr/bin touch made-4",
    'bash -c "touch made-5"',
    "sh -c 'touch made-6'",
    "nice -n 5 touch made-7",
    "timeout -s KILL 10 touch made-8",
    "command touch made-9",
    "sudo -u root touch made-10",
    "if true; then /bin/touch made-11; fi",
  ];

  it(`deny = ["touch*"] holds against ${BYPASSES.length} spellings (resolved program, find -exec, xargs, env, sh -c, …)`, async () => {
    const ws = makeWorkspace(join(tmp.dir, "deny"));
    const before = snapshot(ws);
    const run = await runWithMock({
      ws,
      extraToml: '[policy]\ndeny = ["touch*"]\n',
      script: { turns: [...BYPASSES.map((c) => bash(c)), bash("ls")], after_last: { text: "nothing made" } },
    });
    try {
      assert.equal(run.result.code, 0, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "done");
      const results = events.filter((e) => e.type === "tool_result");
      assert.equal(results.length, BYPASSES.length + 1);
      results.slice(0, BYPASSES.length).forEach((r, i) => {
        assert.ok(r.type === "tool_result" && r.result.isError, `${BYPASSES[i]} ran`);
        assert.match(JSON.stringify(r), /denied by policy/, BYPASSES[i]);
      });
      const listing = results.at(-1);
      assert.ok(listing?.type === "tool_result");
      assert.doesNotMatch(JSON.stringify(listing.result.content), /made-/, "no file was created in the copy");
      assertUnchanged(ws, before);
    } finally {
      await run.close();
    }
  });
});
