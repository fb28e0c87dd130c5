import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { test } from "node:test";

/**
 * The layering of docs/architecture.md, enforced: a module may import from its own folder or from a folder of a
 * lower rank, never upwards or sideways between folders of the same rank.
 */
const RANK: Record<string, number> = {
  core: 0,
  sandbox: 1,
  providers: 1,
  mock: 2,
  computer: 2,
  tools: 3,
  "mcp-servers": 3,
  ledger: 4,
  spec: 4,
  router: 5,
  agent: 6,
  // A consumer of the agent's RunEvent stream (like the transcript), used by bench/ and cli/.
  telemetry: 6.5,
  bench: 7,
  // Beside cli/: it reads what bench/ writes, and cli/ starts it.
  view: 7.5,
  queue: 7.5,
  cli: 8,
};

const ROOT = join(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|mjs)$/.test(e.name) ? [p] : [];
  });
}

test("every src/ folder has a rank", () => {
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.deepEqual(
    folders.filter((f) => RANK[f] === undefined),
    [],
    "add the new folder to RANK here and to docs/architecture.md",
  );
});

test("imports point down the layers only", () => {
  const violations: string[] = [];
  for (const file of sources(SRC)) {
    const from = relative(SRC, file).split("/")[0]!;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import\()\s*"(\.\.?\/[^"]+)"/g)) {
      const target = normalize(join(dirname(file), m[1]!));
      const rel = relative(SRC, target);
      if (rel.startsWith("..")) continue;
      const to = rel.split("/")[0]!;
      if (to === from) continue;
      if ((RANK[to] ?? 99) >= (RANK[from] ?? -1)) violations.push(`${relative(ROOT, file)} → src/${rel}`);
    }
  }
  assert.deepEqual(violations, []);
});
