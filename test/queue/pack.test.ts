import assert from "node:assert/strict";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConfigError } from "../../src/core/errors.ts";
import { decodePack, encodePack, packFolder, unpackFolder } from "../../src/queue/pack.ts";
import { removeDir, tempDir } from "../bench/task-fixtures.ts";

/** Trial folders travel as packs: a size cap per artifact (what is left out is listed) and no path escapes. */

const root = tempDir("sy-pack-");
after(() => removeDir(root));

test("a file over the artifact cap and a symbolic link stay behind, listed with size and reason", () => {
  const dir = join(root, "trial");
  mkdirSync(join(dir, "verifier"), { recursive: true });
  writeFileSync(join(dir, "result.json"), "{}");
  writeFileSync(join(dir, "verifier", "test-stdout.txt"), "ok\n");
  writeFileSync(join(dir, "agent-big.bin"), Buffer.alloc(2048, 1));
  symlinkSync("/etc/passwd", join(dir, "link"));
  const pack = decodePack(encodePack(packFolder(dir, { maxFileBytes: 1024 })), "test pack");
  assert.deepEqual(
    pack.omitted.map((o) => [o.path, o.bytes > 0, o.reason.includes("cap") || o.reason.includes("link")]),
    [
      ["agent-big.bin", true, true],
      ["link", true, true],
    ],
  );
  const out = join(root, "landed");
  const files = unpackFolder(pack, out, "test pack").sort();
  assert.deepEqual(files, ["result.json", "verifier/test-stdout.txt"]);
  assert.equal(readFileSync(join(out, "verifier", "test-stdout.txt"), "utf8"), "ok\n");
});

test("unpacking refuses an entry that would land outside its folder", () => {
  for (const path of ["../escape.txt", "a/../../escape.txt", "/etc/escape"]) {
    const pack = {
      format: "switchyard.pack.v1" as const,
      entries: [{ path, kind: "file" as const, mode: 0o644, data: "" }],
      omitted: [],
    };
    assert.throws(
      () => unpackFolder(pack, join(root, "x"), "evil pack"),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /would land outside its folder; refused/);
        return true;
      },
    );
  }
});
