import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError } from "../core/errors.ts";

/**
 * A task spec: Markdown with YAML front matter between `---` lines. The body is the task text. See docs/specs.md.
 */

const CheckpointSchema = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1),
    /** A glob of workspace paths: the checkpoint is due once the agent has changed a matching file. */
    after: z.string().min(1).optional(),
    run: z.string().min(1),
  }),
]);

export const SpecFrontMatterSchema = z.strictObject({
  title: z.string().optional(),
  language: z.string().min(1).optional(),
  framework: z.string().min(1).optional(),
  test_command: z.string().min(1).optional(),
  definition_of_done: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  start_state: z.string().optional(),
  checkpoints: z.array(CheckpointSchema).default([]),
  scope: z.array(z.string().min(1)).min(1).optional(),
  model: z.string().min(1).optional(),
  budget_usd: z.number().positive().optional(),
  max_steps: z.number().int().positive().optional(),
  /** The computer tool the task needs (like `--computer`), and the browser's start page (like `--url`). */
  computer: z.enum(["desktop", "browser"]).optional(),
  computer_url: z.string().min(1).optional(),
});

/** What each field expects, for error messages. */
const EXPECTS: Record<string, string> = {
  title: "a string",
  language: 'a string, e.g. "python"',
  framework: 'a string, e.g. "django"',
  test_command: 'a shell command string, e.g. "pytest -q"',
  definition_of_done: "a string or a list of strings",
  start_state: "a string describing the starting state",
  checkpoints: 'a list of commands ("npm test") or of {name, run, after?} objects',
  scope: 'a non-empty list of paths or globs, e.g. ["src/billing/**", "tests/test_billing.py"]',
  model: 'a model ref such as "openai/gpt-5.5"',
  budget_usd: "a positive number of dollars, e.g. 2.5",
  max_steps: "a positive integer, e.g. 40",
  computer: '"desktop" or "browser"',
  computer_url: 'a URL or an absolute path, e.g. "http://127.0.0.1:8000/"',
};

export interface Checkpoint {
  name: string;
  run: string;
  after?: string;
}

export interface TaskSpec {
  file: string;
  title?: string;
  language?: string;
  framework?: string;
  testCommand?: string;
  definitionOfDone: string[];
  startState?: string;
  checkpoints: Checkpoint[];
  /** Paths/globs the agent may change; undefined = anywhere in the workspace. */
  scope?: string[];
  model?: string;
  budgetUsd?: number;
  maxSteps?: number;
  computer?: "desktop" | "browser";
  computerUrl?: string;
  /** The task text (the Markdown body). */
  body: string;
}

function specError(file: string, field: string, message: string, hint: string): ConfigError {
  return new ConfigError(`${file}: ${field}: ${message}`, { file, field, hint });
}

/** Split `---\n<yaml>\n---\n<body>`; a file without front matter is all body. */
export function splitFrontMatter(text: string, file: string): { yaml: string | undefined; body: string } {
  const t = text.replace(/^\uFEFF/, "");
  if (!/^---[ \t]*\r?\n/.test(t)) return { yaml: undefined, body: t.trim() };
  const rest = t.replace(/^---[ \t]*\r?\n/, "");
  const close = /^(---|\.\.\.)[ \t]*$/m.exec(rest);
  if (!close) {
    throw specError(
      file,
      "front matter",
      "the YAML front matter opened with --- on line 1 is never closed",
      "add a line containing only --- after the last front-matter field, before the task text",
    );
  }
  return { yaml: rest.slice(0, close.index), body: rest.slice(close.index + close[0].length).trim() };
}

/** Validate parsed front matter and build a TaskSpec. Errors name the file, the field and what it expects. */
export function parseSpec(data: unknown, body: string, file: string): TaskSpec {
  const r = SpecFrontMatterSchema.safeParse(data ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.join(", ");
      throw specError(
        file,
        keys,
        `unknown front-matter key${issue.keys.length > 1 ? "s" : ""}`,
        `remove or rename it; known keys: ${Object.keys(EXPECTS).join(", ")}`,
      );
    }
    const field = issue.path.map(String).join(".") || "front matter";
    const top = String(issue.path[0] ?? "");
    const expects = EXPECTS[top] ?? "a mapping of the known keys";
    throw specError(
      file,
      field,
      `${issue.message}; expected ${expects}`,
      `set ${top || "the front matter"} to ${expects}`,
    );
  }
  const fm = r.data;
  const spec: TaskSpec = {
    file,
    definitionOfDone:
      fm.definition_of_done === undefined
        ? []
        : typeof fm.definition_of_done === "string"
          ? [fm.definition_of_done]
          : fm.definition_of_done,
    checkpoints: fm.checkpoints.map((c) => (typeof c === "string" ? { name: c, run: c } : { ...c })),
    body,
  };
  if (fm.title !== undefined) spec.title = fm.title;
  if (fm.language !== undefined) spec.language = fm.language;
  if (fm.framework !== undefined) spec.framework = fm.framework;
  if (fm.test_command !== undefined) spec.testCommand = fm.test_command;
  if (fm.start_state !== undefined) spec.startState = fm.start_state;
  if (fm.scope !== undefined) spec.scope = fm.scope;
  if (fm.model !== undefined) spec.model = fm.model;
  if (fm.budget_usd !== undefined) spec.budgetUsd = fm.budget_usd;
  if (fm.max_steps !== undefined) spec.maxSteps = fm.max_steps;
  if (fm.computer !== undefined) spec.computer = fm.computer;
  if (fm.computer_url !== undefined) spec.computerUrl = fm.computer_url;
  if (!body) {
    throw specError(file, "body", "the task text is empty", "write the task below the closing --- of the front matter");
  }
  return spec;
}

export function parseSpecText(text: string, file = "<spec>"): TaskSpec {
  const { yaml, body } = splitFrontMatter(text, file);
  let data: unknown = {};
  if (yaml !== undefined) {
    try {
      data = parseYaml(yaml) ?? {};
    } catch (err) {
      const first = (err as Error).message.split("\n")[0];
      throw specError(file, "front matter", `not valid YAML: ${first}`, "fix the YAML syntax between the --- lines");
    }
    if (typeof data !== "object" || Array.isArray(data)) {
      throw specError(file, "front matter", "expected a mapping of keys to values", "write `key: value` lines");
    }
  }
  return parseSpec(data, body, file);
}

/** Load a task spec file. Bad input → ConfigError naming the file, the field and what it expects. */
export function loadSpec(file: string): TaskSpec {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${file}: cannot read spec: ${(err as Error).message}`, {
      file,
      hint: "check the --spec path",
    });
  }
  return parseSpecText(text, file);
}
