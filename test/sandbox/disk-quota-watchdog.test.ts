import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  attachQuotaDisk,
  createQuotaDisk,
  isMounted,
  mountsUnder,
  quotaUnavailable,
  releaseStaleMounts,
} from "../../src/sandbox/disk-quota.ts";

// A SIGKILLed owner's quota disk is detached by its watchdog; a resume that comes before the watchdog has polled
// must end up with a mount of its own that the watchdog does not take away.

const skip = quotaUnavailable();
const root = mkdtempSync(join(tmpdir(), "sy-quota wd-"));
after(() => rmSync(root, { recursive: true, force: true }));
const module = new URL("../../src/sandbox/disk-quota.ts", import.meta.url).pathname;

/** A process that creates and mounts a quota disk, writes a marker, says "ready" and waits to be killed. */
async function owner(image: string, mountpoint: string): Promise<number> {
  const code = `import { createQuotaDisk } from ${JSON.stringify(module)};
import { writeFileSync } from "node:fs";
createQuotaDisk({ image: ${JSON.stringify(image)}, mountpoint: ${JSON.stringify(mountpoint)}, sizeMb: 16 });
writeFileSync(${JSON.stringify(join(mountpoint, "marker"))}, "kept");
console.log("ready");
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((res, rej) => {
    child.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && res());
    child.once("exit", (c) => rej(new Error(`owner exited ${c}`)));
  });
  const pid = child.pid ?? 0;
  const exited = new Promise((res) => child.once("exit", res));
  child.kill("SIGKILL");
  await exited; // reaped: `kill -0` no longer finds it, as for a run killed in another terminal
  return pid;
}

/** Wait until the watchdog of `pid` (a `sh` polling `kill -0 <pid>`) has done its work and exited. */
async function watchdogGone(pid: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const out = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
    if (!out.includes(`kill -0 ${pid} `)) return;
    await sleep(100);
  }
  throw new Error("the watchdog never finished");
}

test("a killed owner's watchdog detaches its mount, also under a path with a space", { skip }, async () => {
  const image = join(root, "a.img");
  const mountpoint = join(root, "a disk");
  const pid = await owner(image, mountpoint);
  await watchdogGone(pid);
  assert.equal(isMounted(mountpoint), false);
  assert.ok(existsSync(image), "the image stays for a resume");
});

test("a resume that mounts before the dead owner's watchdog runs keeps its mount; the watchdog leaves it alone", {
  skip,
}, async () => {
  const image = join(root, "b.img");
  const mountpoint = join(root, "b disk");
  const pid = await owner(image, mountpoint);
  // At once, within the watchdog's one-second poll: the dead owner's mount is most likely still there.
  const disk = attachQuotaDisk({ image, mountpoint, sizeMb: 16 });
  try {
    await watchdogGone(pid);
    assert.equal(isMounted(mountpoint), true, "the resumed run's disk is still mounted");
    assert.equal(readFileSync(join(mountpoint, "marker"), "utf8"), "kept", "the image's content is there");
  } finally {
    disk.release();
  }
  assert.equal(isMounted(mountpoint), false);
});

test("a killed job's scratch folder can be removed at once: its dead owners' disks are released first", {
  skip,
}, async () => {
  // A resumed bench removes the killed run's scratch folder before anything else; with a quota disk still mounted
  // in it that failed with EBUSY ("Device or resource busy") and the resume exited 1.
  const scratch = join(root, "scratch");
  mkdirSync(scratch);
  const pids = [
    await owner(join(scratch, "t1.disk.img"), join(scratch, "t1")),
    await owner(join(scratch, "t2.disk.img"), join(scratch, "t2")),
  ];
  releaseStaleMounts(scratch);
  assert.deepEqual(mountsUnder(scratch), []);
  rmSync(scratch, { recursive: true });
  assert.equal(existsSync(scratch), false);
  for (const pid of pids) await watchdogGone(pid);
});

test("mountsUnder lists the mounts strictly below a folder, not the folder's neighbours", { skip }, async () => {
  const a = join(root, "c");
  const disk = createQuotaDisk({ image: join(root, "c.img"), mountpoint: join(a, "inner"), sizeMb: 16 });
  try {
    assert.deepEqual(mountsUnder(a), [join(a, "inner")]);
    assert.deepEqual(mountsUnder(join(root, "c", "inner")), []);
    assert.deepEqual(mountsUnder(`${a}x`), []);
  } finally {
    disk.release();
  }
});
