import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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

describe("faults: the sandbox holds, end to end", { skip: process.getuid?.() !== 0 && "bwrap as root only" }, () => {
  const tmp = tempDir("sy-faults-box-");
  after(() => tmp.cleanup());

  /** One run whose single command is `command`; returns its output, and checks the run ended done and intact. */
  async function attempt(name: string, command: string, extraToml = "", files: Record<string, string> = {}) {
    const ws = makeWorkspace(join(tmp.dir, name), { "keep.txt": "original\n", ...files });
    const before = snapshot(ws);
    const run = await runWithMock({ ws, extraToml, script: { turns: [bash(command), { text: "tried" }] } });
    try {
      assert.equal(run.result.code, 0, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "done");
      assertUnchanged(ws, before, "the user's workspace is untouched");
      const r = events.find((e) => e.type === "tool_result");
      assert.ok(r?.type === "tool_result");
      return { out: r.result.content.map((p) => (p.type === "text" ? p.text : "")).join(""), ws, runId: run.runId };
    } finally {
      await run.close();
    }
  }

  it("writes outside /app and /tmp fail (/etc, /usr, /home, the workspace's parent)", async () => {
    const { out } = await attempt(
      "writes",
      'for p in /etc/x /usr/x /home/x /root/x ../outside; do touch "$p" 2>/dev/null && echo "WROTE $p" || echo "refused $p"; done',
    );
    assert.doesNotMatch(out, /WROTE/);
    assert.equal(out.match(/refused/g)?.length, 5, out);
    assert.ok(!existsSync(join(tmp.dir, "outside")));
  });

  it("rm -rf of everything in /app changes only the run's copy", async () => {
    const { out, ws, runId } = await attempt("rm-all", "rm -rf /app/* /app/.[!.]* 2>/dev/null; ls -A /app | wc -l");
    assert.match(out, /^0\n/);
    const summary = JSON.parse(readFileSync(join(runDir(ws, runId), "summary.json"), "utf8"));
    assert.equal(summary.status, "pending", "the deletion waits for review");
  });

  it("no network: a server the test runs on loopback is unreachable from the agent's shell", async () => {
    const server = createServer((_q, res) => res.end("reached")).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const { out } = await attempt("net", `curl -s -m 3 http://127.0.0.1:${port}/ || echo "unreachable $?"`);
      assert.doesNotMatch(out, /reached$/m);
      assert.match(out, /unreachable/);
    } finally {
      server.close();
    }
  });

  it("a fork bomb meets run.max_processes; the run and its shell carry on", async () => {
    const { out } = await attempt(
      "fork",
      "b() { [ $1 -gt 0 ] && { b $(($1-1)) & b $(($1-1)) & wait; }; }; b 9 2>&1 | grep -c -m1 'Resource temporarily unavailable'; wait; echo alive",
      "[run]\nmax_processes = 64\n",
    );
    assert.match(out, /^1\n/, "forks past the limit failed");
    assert.match(out, /alive/);
  });

  it("the caller's API keys are not in the bwrap sandbox's environment", async () => {
    const { out } = await attempt("env", "env | cut -d= -f1 | sort");
    assert.match(out, /^PATH$/m);
    assert.doesNotMatch(out, /API_KEY|TOKEN|SECRET/);
  });

  it("a symlink the agent plants to /etc/passwd does not let the file tools read or write through it", async () => {
    const ws = makeWorkspace(join(tmp.dir, "link"), { "keep.txt": "original\n" });
    const before = snapshot(ws);
    const run = await runWithMock({
      ws,
      script: {
        turns: [
          bash("ln -s /etc/passwd /app/p && ln -s /etc /app/etc"),
          { tool_calls: [{ name: "editor", arguments: { command: "view", path: "p" } }] },
          { tool_calls: [{ name: "editor", arguments: { command: "create", path: "etc/evil", file_text: "x" } }] },
          { text: "tried" },
        ],
      },
    });
    try {
      assert.equal(run.result.code, 0, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "done");
      const results = events.filter((e) => e.type === "tool_result").slice(1);
      for (const r of results) {
        assert.ok(r.type === "tool_result" && r.result.isError, JSON.stringify(r));
        assert.doesNotMatch(JSON.stringify(r), /root:x:0:0/);
      }
      assert.ok(!existsSync("/etc/evil"));
      assertUnchanged(ws, before);
    } finally {
      await run.close();
    }
  });

  it("a background process the agent leaves running is gone when the run ends", async () => {
    const marker = `sy-orphan-${process.pid}-${Date.now()}`;
    await attempt("orphan", `setsid sh -c 'exec -a ${marker} sleep 300' >/dev/null 2>&1 & echo started`);
    const ps = spawnSync("ps", ["-eo", "args"], { encoding: "utf8" }).stdout;
    assert.ok(!ps.includes(marker), "the orphan outlived the run");
  });
});
