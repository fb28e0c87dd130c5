import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConfigError } from "../../src/core/errors.ts";
import { inScope } from "../../src/core/scope.ts";
import { checkpointFor } from "../../src/spec/checkpoints.ts";
import { renderSpecPrompt } from "../../src/spec/render.ts";
import { loadSpec } from "../../src/spec/spec.ts";

const root = mkdtempSync(join(tmpdir(), "sy-spec-"));
after(() => rmSync(root, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}

const VALID = `---
title: Invoice rounding
language: python
framework: django
test_command: pytest -q tests/test_invoice.py
definition_of_done:
  - totals are rounded half-up to cents
  - pytest -q passes
start_state: the repo at main; tests/test_invoice.py has 2 failing tests
checkpoints:
  - name: unit
    after: "billing/**"
    run: pytest -q tests/test_invoice.py
  - ruff check billing
scope: ["billing/**", "tests/test_invoice.py"]
model: anthropic/claude-opus-4-7
budget_usd: 2.5
max_steps: 40
---
Fix the rounding in \`billing/invoice.py\` (\`Invoice.total\`): 0.125 must round to 0.13.
`;

test("a valid spec loads and renders a compact system-prompt section", () => {
  const spec = loadSpec(write("valid.md", VALID));
  assert.equal(spec.language, "python");
  assert.equal(spec.testCommand, "pytest -q tests/test_invoice.py");
  assert.deepEqual(spec.definitionOfDone, ["totals are rounded half-up to cents", "pytest -q passes"]);
  assert.deepEqual(spec.checkpoints, [
    { name: "unit", after: "billing/**", run: "pytest -q tests/test_invoice.py" },
    { name: "ruff check billing", run: "ruff check billing" },
  ]);
  assert.equal(spec.budgetUsd, 2.5);
  assert.match(spec.body, /^Fix the rounding/);
  assert.equal(
    renderSpecPrompt(spec),
    [
      "# Task spec",
      "Title: Invoice rounding",
      "Stack: python, django",
      "Start state: the repo at main; tests/test_invoice.py has 2 failing tests",
      "Test command: `pytest -q tests/test_invoice.py`",
      "Definition of done:",
      "- totals are rounded half-up to cents",
      "- pytest -q passes",
      "Scope: change only `billing/**`, `tests/test_invoice.py`; edits elsewhere are refused.",
      "Checkpoints (run each and make it pass before going on):",
      "- unit: `pytest -q tests/test_invoice.py` (after changing `billing/**`)",
      "- ruff check billing: `ruff check billing` (before finishing)",
      "- tests: `pytest -q tests/test_invoice.py` (before finishing)",
      "Limits: $2.5 budget, 40 steps.",
    ].join("\n"),
  );
});

test("checkpoints: due after matching edits, at the end, and test_command added when no end checkpoint runs it", () => {
  const spec = loadSpec(write("valid2.md", VALID));
  const plan = checkpointFor(spec);
  assert.deepEqual(plan.dueAfterEdit(["README.md"]), []);
  assert.deepEqual(
    plan.dueAfterEdit(["./billing/invoice.py"]).map((c) => c.name),
    ["unit"],
  );
  // The test_command is a gate: the `unit` checkpoint runs it only after billing/** changed, so it is added too.
  assert.deepEqual(
    plan.dueAtEnd().map((c) => c.name),
    ["ruff check billing", "tests"],
  );
  const gated = checkpointFor({ checkpoints: [{ name: "t", run: "npm test" }], testCommand: "npm test" });
  assert.deepEqual(
    gated.items.map((c) => c.name),
    ["t"],
    "an end checkpoint that runs it already is the gate",
  );
  const plain = checkpointFor({ checkpoints: [], testCommand: "npm test" });
  assert.deepEqual(plain.items, [{ name: "tests", run: "npm test" }]);
  assert.deepEqual(plain.dueAtEnd(), [{ name: "tests", run: "npm test" }]);
});

function specError(text: string): ConfigError {
  const p = write(`bad-${Math.random().toString(36).slice(2)}.md`, text);
  try {
    loadSpec(p);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.ok(e.message.startsWith(p), `names the file: ${e.message}`);
    return e;
  }
  assert.fail("expected an error");
}

test("a wrong type names the field and what it expects", () => {
  const e = specError("---\nmax_steps: lots\n---\nDo it");
  assert.equal(e.field, "max_steps");
  assert.match(e.message, /max_steps: .*expected a positive integer/);
  const e2 = specError("---\nscope: src/\n---\nDo it");
  assert.equal(e2.field, "scope");
  assert.match(e2.message, /non-empty list of paths or globs/);
  const e3 = specError("---\ncheckpoints:\n  - name: unit\n---\nDo it");
  assert.equal(e3.field, "checkpoints.0");
  assert.match(e3.message, /\{name, run, after\?\}/);
});

test("an unknown key is rejected, naming it and the known keys", () => {
  const e = specError("---\nlanguage: go\ntimeout: 30\n---\nDo it");
  assert.equal(e.field, "timeout");
  assert.match(e.message, /unknown front-matter key/);
  assert.match(e.hint ?? "", /known keys: title, language/);
});

test("a missing closing --- and broken YAML are reported, not thrown as stack traces", () => {
  const e = specError("---\nlanguage: go\n\nFix the thing");
  assert.equal(e.field, "front matter");
  assert.match(e.message, /never closed/);
  assert.match(e.hint ?? "", /add a line containing only ---/);
  const y = specError("---\nlanguage: [go\n---\nDo it");
  assert.match(y.message, /not valid YAML/);
  const body = specError("---\nlanguage: go\n---\n\n");
  assert.equal(body.field, "body");
});

test("a file without front matter is all body", () => {
  const spec = loadSpec(write("plain.md", "Just do `make test`.\n"));
  assert.equal(spec.body, "Just do `make test`.");
  assert.deepEqual(spec.checkpoints, []);
});

test("inScope: globs, directory prefixes, and paths escaping the workspace", () => {
  const scope = ["src/billing/**", "tests/test_*.py", "docs", "Makefile"];
  assert.equal(inScope(scope, "src/billing/invoice.py"), true);
  assert.equal(inScope(scope, "src/billing"), true);
  assert.equal(inScope(scope, "src/billing/deep/x.py"), true);
  assert.equal(inScope(scope, "src/billingx/a.py"), false);
  assert.equal(inScope(scope, "src/auth/login.py"), false);
  assert.equal(inScope(scope, "tests/test_invoice.py"), true);
  assert.equal(inScope(scope, "tests/unit/test_invoice.py"), false);
  assert.equal(inScope(scope, "docs/specs.md"), true);
  assert.equal(inScope(scope, "./Makefile"), true);
  assert.equal(inScope(scope, "src/billing/../auth/x.py"), false);
  assert.equal(inScope(scope, "../outside/src/billing/x.py"), false);
  assert.equal(inScope(scope, "/etc/passwd"), false);
  assert.equal(inScope(["**/*.ts"], "a/b/c.ts"), true);
  assert.equal(inScope(["**/*.ts"], "c.ts"), true);
  assert.equal(inScope(undefined, "anything/at/all"), true);
});
