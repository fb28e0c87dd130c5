import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { quotaUnavailable } from "../../src/sandbox/disk-quota.ts";
import { ROOT } from "../agent/cli-helpers.ts";
import { PASS_IF, writeTask } from "../bench/task-fixtures.ts";
import {
  assertTranscriptEnds,
  assertUnchanged,
  bash,
  cli,
  killedRun,
  makeWorkspace,
  mock,
  mockEnv,
  resume,
  runDir,
  runWithMock,
  snapshot,
  tempDir,
  waitFor,
  writeConfig,
} from "./helpers.ts";

/**
 * The per-run disk quota (config run.disk_mb): the workspace copy, /tmp and $HOME of a run share one loop-mounted
 * file system of the quota's size, so a write past it fails in the kernel (ENOSPC), the model is told, and the
 * host disk never holds more than the quota for the run. A SIGKILLed run leaves no mount behind.
 */
const skip = quotaUnavailable();
const mounted = (path: string) => readFileSync("/proc/self/mountinfo", "utf8").includes(` ${path} `);

function summaryOf(ws: string, runId: string) {
  return JSON.parse(readFileSync(join(runDir(ws, runId), "summary.json"), "utf8")) as {
    disk?: { quotaMb: number; enforced: boolean; usedBytes?: number; scratchBytes: number; leftBytes?: number };
  };
}

describe("faults: disk quota", { skip }, () => {
  const tmp = tempDir("sy-faults-disk-");
  after(() => tmp.cleanup());
  const QUOTA = "[run]\ndisk_mb = 64\n";

  it("writing 200 MB into /tmp and 50 MB into /app under a 64 MB quota fails with ENOSPC and the model is told", async () => {
    const ws = makeWorkspace(join(tmp.dir, "fill"));
    const before = snapshot(ws);
    const run = await runWithMock({
      ws,
      extraToml: QUOTA,
      script: {
        turns: [
          bash(
            "dd if=/dev/zero of=/tmp/fill bs=1M count=200 2>&1 | tail -2; dd if=/dev/zero of=/app/big bs=1M count=50 2>&1 | tail -2",
          ),
          { text: "the disk is full" },
        ],
      },
    });
    try {
      assert.equal(run.result.code, 0, run.result.stderr);
      const events = assertTranscriptEnds(ws, run.runId, "done");
      const result = events.find((e) => e.type === "tool_result");
      assert.ok(result?.type === "tool_result");
      const out = result.result.content.map((p) => (p.type === "text" ? p.text : "")).join("\n");
      assert.match(out, /No space left on device/);
      const written = [...out.matchAll(/^(\d+) bytes/gm)].reduce((n, m) => n + Number(m[1]), 0);
      assert.ok(written <= 64 * 1024 * 1024, `${written} bytes landed under a 64 MB quota`);
      assert.match(out, /\[disk quota: this run's 64 MB .* are used up/);
      assert.ok(events.some((e) => e.type === "warning" && e.code === "disk_full"));
      const disk = summaryOf(ws, run.runId).disk;
      assert.ok(disk?.enforced && disk.quotaMb === 64, JSON.stringify(disk));
      assert.ok(disk.scratchBytes > 10 * 1024 * 1024, "the /tmp scratch was measured");
      assert.ok((disk.leftBytes ?? Infinity) < 64 * 1024 * 1024, "what stays behind is within the quota");
      assert.match(run.result.stderr, /disk: 64 MB disk quota · .* kept in the run's folder until discard/);
      assert.ok(!mounted(join(runDir(ws, run.runId), "disk")), "the mount is gone");
      assert.ok(!existsSync(join(runDir(ws, run.runId), "disk.img")), "the image is gone");
      assertUnchanged(ws, before);
    } finally {
      await run.close();
    }
  });

  it("a workspace bigger than the quota is refused before any model call (exit 2, names run.disk_mb)", async () => {
    const ws = makeWorkspace(join(tmp.dir, "too-big"));
    writeFileSync(join(ws, "blob.bin"), Buffer.alloc(80 * 1024 * 1024, 1));
    const before = snapshot(ws);
    const run = await runWithMock({ ws, extraToml: QUOTA, script: { turns: [{ text: "never" }] } });
    try {
      assert.equal(run.result.code, 2, run.result.stderr);
      assert.match(run.result.stderr, /does not fit the run's disk quota of 64 MB/);
      assert.match(run.result.stderr, /run\.disk_mb/);
      assert.equal(run.server.requests.length, 0);
      assertUnchanged(ws, before);
      assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(ws), "no mount left");
    } finally {
      await run.close();
    }
  });

  it("a SIGKILLed run leaves no mount; resume finds its files on the quota disk and finishes", async () => {
    const server = await mock({
      turns: [bash("echo kept > /app/before-kill.txt"), bash("sleep 60"), { text: "resumed fine" }],
    });
    try {
      const ws = makeWorkspace(join(tmp.dir, "killed"));
      const killed = await killedRun({
        ws,
        server,
        extraToml: QUOTA,
        until: (e) => e.type === "tool_call" && e.step === 2,
      });
      const dir = runDir(ws, killed.runId);
      await waitFor(() => !mounted(join(dir, "disk")), 20_000);
      assert.ok(existsSync(join(dir, "disk.img")), "the image (with the run's files) stays for resume");
      const r = await resume(ws, killed.runId, killed.config, server, ["--apply"]);
      assert.equal(r.code, 0, r.stderr);
      assertTranscriptEnds(ws, killed.runId, "done");
      assert.equal(
        readFileSync(join(ws, "before-kill.txt"), "utf8"),
        "kept\n",
        "the file written before the kill landed",
      );
      assert.ok(!existsSync(join(dir, "disk.img")) && !mounted(join(dir, "disk")));
    } finally {
      await server.close();
    }
  });

  it("discard of a killed run removes its quota image and mount point; the workspace is untouched", async () => {
    const server = await mock({ turns: [bash("echo x > /app/x.txt"), bash("sleep 60")] });
    try {
      const ws = makeWorkspace(join(tmp.dir, "discard"));
      const before = snapshot(ws);
      const killed = await killedRun({
        ws,
        server,
        extraToml: QUOTA,
        until: (e) => e.type === "tool_call" && e.step === 2,
      });
      const dir = runDir(ws, killed.runId);
      const d = await cli(["discard", killed.runId, "--workspace", ws], mockEnv(server.url));
      assert.equal(d.code, 0, d.stderr);
      assert.ok(!existsSync(join(dir, "disk.img")) && !existsSync(join(dir, "disk")));
      assertUnchanged(ws, before);
    } finally {
      await server.close();
    }
  });

  it("the quota holds again after a resume (a stopped run's copy is put back on a fresh quota disk)", async () => {
    const server = await mock({
      turns: [
        bash("echo one > /app/one.txt"),
        bash("dd if=/dev/zero of=/tmp/f bs=1M count=100 2>&1 | tail -1"),
        { text: "ok" },
      ],
    });
    try {
      const ws = makeWorkspace(join(tmp.dir, "resume-quota"));
      // The step limit stops it after the first call; the resume runs the rest under the same quota.
      const config = writeConfig(ws, server, QUOTA);
      const firstRun = await cli(
        ["run", "x", "--workspace", ws, "--model", "local/coder", "--config", config, "--json", "--max-steps", "1"],
        mockEnv(server.url),
      );
      assert.equal(firstRun.code, 5, firstRun.stderr);
      const runId = firstRun.events[0]?.runId ?? "";
      const r = await resume(ws, runId, config, server, ["--max-steps", "5"]);
      assert.equal(r.code, 0, r.stderr);
      const events = assertTranscriptEnds(ws, runId, "done");
      const last = events.filter((e) => e.type === "tool_result").at(-1);
      assert.match(JSON.stringify(last), /No space left on device/);
      assert.equal(readFileSync(join(runDir(ws, runId), "work", "one.txt"), "utf8"), "one\n");
    } finally {
      await server.close();
    }
  });

  it("bench: task.toml storage_mb bounds a trial's disk (the oracle's 200 MB write stops at 64 MB, the trial still scores)", () => {
    const root = join(tmp.dir, "bench");
    writeTask(root, "fill", {
      toml: 'version = "1.0"\n[agent]\ntimeout_sec = 120.0\n[verifier]\ntimeout_sec = 60.0\n[environment]\nstorage_mb = 64\n',
      dockerfile: "FROM debian:bookworm\nWORKDIR /app\n",
      solve: "#!/bin/bash\ndd if=/dev/zero of=/app/big bs=1M count=200 2>/app/dd.txt; echo $? > /app/dd-status\n",
      test: PASS_IF(
        '[ "$(cat /app/dd-status)" != 0 ] && [ "$(stat -c %s /app/big)" -le 67108864 ] && grep -q "No space" /app/dd.txt',
      ),
    });
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, "bin", "switchyard.js"),
        "bench",
        join(root, "fill"),
        "--agent",
        "oracle",
        "--json",
        "--out",
        join(root, "jobs"),
      ],
      {
        env: { ...process.env, SWITCHYARD_RESULTS_DB: join(root, "results.sqlite") },
        encoding: "utf8",
        timeout: 240_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const trial = JSON.parse(r.stdout.trim().split("\n")[0] ?? "{}");
    assert.equal(trial.reward, 1, r.stdout);
    assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(root), "no mount left after the trial");
  });

  it("bench: the copy kept for the trial's diff does not use up the task's storage_mb", () => {
    // 30 MB from the build plus 16 MB from the oracle fit 64 MB; a second 30 MB (the diff's base copy) would not.
    const root = join(tmp.dir, "bench-diff");
    writeTask(root, "seeded", {
      toml: 'version = "1.0"\n[agent]\ntimeout_sec = 120.0\n[verifier]\ntimeout_sec = 60.0\n[environment]\nstorage_mb = 64\n',
      dockerfile: "FROM debian:bookworm\nWORKDIR /app\nRUN dd if=/dev/zero of=/app/seed bs=1M count=30 2>/dev/null\n",
      solve: "#!/bin/bash\ndd if=/dev/zero of=/app/more bs=1M count=16 2>/app/dd.txt; echo $? > /app/dd-status\n",
      test: PASS_IF('[ "$(cat /app/dd-status)" = 0 ] && [ "$(stat -c %s /app/more)" = 16777216 ]'),
    });
    const jobs = join(root, "jobs");
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "bin", "switchyard.js"), "bench", join(root, "seeded"), "--agent", "oracle", "--json"].concat([
        "--out",
        jobs,
        "--job-name",
        "j",
      ]),
      {
        env: { ...process.env, SWITCHYARD_RESULTS_DB: join(root, "results.sqlite") },
        encoding: "utf8",
        timeout: 240_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const trial = JSON.parse(r.stdout.trim().split("\n")[0] ?? "{}");
    assert.equal(trial.reward, 1, r.stdout);
    const diff = readFileSync(join(jobs, "j", trial.trial_name, "agent", "diff.patch"), "utf8");
    assert.match(diff, /more/, "the agent's change is still in the trial's diff");
    assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(root), "no mount left after the trial");
  });
});
