import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Tool } from "../../src/core/tool.ts";
import { createEditorTool } from "../../src/tools/editor.ts";
import { executeToolCall } from "../../src/tools/execute.ts";
import { bwrapHarness, type Harness, hostHarness, text } from "../sandbox/helpers.ts";

const editor = createEditorTool() as unknown as Tool;

describe("editor tool", () => {
  let h: Harness;
  let f: string;
  const edit = (args: Record<string, unknown>, native = false) =>
    h.call(editor, args, native ? "anthropic.text_editor" : undefined);
  before(async () => {
    h = await hostHarness();
    f = `${h.app}/a.txt`;
  });
  after(() => h.cleanup());

  it("creates a file, and refuses to overwrite it", async () => {
    const r = await edit({ command: "create", path: f, file_text: "one\n\ttwo\nthree\n" });
    assert.equal(text(r), `File created successfully at: ${f}`);
    assert.equal(readFileSync(f, "utf8"), "one\n\ttwo\nthree\n");
    const again = await edit({ command: "create", path: f, file_text: "x" });
    assert.equal(again.isError, true);
    assert.equal(text(again), `File already exists at: ${f}. Cannot overwrite files using command \`create\`.`);
    assert.equal(
      text(await edit({ command: "create", path: `${h.app}/b.txt` })),
      "Parameter `file_text` is required for command: create",
    );
  });

  it("views a file with cat -n numbering, keeping tabs", async () => {
    const r = await edit({ command: "view", path: f });
    assert.equal(
      text(r),
      `Here's the result of running \`cat -n\` on ${f}:\n     1\tone\n     2\t\ttwo\n     3\tthree\n     4\t\n`,
    );
    const range = await edit({ command: "view", path: f, view_range: [2, 3] });
    assert.equal(text(range), `Here's the result of running \`cat -n\` on ${f}:\n     2\t\ttwo\n     3\tthree\n`);
    const toEnd = await edit({ command: "view", path: f, view_range: [3, -1] });
    assert.match(text(toEnd), /3\tthree\n {5}4\t\n$/);
  });

  it("rejects bad view ranges with the reference texts", async () => {
    const cases: Array<[unknown, string]> = [
      [[1], "Invalid `view_range`. It should be a list of two integers."],
      [
        [0, 2],
        "Invalid `view_range`: [0, 2]. Its first element `0` should be within the range of lines of the file: [1, 4]",
      ],
      [
        [1, 9],
        "Invalid `view_range`: [1, 9]. Its second element `9` should be smaller than the number of lines in the file: `4`",
      ],
      [[3, 2], "Invalid `view_range`: [3, 2]. Its second element `2` should be larger or equal than its first `3`"],
    ];
    for (const [vr, msg] of cases) {
      const r = await edit({ command: "view", path: f, view_range: vr });
      assert.equal(r.isError, true);
      assert.equal(text(r), msg);
    }
  });

  it("lists a directory two levels deep without hidden items", async () => {
    writeFileSync(`${h.app}/.hidden`, "");
    await edit({ command: "create", path: `${h.app}/d1/d2/d3/deep.txt`, file_text: "x" });
    const r = text(await edit({ command: "view", path: h.app }));
    assert.match(
      r,
      new RegExp(`^Here's the files and directories up to 2 levels deep in ${h.app}, excluding hidden items:\n`),
    );
    assert.match(r, /\/d1\n/);
    assert.match(r, /\/d1\/d2\n/);
    assert.doesNotMatch(r, /d3|\.hidden/);
    const bad = await edit({ command: "view", path: h.app, view_range: [1, 2] });
    assert.equal(text(bad), "The `view_range` parameter is not allowed when `path` points to a directory.");
  });

  it("replaces a unique string and shows a snippet", async () => {
    const r = await edit({ command: "str_replace", path: f, old_str: "\ttwo", new_str: "\tTWO" });
    assert.equal(r.isError, false);
    assert.match(
      text(r),
      new RegExp(`^The file ${f} has been edited. Here's the result of running \`cat -n\` on a snippet of ${f}:\n`),
    );
    assert.match(text(r), /2\t\tTWO\n/);
    assert.match(text(r), /Review the changes and make sure they are as expected. Edit the file again if necessary.$/);
    assert.equal(readFileSync(f, "utf8"), "one\n\tTWO\nthree\n");
  });

  it("refuses zero and multiple matches with the reference texts", async () => {
    writeFileSync(`${h.app}/m.txt`, "x = 1\ny = 2\nx = 1\n");
    const many = await edit({ command: "str_replace", path: `${h.app}/m.txt`, old_str: "x = 1", new_str: "x = 3" });
    assert.equal(
      text(many),
      "No replacement was performed. Multiple occurrences of old_str `x = 1` in lines [1, 3]. Please ensure it is unique",
    );
    const none = await edit({ command: "str_replace", path: `${h.app}/m.txt`, old_str: "z", new_str: "" });
    assert.equal(text(none), `No replacement was performed, old_str \`z\` did not appear verbatim in ${h.app}/m.txt.`);
    assert.equal(readFileSync(`${h.app}/m.txt`, "utf8"), "x = 1\ny = 2\nx = 1\n");
    assert.equal(
      text(await edit({ command: "str_replace", path: f })),
      "Parameter `old_str` is required for command: str_replace",
    );
  });

  it("inserts after a line with insert_text or new_str", async () => {
    writeFileSync(`${h.app}/i.txt`, "a\nb\n");
    const r = await edit({ command: "insert", path: `${h.app}/i.txt`, insert_line: 1, insert_text: "between\n" });
    assert.match(text(r), /a snippet of the edited file:\n/);
    assert.match(text(r), /\(correct indentation, no duplicate lines, etc\)/);
    await edit({ command: "insert", path: `${h.app}/i.txt`, insert_line: 0, new_str: "top" });
    assert.equal(readFileSync(`${h.app}/i.txt`, "utf8"), "top\na\nbetween\nb\n");
    const bad = await edit({ command: "insert", path: `${h.app}/i.txt`, insert_line: 9, insert_text: "x" });
    assert.equal(
      text(bad),
      "Invalid `insert_line` parameter: 9. It should be within the range of lines of the file: [0, 4]",
    );
    assert.equal(
      text(await edit({ command: "insert", path: f, insert_text: "x" })),
      "Parameter `insert_line` is required for command: insert",
    );
    assert.equal(
      text(await edit({ command: "insert", path: f, insert_line: 0 })),
      "Parameter `new_str` is required for command: insert",
    );
  });

  it("gives the reference errors for missing paths, directories and unknown commands; relative paths work", async () => {
    const missing = await edit({ command: "view", path: `${h.app}/nope` });
    assert.equal(text(missing), `The path ${h.app}/nope does not exist. Please provide a valid path.`);
    const dir = await edit({ command: "str_replace", path: h.app, old_str: "a", new_str: "b" });
    assert.equal(
      text(dir),
      `The path ${h.app} is a directory and only the \`view\` command can be used on directories`,
    );
    // Relative paths resolve against the workspace in both forms (Anthropic's docs write `"path": "primes.py"`).
    const rel = await edit({ command: "view", path: "a.txt" }, true);
    assert.equal(rel.isError, false, text(rel));
    assert.match(text(rel), new RegExp(`cat -n\` on ${f}:`));
    assert.equal(
      (await edit({ command: "view", path: "a.txt" })).isError,
      false,
      "the function form accepts workspace-relative paths",
    );
    const unknown = await edit({ command: "undo_edit", path: f });
    assert.match(
      text(unknown),
      /Unrecognized command undo_edit\. The allowed commands for the str_replace_based_edit_tool tool are: view, create, str_replace, insert/,
    );
  });

  it("refuses writes outside the task's scope", async () => {
    const scoped = { ...h.ctx, scope: ["src"] };
    const out = await executeToolCall(
      [editor],
      {
        type: "tool_call",
        id: "s1",
        name: "editor",
        arguments: { command: "create", path: "lib/y.ts", file_text: "y" },
      },
      scoped,
    );
    assert.equal(out.isError, true);
    assert.equal(text(out), `${h.app}/lib/y.ts is outside the task's scope (allowed: src).`);
    const ok = await executeToolCall(
      [editor],
      {
        type: "tool_call",
        id: "s2",
        name: "editor",
        arguments: { command: "create", path: "src/y.ts", file_text: "y" },
      },
      scoped,
    );
    assert.equal(ok.isError, false, text(ok));
  });
});

describe("editor tool in bwrap", { skip: process.getuid?.() !== 0 && "needs root" }, () => {
  it("refuses paths the sandbox hides and creates files the sandbox user owns", async () => {
    const h = await bwrapHarness();
    try {
      const shadow = await h.call(editor, { command: "view", path: "/etc/shadow" });
      assert.equal(shadow.isError, true);
      assert.match(text(shadow), /not accessible in this sandbox/);
      const usr = await h.call(editor, { command: "create", path: "/usr/evil", file_text: "x" });
      assert.match(text(usr), /^Permission denied: \/usr\/evil is not writable/);
      await h.call(editor, { command: "create", path: "/app/new/dir/f.txt", file_text: "x\n" });
      assert.equal(statSync(`${h.app}/new/dir/f.txt`).uid, 1000);
      assert.equal(statSync(`${h.app}/new`).uid, 1000);
      assert.match(text(await h.bash("echo more >> /app/new/dir/f.txt && cat /app/new/dir/f.txt")), /^x\nmore\n$/);
    } finally {
      await h.cleanup();
    }
  });
});
