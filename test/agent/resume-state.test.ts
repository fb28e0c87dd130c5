import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { RunEvent } from "../../src/core/events.ts";
import { quotaUnavailable, releaseStaleMounts } from "../../src/sandbox/disk-quota.ts";
import { cli, cliUntil } from "./cli-helpers.ts";
import { bashTurn, mock, mockConfigToml, mockEnv, tempDir } from "./helpers.ts";

/**
 * What a resumed run says about itself: once it goes on, the summary of its earlier stop is gone (a kill then leaves
 * it "interrupted", not the earlier stop's state, and the next resume continues it), and a run that was discarded
 * is not resumed onto a copy that no longer exists.
 */
const tmp = tempDir("sy-resume-state-");
after(() => {
  // A SIGKILLed run's disk is unmounted by its watchdog within a second; wait for it before removing the folder.
  releaseStaleMounts(tmp.dir);
  tmp.cleanup();
});

function closed(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("close", resolve));
}

async function stoppedRun(name: string, url: string) {
  const ws = join(tmp.dir, name);
  mkdirSync(ws, { recursive: true });
  const config = `${ws}.toml`;
  writeFileSync(config, mockConfigToml(url));
  const args = ["--workspace", ws, "--config", config, "--json"];
  const live = await cliUntil(
    ["run", "write one.txt", ...args, "--model", "local/coder", "--sandbox", "host"],
    mockEnv(url),
    (e) => e.type === "model_request" && e.step === 2,
  );
  const code = closed(live.child);
  live.child.kill("SIGINT");
  assert.equal(await code, 130);
  const runId = live.events[0]?.runId ?? "";
  return { ws, args, runId, dir: join(ws, ".switchyard", "runs", runId) };
}

describe("resume: the run's state while and after it goes on", () => {
  it("a resumed run killed mid-loop reads as interrupted (no stale summary) and the next resume finishes it", async () => {
    const server = await mock({ turns: [bashTurn("echo 1 > one.txt"), { text: "late", latency_ms: 3000 }] });
    try {
      const { ws, args, runId, dir } = await stoppedRun("killed-resume", server.url);
      assert.ok(existsSync(join(dir, "summary.json")), "the Ctrl-C stop wrote its summary");
      const again = await cliUntil(["resume", runId, ...args], mockEnv(server.url), (e) => e.type === "model_request");
      const code = closed(again.child);
      again.child.kill("SIGKILL");
      await code;
      assert.ok(!existsSync(join(dir, "summary.json")), "the earlier stop's summary no longer describes the run");
      const runs = await cli(["runs", "--workspace", ws], mockEnv(server.url));
      assert.match(runs.stdout, new RegExp(`${runId}\\s+interrupted`));
      const last = await cli(["resume", runId, ...args], mockEnv(server.url));
      assert.equal(last.code, 0, last.stderr);
      const events = readFileSync(join(dir, "transcript.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RunEvent);
      const end = events.at(-1);
      assert.ok(end?.type === "final" && end.endState === "done", "the run ends done after the second resume");
      assert.equal(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")).status, "pending");
    } finally {
      await server.close();
    }
  });

  it("a discarded run is not resumed: exit 2, nothing appended", async () => {
    const server = await mock({ turns: [bashTurn("echo 1 > one.txt"), { text: "late", latency_ms: 3000 }] });
    try {
      const { ws, args, runId, dir } = await stoppedRun("discarded", server.url);
      const discard = await cli(["discard", runId, "--workspace", ws], mockEnv(server.url));
      assert.equal(discard.code, 0, discard.stderr);
      const before = readFileSync(join(dir, "transcript.jsonl"), "utf8");
      const r = await cli(["resume", runId, ...args], mockEnv(server.url));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`run ${runId} was discarded .*nothing to resume`));
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.equal(readFileSync(join(dir, "transcript.jsonl"), "utf8"), before);
    } finally {
      await server.close();
    }
  });

  it("a follow-up on a killed run whose copy is on its disk image: resume first, not 'no copy left'", {
    skip: quotaUnavailable(),
  }, async () => {
    const server = await mock({ turns: [bashTurn("echo 1 > one.txt"), { text: "late", latency_ms: 3000 }] });
    try {
      const ws = join(tmp.dir, "killed-continue");
      mkdirSync(ws, { recursive: true });
      const config = `${ws}.toml`;
      writeFileSync(config, mockConfigToml(server.url));
      const args = ["--workspace", ws, "--config", config];
      const live = await cliUntil(
        ["run", "write one.txt", ...args, "--json", "--model", "local/coder", "--sandbox", "host"],
        mockEnv(server.url),
        (e) => e.type === "model_request" && e.step === 2,
      );
      const code = closed(live.child);
      live.child.kill("SIGKILL");
      await code;
      const runId = live.events[0]?.runId ?? "";
      const r = await cli(["run", "--continue", runId, "also write two.txt", ...args], mockEnv(server.url));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`run ${runId} has not finished`));
      assert.match(r.stderr, new RegExp(`fix: resume it first: switchyard resume ${runId}`));
    } finally {
      await server.close();
    }
  });
});
