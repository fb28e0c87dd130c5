import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { createLocalEnvironment } from "../../src/bench/local-env.ts";
import { loadTask } from "../../src/bench/task.ts";
import { FROM, sh } from "./env-fixtures.ts";
import { removeDir, tempDir, writeTask } from "./task-fixtures.ts";

// The image root's /etc is an overlay over a shared template (a copy of ~1200 files only where overlayfs cannot
// be used). A job folder whose path has a space ("My Project/jobs") must still get the overlay: overlayfs options
// are split on commas, so only ',', ':' and '\' in a path rule it out.

const root = tempDir("sy-etc paths-");
chmodSync(root, 0o711);
after(() => removeDir(root));

test("a scratch folder with a space in its path still gets the /etc overlay, and RUN useradd lands in its upper layer", {
  skip: process.getuid?.() !== 0 && "needs root (overlay mount)",
}, async () => {
  const dir = writeTask(root, "t", {
    dockerfile: `${FROM}\nRUN useradd -m tester\n`,
    solve: "#!/bin/bash\ntrue\n",
    test: "#!/bin/bash\ntrue\n",
  });
  const scratch = join(root, "my trial scratch");
  const env = createLocalEnvironment({ task: loadTask(dir), trialDir: join(root, "trial"), scratchDir: scratch });
  try {
    await env.setup();
    assert.match(await sh(env, "id -un tester"), /^tester$/);
    const upper = join(scratch, "etc", "upper", "passwd");
    assert.ok(existsSync(upper), "the useradd went to the overlay's upper layer, not to a full copy of /etc");
    assert.match(readFileSync(upper, "utf8"), /^tester:/m);
  } finally {
    env.dispose();
  }
});
