/**
 * The CLI as a new user meets it: every command's --help, and bad input answered with one short error, the fix,
 * exit code 2 and no stack trace. Each case runs the real entry point in a subprocess from an empty directory.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanEnv, cli, PKG, ROOT, stackLines } from "./cli-helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "sy-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const home = join(dir, "home");
const cwd = join(dir, "project");
mkdirSync(home);
mkdirSync(cwd);
const env = cleanEnv(home);
const run = (...args: string[]) => cli(args, { cwd, env });

const badToml = join(dir, "bad.toml");
writeFileSync(badToml, 'model = "openai/gpt-5.5"\n[run\nmax_steps = 1\n');
const unknownKeyToml = join(dir, "unknown-key.toml");
writeFileSync(unknownKeyToml, 'modle = "openai/gpt-5.5"\n');
const badFieldToml = join(dir, "bad-field.toml");
writeFileSync(badFieldToml, '# limits\n[run]\nmax_steps = "ten"\n');
const badJson = join(dir, "bad.json");
writeFileSync(badJson, "{not json");
const badRuleToml = join(dir, "bad-rule.toml");
writeFileSync(badRuleToml, '[router.rules]\npatchy = "openai/gpt-5.5"\n');
const badSpec = join(dir, "bad-spec.md");
writeFileSync(badSpec, "---\ntitle: x\nmax_steps: forty\n---\nFix `slugify()` in `textkit/slugify.py`.\n");
const emptyDir = join(dir, "empty");
mkdirSync(emptyDir);

/** The flags each command's --help must name (the README's Commands table and docs rely on them). */
const FLAGS: Record<string, string[]> = {
  run: [
    "--spec",
    "--model",
    "--workspace",
    "--max-steps",
    "--budget-usd",
    "--max-tokens",
    "--timeout",
    "--sandbox",
    "--network",
    "--approval",
    "--computer",
    "--mcp-config",
    "--apply",
    "--json",
    "--config",
    "--strict",
  ],
  resume: ["--workspace", "--max-steps", "--budget-usd", "--timeout", "--apply", "--json"],
  apply: ["--workspace"],
  discard: ["--workspace"],
  runs: ["--workspace", "--json"],
  bench: [
    "--agent",
    "--attempts",
    "--concurrency",
    "--out",
    "--resume",
    "--timeout-multiplier",
    "--env",
    "--strict-env",
    "--json",
    "--store",
    "--queue",
    "--job-budget-usd",
    "--rate-limit",
    "--artifact-max-mb",
  ],
  worker: ["--queue", "--concurrency", "--name", "--cache-dir", "--config"],
  report: ["--json"],
  cost: ["--json", "--per-day", "--workspace", "--config"],
  route: ["--explain", "--json", "--model", "--config", "--store"],
  lint: ["--json"],
  models: ["--json", "--config"],
  mock: ["--script", "--port", "--host", "--log"],
  view: ["--store", "--db", "--port", "--host"],
};

describe("--help", () => {
  for (const [command, flags] of Object.entries(FLAGS)) {
    test(`switchyard ${command} --help exits 0 and names its flags`, () => {
      const r = run(command, "--help");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: switchyard ${command} `, "m"));
      for (const flag of flags) assert.ok(r.stdout.includes(flag), `${command} --help does not mention ${flag}`);
    });
  }

  test("switchyard --help lists every command", () => {
    const r = run("--help");
    assert.equal(r.code, 0, r.stderr);
    for (const command of Object.keys(FLAGS)) assert.match(r.stdout, new RegExp(`^  ${command} `, "m"));
  });
});

test("switchyard --version prints the package.json version", () => {
  const r = run("--version");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${PKG.version}\n`);
});

test("an unknown command exits 2 and suggests the nearest one", () => {
  const r = run("rn", "hello");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^switchyard: unknown command 'rn' \(did you mean run\?\)\n {2}fix: /);
  assert.deepEqual(stackLines(r.stderr), []);
});

/** [description, argv, what the first line must say, what the fix line must say (when there is one)]. */
const BAD: Array<[string, string[], RegExp, RegExp?]> = [
  // unknown flags
  ["run: unknown flag", ["run", "x", "--bogus"], /unknown option '--bogus'/],
  ["bench: unknown flag", ["bench", emptyDir, "--agent", "oracle", "--bogus"], /unknown option '--bogus'/],
  ["cost: unknown flag", ["cost", "x", "--bogus"], /unknown option '--bogus'/],
  ["route: unknown flag", ["route", "x", "--bogus"], /unknown option '--bogus'/],
  ["lint: unknown flag", ["lint", "x", "--bogus"], /unknown option '--bogus'/],
  ["models: unknown flag", ["models", "--bogus"], /unknown option '--bogus'/],
  ["runs: unknown flag", ["runs", "--bogus"], /runs: unknown option '--bogus'/],
  ["runs prune: unknown flag", ["runs", "prune", "--bogus"], /runs prune: unknown option '--bogus'/],
  ["runs: no such workspace", ["runs", "--workspace", join(dir, "nope")], /workspace not found/, /--workspace/],
  ["models: an argument it does not take", ["models", "extra"], /too many arguments for 'models'/],
  // missing arguments and required options
  ["run: no task", ["run"], /no task given/, /switchyard run "<task>"/],
  ["resume: no run id", ["resume"], /missing required argument 'run-id'/],
  ["apply: no run id", ["apply"], /missing required argument 'run-id'/],
  ["discard: no run id", ["discard"], /missing required argument 'run-id'/],
  ["bench: no --agent", ["bench", emptyDir], /required option '--agent <agents>' not specified/],
  ["report: no job dir", ["report"], /missing required argument 'job-dir'/],
  ["cost: no target", ["cost"], /missing required argument/],
  ["route: no task", ["route"], /missing required argument 'task'/],
  ["lint: no input", ["lint"], /missing required argument/],
  ["lint: an empty prompt", ["lint", " "], /lint: the prompt is empty/, /switchyard lint "<prompt>"/],
  ["route: an empty task", ["route", ""], /route: the task is empty/, /switchyard route "/],
  ["mock: no --script", ["mock"], /required option '--script <file>' not specified/],
  // files and directories that do not exist
  ["run: no such workspace", ["run", "x", "--workspace", join(dir, "nope")], /workspace not found/, /--workspace/],
  ["run: no such spec", ["run", "--spec", join(dir, "nope.md")], /nope\.md: cannot read spec/, /--spec/],
  ["resume: no such run", ["resume", "20260101-000000-000-abcdef"], /no run "20260101-000000-000-abcdef"/],
  ["apply: no such run", ["apply", "nosuch"], /no run "nosuch"/, /--workspace/],
  ["discard: no such workspace", ["discard", "r", "--workspace", join(dir, "nope")], /workspace not found/],
  ["bench: no such task dir", ["bench", join(dir, "nope"), "--agent", "oracle"], /no such task or suite folder/],
  ["report: no such job dir", ["report", join(dir, "nope")], /job directory not found/, /switchyard bench/],
  ["report: a dir without results", ["report", emptyDir], /no complete trial results/, /switchyard bench/],
  ["cost: no such run or job", ["cost", "nosuch"], /no run or job found for "nosuch"/, /--workspace/],
  ["cost: no such workspace", ["cost", "r", "--workspace", join(dir, "nope")], /workspace not found/],
  ["lint: no such spec file", ["lint", "nope.md"], /spec file not found: nope\.md/, /switchyard lint "<prompt>"/],
  ["mock: no such script", ["mock", "--script", join(dir, "nope.yaml")], /cannot read mock script/, /--script/],
  // malformed config and input files
  ["run: malformed TOML", ["run", "x", "--config", badToml], /bad\.toml:\d+:\d+: not valid TOML/],
  [
    "run: unknown config key",
    ["run", "x", "--config", unknownKeyToml],
    /unknown-key\.toml:1: .*"modle"/,
    /unknown keys/,
  ],
  [
    "run: a config field of the wrong type",
    ["run", "x", "--config", badFieldToml],
    /bad-field\.toml:3: run\.max_steps: /,
  ],
  ["run: no such config", ["run", "x", "--config", join(dir, "nope.toml")], /config file not found/],
  ["models: malformed TOML", ["models", "--config", badToml], /bad\.toml:\d+:\d+: not valid TOML/],
  ["route: unknown config key", ["route", "x", "--config", unknownKeyToml], /"modle"/],
  // a task of class "terminal" never reaches the rules strategy: the bad rule must be reported anyway
  [
    "route: unknown router rule",
    ["route", "list files", "--config", badRuleToml],
    /router\.rules\.patchy/,
    /patch, gui/,
  ],
  ["cost: malformed TOML", ["cost", "x", "--config", badToml], /bad\.toml:\d+:\d+: not valid TOML/],
  ["lint: a spec with a bad field", ["lint", badSpec], /bad-spec\.md: max_steps: /, /positive integer/],
  ["run: a spec with a bad field", ["run", "--spec", badSpec], /bad-spec\.md: max_steps: /, /positive integer/],
  ["mock: malformed JSON script", ["mock", "--script", badJson], /bad\.json: not valid JSON/, /mock-script\.md/],
  ["mock: a script that is not a mapping", ["mock", "--script", badToml], /bad\.toml/, /mock-script\.md/],
  // unknown models and bad values
  ["run: unknown model", ["run", "x", "--model", "gpt-9"], /unknown model 'gpt-9'/, /switchyard models/],
  ["run: unknown provider", ["run", "x", "--model", "nope/x"], /unknown provider 'nope'/, /\[providers\.nope\]/],
  ["route: unknown model", ["route", "x", "--model", "gpt-9"], /unknown model 'gpt-9'/, /switchyard models/],
  ["route: unknown provider", ["route", "x", "--model", "nope/x"], /unknown provider 'nope'/],
  ["bench: unknown model", ["bench", emptyDir, "--agent", "nope/x"], /unknown provider 'nope'/],
  ["run: bad --max-steps", ["run", "x", "--max-steps", "abc"], /--max-steps/],
  ["run: bad --sandbox", ["run", "x", "--sandbox", "docker2"], /--sandbox/, /bwrap\|host/],
  ["bench: bad -k", ["bench", emptyDir, "--agent", "oracle", "-k", "abc"], /-k abc/],
  ["cost: bad --per-day", ["cost", "x", "--per-day", "abc"], /--per-day abc/, /--per-day 250/],
  ["mock: bad --port", ["mock", "--script", badJson, "--port", "abc"], /--port/, /0 to 65535/],
  ["view: no such folder", ["view", join(dir, "nope")], /view|no such folder/, /switchyard bench/],
  ["view: bad --port", ["view", emptyDir, "--port", "abc"], /--port abc/, /--port 8765/],
  [
    "view: no such store",
    ["view", emptyDir, "--store", join(dir, "nope.sqlite")],
    /results store not found/,
    /--store/,
  ],
  [
    "view: no such store (--db)",
    ["view", emptyDir, "--db", join(dir, "nope.sqlite")],
    /results store not found/,
    /--db/,
  ],
];

describe("bad input: one short error, the fix, exit 2, no stack trace", () => {
  for (const [name, args, message, fix] of BAD) {
    test(name, () => {
      const r = run(...args);
      assert.equal(r.code, 2, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.deepEqual(stackLines(r.stderr), [], r.stderr);
      const lines = r.stderr.trimEnd().split("\n");
      const first = lines[0] ?? "";
      // One style everywhere, commander's own errors included: `switchyard: <what>`, then `  fix: <how>`.
      assert.match(first, /^switchyard: /, r.stderr);
      assert.match(first, message);
      assert.ok(lines.length <= 2, `more than two lines:\n${r.stderr}`);
      if (lines.length === 2) assert.match(lines[1] ?? "", /^ {2}fix: /);
      if (fix) assert.match(lines[1] ?? "", fix);
    });
  }
});

describe("a misspelled option is named as such, with the nearest one", () => {
  const MISSPELLED: Array<[string, string[], string, string]> = [
    ["run", ["run", "x", "--modle", "m"], "--modle", "--model"],
    ["resume", ["resume", "r", "--workspac", "."], "--workspac", "--workspace"],
    ["apply", ["apply", "r", "--worksapce", "."], "--worksapce", "--workspace"],
    ["discard", ["discard", "r", "--workspce", "."], "--workspce", "--workspace"],
    ["bench", ["bench", emptyDir, "--agnet", "oracle"], "--agnet", "--agent"],
    ["report", ["report", emptyDir, "--jsno"], "--jsno", "--json"],
    ["cost", ["cost", "x", "--per-dya", "3"], "--per-dya", "--per-day"],
    ["route", ["route", "x", "--explian"], "--explian", "--explain"],
    ["lint", ["lint", "x", "--jsn"], "--jsn", "--json"],
    ["models", ["models", "--confg", "x"], "--confg", "--config"],
    ["mock", ["mock", "--scirpt", "x"], "--scirpt", "--script"],
  ];
  for (const [command, args, wrong, right] of MISSPELLED) {
    test(`${command} ${wrong} → did you mean ${right}?`, () => {
      const r = run(...args);
      assert.equal(r.code, 2, r.stderr);
      const [first, fix, ...more] = r.stderr.trimEnd().split("\n");
      assert.equal(first, `switchyard: ${command}: unknown option '${wrong}' (did you mean ${right}?)`);
      assert.match(fix ?? "", new RegExp(`^ {2}fix: use ${right} `));
      assert.deepEqual(more, []);
    });
  }
});

describe("lint on the README's examples", () => {
  test("the example spec lints clean (exit 0)", () => {
    const r = cli(["lint", "examples/specs/fix-slugify.md"], { cwd: ROOT, env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^no findings/);
  });

  test('a vague prompt ("fix the bug") has errors with rewrites (exit 1)', () => {
    const r = run("lint", "fix the bug");
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^error: vague: /m);
    assert.match(r.stdout, /^error: no_success_criterion: /m);
    assert.match(r.stdout, /suggestion: "fix the bug in `<path\/to\/file>`/);
  });
});

describe("run lints the task first", () => {
  test("findings are shown before the run starts; without --strict they do not block it", () => {
    // No API key: the run itself then stops at the missing key, after the lint findings were shown.
    const r = run("run", "fix the bug", "--model", "openai/gpt-5.5");
    assert.match(r.stderr, /^switchyard: lint error: vague: /m);
    assert.match(r.stderr, /OPENAI_API_KEY/);
    assert.ok(
      r.stderr.indexOf("lint error") < r.stderr.indexOf("OPENAI_API_KEY"),
      "lint findings come before the run's own errors",
    );
  });

  test("--strict refuses a task with lint errors (exit 2) before anything else", () => {
    const r = run("run", "fix the bug", "--model", "openai/gpt-5.5", "--strict");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /prompt-lint errors \(--strict\)/);
    assert.doesNotMatch(r.stderr, /OPENAI_API_KEY/);
  });
});

test("a malformed config makes bench exit 2 even for the oracle agent", () => {
  const r = run(
    "bench",
    join(ROOT, "tasks/examples/py-fix-slugify"),
    "--agent",
    "oracle",
    "--config",
    badToml,
    "--out",
    join(dir, "jobs"),
  );
  assert.equal(r.code, 2, r.stdout + r.stderr);
});
