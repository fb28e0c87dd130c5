import assert from "node:assert/strict";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import type { RunEvent } from "../../src/core/events.ts";
import { cli, ROOT } from "../agent/cli-helpers.ts";
import { mock, mockEnv, tempDir } from "../agent/helpers.ts";

/**
 * The definition of done is a gate: a spec's test_command runs before a run may end `done`, whatever the model
 * does. The bundled examples/specs/fix-slugify.md folds its test command into an `after: "textkit/**"` checkpoint,
 * which alone would never be due for a model that edits nothing.
 */
const SPEC = join(ROOT, "examples", "specs", "fix-slugify.md");
const APP = join(ROOT, "tasks", "examples", "py-fix-slugify", "environment", "app");

function checkpoints(events: RunEvent[]) {
  return events.flatMap((e) => (e.type === "checkpoint" ? [{ name: e.name, passed: e.passed }] : []));
}

describe("the spec's test command gates `done` (examples/specs/fix-slugify.md)", () => {
  const tmp = tempDir("sy-done-gate-");
  after(() => tmp.cleanup());

  async function runSpec(name: string, script: Record<string, unknown>) {
    const ws = join(tmp.dir, name);
    cpSync(APP, ws, { recursive: true });
    const server = await mock(script);
    try {
      const r = await cli(
        ["run", "--spec", SPEC, "--workspace", ws, "--model", "openai/gpt-5.5", "--json", "--max-steps", "12"],
        mockEnv(server.url),
        { timeoutMs: 240_000 },
      );
      return { ...r, ws };
    } finally {
      await server.close();
    }
  }

  it("a model that never runs the tests and claims to be done does not end done", async () => {
    const r = await runSpec("never-tests", { turns: [], after_last: { text: "Done: slugify is fixed." } });
    assert.notEqual(r.code, 0, r.stderr);
    const final = r.events.at(-1);
    assert.ok(final?.type === "final" && final.endState !== "done", JSON.stringify(final));
    const runs = checkpoints(r.events);
    assert.ok(runs.length >= 1, "the test command ran");
    assert.ok(
      runs.every((c) => c.name === "tests" && !c.passed),
      JSON.stringify(runs),
    );
  });

  it("a model that fixes the code without running the tests ends done only after they ran and passed", async () => {
    const bundled = parseYaml(readFileSync(join(ROOT, "examples", "mock", "fix-slugify.yaml"), "utf8")) as {
      turns: Record<string, unknown>[];
    };
    // The bundled script without its first turn (the one that runs the tests).
    const r = await runSpec("fix-only", { turns: bundled.turns.slice(1) });
    assert.equal(r.code, 0, r.stderr);
    const final = r.events.at(-1);
    assert.ok(final?.type === "final" && final.endState === "done");
    const runs = checkpoints(r.events);
    assert.ok(runs.length >= 1 && runs.at(-1)?.passed, JSON.stringify(runs));
    assert.ok(
      !r.events.some((e) => e.type === "tool_call" && /pytest/.test(JSON.stringify(e.call.arguments))),
      "the model itself never ran them",
    );
  });
});
