import assert from "node:assert/strict";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { RunSummary } from "../../src/agent/review.ts";
import type { RunEvent } from "../../src/core/events.ts";
import { createQuotaDisk, quotaUnavailable, releaseStaleMounts } from "../../src/sandbox/disk-quota.ts";
import { attrs, startOtlpReceiver } from "../telemetry/otlp-receiver.ts";
import { BIN, type CliResult, cli, collectProcess, NODE } from "./cli-helpers.ts";
import { bashTurn, mock, mockConfigToml, mockEnv, tempDir } from "./helpers.ts";

/**
 * A run whose loop ended but whose review cannot be written — here a file the agent made unreadable
 * (`chmod 000`), which the review, running as the same non-root user, cannot hash — does not end claiming its
 * loop's result: exit 9, a last `final` with end state `review_failed` naming the error and the kept copy,
 * summary.json `review_failed`, nothing applicable. Once the cause is fixed, `resume` writes the review without a
 * model call and the run ends as its loop did.
 */
const tmp = tempDir("sy-review-failure-");
after(() => tmp.cleanup());

const ROOT_USER = process.getuid?.() === 0;
/** The sandbox user's uid: as root the CLI drops to it, as anyone else it is already that user. */
const USER = 1000;
if (ROOT_USER) chownSync(tmp.dir, USER, USER);

/** The CLI as a non-root user (setpriv from root), so that a mode-000 file is unreadable to the review. */
function cliAsUser(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  if (!ROOT_USER) return cli(args, env);
  const drop = [`--reuid=${USER}`, `--regid=${USER}`, "--clear-groups", "--", NODE, BIN, ...args];
  return collectProcess("setpriv", drop, env, 60_000);
}

function transcript(file: string): RunEvent[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunEvent);
}

describe("a run whose review cannot be written", () => {
  it("exits 9 with review_failed everywhere, keeps the copy, and resume writes the review without a model call", async () => {
    const home = join(tmp.dir, "home");
    const ws = join(tmp.dir, "ws");
    mkdirSync(home, { recursive: true });
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, "README.md"), "# demo\n");
    if (ROOT_USER) for (const d of [home, ws]) chownSync(d, USER, USER);
    if (ROOT_USER) chownSync(join(ws, "README.md"), USER, USER);
    const server = await mock({
      turns: [
        bashTurn("echo changed > README.md && echo key > secret.pem && chmod 000 secret.pem"),
        { text: "all done" },
      ],
    });
    try {
      const config = join(tmp.dir, "switchyard.toml");
      writeFileSync(config, mockConfigToml(server.url));
      const env = { ...mockEnv(server.url), HOME: home };
      const args = ["--workspace", ws, "--config", config];
      const otlp = await startOtlpReceiver();
      const r = await cliAsUser(
        ["run", "change the readme", ...args, "--model", "local/coder", "--sandbox", "host", "--json"],
        { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint },
      );
      await otlp.close();
      assert.equal(r.code, 9, r.stderr);
      // The run's span ends with the run's end, not its loop's.
      const spans = otlp.spans.filter((s) => s.name === "invoke_agent switchyard");
      assert.equal(spans.length, 1, `spans: ${otlp.spans.map((s) => s.name).join(", ")}`);
      assert.equal(attrs(spans[0]!)["switchyard.end_state"], "review_failed");
      assert.equal(attrs(spans[0]!)["switchyard.exit_code"], 9);
      assert.deepEqual(spans[0]?.status, { code: 2, message: "review_failed" });
      const runId = r.events[0]?.runId ?? "";
      const dir = join(ws, ".switchyard", "runs", runId);
      const copy = join(dir, "work");
      assert.match(r.stderr, /review_failed after 2 step\(s\) \(exit 9\) · changes not reviewed/);
      assert.match(r.stderr, /the review could not be written: .*EACCES.*secret\.pem/);
      assert.match(r.stderr, new RegExp(`kept in .*${runId}/work`));
      assert.match(r.stderr, new RegExp(`switchyard resume ${runId}`));
      assert.doesNotMatch(r.stderr, /internal error/);

      const events = transcript(join(dir, "transcript.jsonl"));
      const finals = events.filter((e) => e.type === "final");
      assert.deepEqual(
        finals.map((e) => (e.type === "final" ? [e.endState, e.exitCode] : [])),
        [
          ["done", 0],
          ["review_failed", 9],
        ],
      );
      const last = events.at(-1);
      assert.ok(last?.type === "final" && last.message.includes(copy), "the last event names the kept copy");
      const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as RunSummary;
      assert.equal(summary.status, "review_failed");
      assert.equal(summary.endState, "review_failed");
      assert.equal(summary.exitCode, 9);
      assert.equal(summary.reviewFailure?.loop.endState, "done");
      assert.equal(summary.reviewFailure?.copy, copy);
      assert.ok(!existsSync(join(dir, "review.json")), "no review.json: nothing can land unseen");
      assert.ok(!existsSync(join(dir, "diff.patch")), "no half-written diff");
      assert.equal(readFileSync(join(copy, "README.md"), "utf8"), "changed\n", "the agent's work is kept");
      assert.equal(readFileSync(join(ws, "README.md"), "utf8"), "# demo\n");

      const apply = await cli(["apply", runId, "--workspace", ws], env);
      assert.equal(apply.code, 2, apply.stderr);
      assert.match(apply.stderr, /review could not be written .*nothing is applied/);
      assert.match(apply.stderr, new RegExp(`fix: .*switchyard resume ${runId} writes the review`));
      const more = await cli(["run", "--continue", runId, "also add a line", ...args], env);
      assert.equal(more.code, 2, more.stderr);
      assert.match(more.stderr, /review could not be written .*a follow-up needs it first/);
      assert.match(more.stderr, new RegExp(`fix: .*switchyard resume ${runId} writes the review`));
      const runs = await cli(["runs", "--workspace", ws], env);
      assert.match(runs.stdout, new RegExp(`${runId}\\s+review_failed\\s`), "listed by its state, once");
      assert.match(
        runs.stderr,
        new RegExp(`write a failed review once its cause is fixed: switchyard resume ${runId}`),
      );

      const requests = server.requests.length;
      chmodSync(join(copy, "secret.pem"), 0o644);
      const again = await cliAsUser(["resume", runId, ...args, "--json"], env);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(server.requests.length, requests, "writing the review asked the model nothing");
      const after = transcript(join(dir, "transcript.jsonl"));
      const tail = after.slice(events.length).map((e) => (e.type === "final" ? `final ${e.endState}` : e.type));
      assert.deepEqual(tail, ["warning", "final done"]);
      const done = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as RunSummary;
      assert.equal(done.status, "pending");
      assert.equal(done.exitCode, 0);
      assert.equal(done.reviewFailure, undefined);
      assert.deepEqual(done.changes.map((c) => `${c.kind} ${c.path}`).sort(), [
        "added secret.pem",
        "modified README.md",
      ]);
      const landed = await cli(["apply", runId, "--workspace", ws], env);
      assert.equal(landed.code, 0, landed.stderr);
      assert.equal(readFileSync(join(ws, "README.md"), "utf8"), "changed\n");
    } finally {
      await server.close();
    }
  });

  it("the host disk fills before the copy is off the run's disk: review_failed, the image kept, resume finishes it", {
    skip: quotaUnavailable(),
  }, async () => {
    // A 64 MB file system for the workspace; the run's own disk image (run.disk_mb = 64) lives on it too.
    const host = createQuotaDisk({ image: join(tmp.dir, "host.img"), mountpoint: join(tmp.dir, "host"), sizeMb: 64 });
    const server = await mock({
      turns: [bashTurn("head -c 24000000 /dev/urandom > big.bin && sync && echo ok"), { text: "wrote it" }],
    });
    try {
      const ws = join(host.mountpoint, "ws");
      mkdirSync(ws);
      writeFileSync(join(ws, "README.md"), "# demo\n");
      // Room for the run's image but not for a second copy of its 24 MB beside it.
      const filler = join(host.mountpoint, "filler");
      writeFileSync(filler, Buffer.alloc(16 * 1024 * 1024, 1));
      const config = join(tmp.dir, "disk.toml");
      writeFileSync(config, `${mockConfigToml(server.url)}[run]\ndisk_mb = 64\n`);
      const env = mockEnv(server.url);
      const args = ["--workspace", ws, "--config", config];
      const r = await cli(
        ["run", "write big.bin", ...args, "--model", "local/coder", "--sandbox", "host", "--json"],
        env,
      );
      assert.equal(r.code, 9, r.stderr);
      const runId = r.events[0]?.runId ?? "";
      const dir = join(ws, ".switchyard", "runs", runId);
      assert.match(r.stderr, /could not be moved off the run's disk: .*(ENOSPC|No space left)/);
      const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as RunSummary;
      assert.equal(summary.status, "review_failed");
      assert.equal(summary.reviewFailure?.copy, join(dir, "disk.img"));
      assert.ok(existsSync(join(dir, "disk.img")), "the copy is kept in the run's disk image");
      assert.ok(!existsSync(join(dir, "work")), "no partial work/ posing as the copy");
      const last = transcript(join(dir, "transcript.jsonl")).at(-1);
      assert.ok(last?.type === "final" && last.endState === "review_failed" && last.exitCode === 9);

      rmSync(filler);
      const again = await cli(["resume", runId, ...args, "--json"], env);
      assert.equal(again.code, 0, again.stderr);
      const done = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as RunSummary;
      assert.equal(done.status, "pending");
      assert.deepEqual(
        done.changes.map((c) => `${c.kind} ${c.path}`),
        ["added big.bin"],
      );
      assert.ok(!existsSync(join(dir, "disk.img")), "the image is gone once the copy is out");
      assert.equal(readFileSync(join(dir, "work", "big.bin")).length, 24_000_000);
    } finally {
      await server.close();
      releaseStaleMounts(host.mountpoint);
      host.release();
    }
  });

  it("an `after` checkpoint on a copy with a file the host cannot read runs instead of ending the run in a crash", async () => {
    const home = join(tmp.dir, "home-cp");
    const ws = join(tmp.dir, "ws-cp");
    mkdirSync(home, { recursive: true });
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, "README.md"), "# demo\n");
    const spec = join(tmp.dir, "spec.md");
    writeFileSync(
      spec,
      '---\ncheckpoints:\n  - name: ready\n    after: "**"\n    run: test -f ok.txt\n---\nCreate ok.txt; done when `test -f ok.txt` passes.\n',
    );
    if (ROOT_USER) for (const d of [home, ws, join(ws, "README.md")]) chownSync(d, USER, USER);
    const server = await mock({
      turns: [
        bashTurn("echo key > secret.pem && chmod 000 secret.pem"),
        bashTurn("chmod 600 secret.pem && touch ok.txt"),
        { text: "done" },
      ],
    });
    try {
      const config = join(tmp.dir, "cp.toml");
      writeFileSync(config, mockConfigToml(server.url));
      const r = await cliAsUser(
        ["run", "--spec", spec, "--workspace", ws, "--config", config, "--model", "local/coder"].concat([
          "--sandbox",
          "host",
          "--json",
        ]),
        { ...mockEnv(server.url), HOME: home },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /internal error/);
      const cps = r.events.flatMap((e) => (e.type === "checkpoint" ? [`${e.name}:${e.passed}`] : []));
      assert.deepEqual(cps, ["ready:false", "ready:true"], "due while the copy could not be read, then passed");
      const last = r.events.at(-1);
      assert.equal(last?.type === "final" ? last.endState : last?.type, "done");
    } finally {
      await server.close();
    }
  });
});
