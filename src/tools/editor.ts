import { lstatSync, readdirSync, statSync } from "node:fs";
import { z } from "zod";
import { ToolError } from "../core/errors.ts";
import type { NativeKind, ToolCall } from "../core/messages.ts";
import { type Tool, type ToolContext, type ToolOutput, textOutput } from "../core/tool.ts";
import { loadDescription } from "./load-description.ts";
import {
  assertRegular,
  countLines,
  readableFile,
  readConfined,
  readHead,
  readLineRange,
  writableFile,
  writeConfined,
  writeNewFile,
} from "./sandbox-files.ts";

const DESCRIPTION = loadDescription("editor");
const COMMANDS = ["view", "create", "str_replace", "insert"] as const;
/** Reference implementation limit for `view` output (Anthropic str_replace_based_edit_tool). */
const MAX_VIEW_CHARS = 16_000;
const SNIPPET_LINES = 4;
const CLIPPED =
  "<response clipped><NOTE>To save on context only part of this file has been shown to you. You should retry this tool after you have searched inside the file with `grep -n` in order to find the line numbers of what you are looking for.</NOTE>";

export const editorSchema = z.strictObject({
  command: z.enum(COMMANDS, {
    error: (iss) =>
      `Unrecognized command ${String(iss.input)}. The allowed commands for the str_replace_based_edit_tool tool are: ${COMMANDS.join(", ")}`,
  }),
  path: z.string().describe("Absolute path, or relative to the workspace."),
  // Plain numbers (not z.int()) keep safe-integer bounds out of the JSON Schema; integrality is checked below.
  view_range: z.array(z.number()).optional(),
  file_text: z.string().optional(),
  old_str: z.string().optional(),
  new_str: z.string().optional(),
  insert_line: z.number().optional(),
  insert_text: z.string().optional(),
});
export type EditorArgs = z.infer<typeof editorSchema>;

function catN(text: string, startLine: number): string {
  return text
    .split("\n")
    .map((line, i) => `${String(i + startLine).padStart(6)}\t${line}`)
    .join("\n");
}

function clip(text: string, max = MAX_VIEW_CHARS): string {
  return text.length <= max ? text : text.slice(0, max) + CLIPPED;
}

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function snippet(text: string, centerLine: number, extraLines: number): { body: string; start: number } {
  const lines = text.split("\n");
  const start = Math.max(1, centerLine - SNIPPET_LINES);
  const end = Math.min(lines.length, centerLine + extraLines + SNIPPET_LINES);
  return { body: catN(lines.slice(start - 1, end).join("\n"), start), start };
}

function listDirectory(hostDir: string, insideDir: string): string {
  const out: string[] = [insideDir];
  const walk = (host: string, inside: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(host).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(".")) continue;
      const h = `${host}/${name}`;
      const i = `${inside}/${name}`;
      out.push(i);
      // Like the reference `find -maxdepth 2`: a symlink is listed, never followed (it may point out of the
      // sandbox, or at itself).
      if (depth < 2 && lstatSync(h, { throwIfNoEntry: false })?.isDirectory()) walk(h, i, depth + 1);
    }
  };
  walk(hostDir, insideDir.replace(/\/$/, ""), 1);
  return out.join("\n");
}

async function readText(host: string, inside: string, command: string): Promise<string> {
  const st = statSync(host, { throwIfNoEntry: false });
  if (!st) throw new ToolError(`The path ${inside} does not exist. Please provide a valid path.`);
  if (st.isDirectory()) {
    throw new ToolError(`The path ${inside} is a directory and only the \`view\` command can be used on directories`);
  }
  assertRegular(st, inside);
  return readConfined(host, `the editor's ${command}`);
}

async function view(args: EditorArgs, ctx: ToolContext): Promise<ToolOutput> {
  const file = readableFile(ctx, args.path);
  const st = statSync(file.host, { throwIfNoEntry: false });
  if (!st) throw new ToolError(`The path ${file.inside} does not exist. Please provide a valid path.`);
  if (st.isDirectory()) {
    if (args.view_range !== undefined) {
      throw new ToolError("The `view_range` parameter is not allowed when `path` points to a directory.");
    }
    return textOutput(
      `Here's the files and directories up to 2 levels deep in ${file.inside}, excluding hidden items:\n${listDirectory(file.host, file.inside)}\n`,
    );
  }
  assertRegular(st, file.inside);
  const header = `Here's the result of running \`cat -n\` on ${file.inside}:\n`;
  const vr = args.view_range;
  if (vr === undefined) {
    // Only a bounded head is read: the answer is clipped at MAX_VIEW_CHARS anyway.
    const head = await readHead(file.host, VIEW_READ_BYTES);
    const shown = clip(catN(head.text, 1));
    return textOutput(`${header}${head.cut && !shown.endsWith(CLIPPED) ? shown + CLIPPED : shown}${sizeNote(head)}\n`);
  }
  if (vr.length !== 2 || !vr.every(Number.isInteger))
    throw new ToolError("Invalid `view_range`. It should be a list of two integers.");
  const [a, b] = vr as [number, number];
  const valid = a >= 1 && (b === -1 || b >= a);
  const range = valid ? await readLineRange(file.host, a, b, VIEW_READ_BYTES) : undefined;
  // The line count is known when the range ran to the end of the file (or was invalid and had to be counted).
  const n = range ? range.total : await countLines(file.host);
  const shownRange = `[${a}, ${b}]`;
  if (a < 1 || (n !== undefined && a > n)) {
    throw new ToolError(
      `Invalid \`view_range\`: ${shownRange}. Its first element \`${a}\` should be within the range of lines of the file: [1, ${n ?? (await countLines(file.host))}]`,
    );
  }
  if (n !== undefined && b > n) {
    throw new ToolError(
      `Invalid \`view_range\`: ${shownRange}. Its second element \`${b}\` should be smaller than the number of lines in the file: \`${n}\``,
    );
  }
  if (!range) {
    throw new ToolError(
      `Invalid \`view_range\`: ${shownRange}. Its second element \`${b}\` should be larger or equal than its first \`${a}\``,
    );
  }
  const shown = clip(catN(range.lines.join("\n"), a));
  return textOutput(`${header}${range.cut && !shown.endsWith(CLIPPED) ? shown + CLIPPED : shown}\n`);
}

/** Bytes read for one `view` (four times the characters shown, so a clipped answer is never short of text). */
const VIEW_READ_BYTES = MAX_VIEW_CHARS * 4;

function sizeNote(head: { size: number; cut: boolean }): string {
  if (!head.cut) return "";
  return `\n<NOTE>The file is ${head.size} bytes; only its start was read. Use view_range to see other lines.</NOTE>`;
}

async function create(args: EditorArgs, ctx: ToolContext): Promise<ToolOutput> {
  if (args.file_text === undefined) throw new ToolError("Parameter `file_text` is required for command: create");
  const file = writableFile(ctx, args.path);
  if (statSync(file.host, { throwIfNoEntry: false })) {
    throw new ToolError(`File already exists at: ${file.inside}. Cannot overwrite files using command \`create\`.`);
  }
  await writeNewFile(file.host, args.file_text);
  return textOutput(`File created successfully at: ${file.inside}`);
}

async function strReplace(args: EditorArgs, ctx: ToolContext): Promise<ToolOutput> {
  if (args.old_str === undefined) throw new ToolError("Parameter `old_str` is required for command: str_replace");
  const file = writableFile(ctx, args.path);
  const text = await readText(file.host, file.inside, "str_replace");
  const old = args.old_str;
  const newStr = args.new_str ?? "";
  const first = old === "" ? -1 : text.indexOf(old);
  if (first === -1) {
    throw new ToolError(`No replacement was performed, old_str \`${old}\` did not appear verbatim in ${file.inside}.`);
  }
  const lines: number[] = [];
  for (let i = first; i !== -1; i = text.indexOf(old, i + 1)) lines.push(lineOf(text, i));
  if (lines.length > 1) {
    throw new ToolError(
      `No replacement was performed. Multiple occurrences of old_str \`${old}\` in lines [${lines.join(", ")}]. Please ensure it is unique`,
    );
  }
  const updated = text.slice(0, first) + newStr + text.slice(first + old.length);
  await writeConfined(file.host, updated);
  const line = lineOf(updated, first);
  const { body } = snippet(updated, line, newStr.split("\n").length - 1);
  return textOutput(
    `The file ${file.inside} has been edited. Here's the result of running \`cat -n\` on a snippet of ${file.inside}:\n${body}\nReview the changes and make sure they are as expected. Edit the file again if necessary.`,
  );
}

async function insert(args: EditorArgs, ctx: ToolContext): Promise<ToolOutput> {
  if (args.insert_line === undefined) throw new ToolError("Parameter `insert_line` is required for command: insert");
  const newText = args.insert_text ?? args.new_str;
  if (newText === undefined) throw new ToolError("Parameter `new_str` is required for command: insert");
  const file = writableFile(ctx, args.path);
  const text = await readText(file.host, file.inside, "insert");
  const lines = text.split("\n");
  // A trailing newline does not start another line for numbering purposes.
  const n = text.endsWith("\n") ? lines.length - 1 : lines.length;
  const at = args.insert_line;
  if (!Number.isInteger(at) || at < 0 || at > n) {
    throw new ToolError(
      `Invalid \`insert_line\` parameter: ${at}. It should be within the range of lines of the file: [0, ${n}]`,
    );
  }
  // A trailing newline in the text ends its last line; it does not add an empty one.
  const inserted = (newText.endsWith("\n") ? newText.slice(0, -1) : newText).split("\n");
  lines.splice(at, 0, ...inserted);
  const updated = lines.join("\n");
  await writeConfined(file.host, updated);
  const { body } = snippet(updated, at + 1, inserted.length - 1);
  return textOutput(
    `The file ${file.inside} has been edited. Here's the result of running \`cat -n\` on a snippet of the edited file:\n${body}\nReview the changes and make sure they are as expected (correct indentation, no duplicate lines, etc). Edit the file again if necessary.`,
  );
}

/**
 * The file editor with the commands, texts and errors of Anthropic's str_replace_based_edit_tool
 * (text_editor_20250728). Unlike the reference implementation it keeps bytes as they are (no tab expansion),
 * so an edit never rewrites unrelated indentation. All file access goes through `sandbox.hostPath`.
 */
export function createEditorTool(): Tool<EditorArgs> {
  return {
    name: "editor",
    description: DESCRIPTION,
    schema: editorSchema,
    native: [{ kind: "anthropic.text_editor" }],
    fromNative(_kind: NativeKind, args: Record<string, unknown>): EditorArgs {
      return args as EditorArgs;
    },
    async execute(args: EditorArgs, ctx: ToolContext, _call: ToolCall): Promise<ToolOutput> {
      // Relative paths resolve against the workspace root in both forms, native included: Anthropic's own tool
      // documentation writes `"path": "primes.py"`. Leaving the workspace is refused exactly as for absolute
      // paths (sandbox.hostPath and the scope check see the resolved path).
      switch (args.command) {
        case "view":
          return view(args, ctx);
        case "create":
          return create(args, ctx);
        case "str_replace":
          return strReplace(args, ctx);
        case "insert":
          return insert(args, ctx);
      }
    },
  };
}
