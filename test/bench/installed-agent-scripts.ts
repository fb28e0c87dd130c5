import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Mock trajectories for the real CLIs, each in that CLI's own tool names and argument shapes (read from the tool
 * definitions each CLI sends): Codex `exec_command {cmd}` and the freeform `apply_patch` custom tool; Claude Code
 * `Bash {command}`, `Read`/`Write {file_path, …}` (Write of an existing file needs a Read first); Gemini CLI
 * `run_shell_command {command}`, `read_file`/`write_file {file_path, …}`; OpenCode (OpenAI models) `bash
 * {command, description}`, `read {filePath}`, `apply_patch {patchText}`; pi `bash {command}`, `read`/`write
 * {path, …}`. Gemini CLI refuses command substitution (`$(…)`) in shell commands, so the scripts use none.
 */
export const EXAMPLES = new URL("../../tasks/examples/", import.meta.url).pathname;

export type ToolCall = { name: string; arguments: Record<string, unknown> };
export interface Turn {
  text?: string;
  tool_calls?: ToolCall[];
  usage: { input: number; cache_read?: number; cache_write?: number; output: number; reasoning?: number };
}

const SORT_INBOX = `set -euo pipefail
mkdir -p /app/sorted
find /app/inbox -type f -print0 | while IFS= read -r -d '' f; do
  name=\${f##*/}; stem=\${name#.}
  if [[ "$stem" == *.* ]]; then ext=\${stem##*.}; ext=\${ext,,}; else ext=other; fi
  mkdir -p "/app/sorted/$ext"; mv "$f" "/app/sorted/$ext/$name"; printf '%s/%s\\n' "$ext" "$name"
done | LC_ALL=C sort > /tmp/manifest
mv /tmp/manifest /app/sorted/manifest.txt
cat /app/sorted/manifest.txt`;

/** Connections the allowlist must refuse: another loopback port (direct and via the proxy) and a DNS name. */
export function probeCommand(otherPort: number): string {
  return [
    `curl -s -m 5 -o /dev/null http://127.0.0.1:${otherPort}/direct; echo "direct=$?"`,
    `curl -s -m 5 --noproxy '' -o /dev/null -w 'proxied=%{http_code}\\n' http://127.0.0.1:${otherPort}/proxied`,
    `curl -s -m 5 -o /dev/null https://example.com/; echo "dns=$?"`,
  ].join("; ");
}

const SLUGIFY_OLD = readFileSync(join(EXAMPLES, "py-fix-slugify/environment/app/textkit/slugify.py"), "utf8");
const SLUGIFY_NEW = (() => {
  const solve = readFileSync(join(EXAMPLES, "py-fix-slugify/solution/solve.sh"), "utf8");
  const body = solve.split("<<'PY'\n")[1]?.split("\nPY")[0];
  if (!body) throw new Error("solve.sh of py-fix-slugify changed shape");
  return `${body}\n`;
})();
const SLUGIFY_FILE = "/app/textkit/slugify.py";

/** A V4A patch that replaces the whole file (Codex's and OpenCode's apply_patch format). */
const SLUGIFY_PATCH = [
  "*** Begin Patch",
  "*** Update File: textkit/slugify.py",
  "@@",
  ...SLUGIFY_OLD.replace(/\n$/, "")
    .split("\n")
    .map((l) => `-${l}`),
  ...SLUGIFY_NEW.replace(/\n$/, "")
    .split("\n")
    .map((l) => `+${l}`),
  "*** End Patch",
  "",
].join("\n");

interface Tools {
  shell: (command: string) => ToolCall;
  read: ToolCall;
  write: ToolCall;
}

export const TOOLS: Record<string, Tools> = {
  codex: {
    shell: (cmd) => ({ name: "exec_command", arguments: { cmd } }),
    read: { name: "exec_command", arguments: { cmd: "cat textkit/slugify.py" } },
    write: { name: "apply_patch", arguments: { input: SLUGIFY_PATCH } },
  },
  "claude-code": {
    shell: (command) => ({ name: "Bash", arguments: { command, description: "Run the step" } }),
    read: { name: "Read", arguments: { file_path: SLUGIFY_FILE } },
    write: { name: "Write", arguments: { file_path: SLUGIFY_FILE, content: SLUGIFY_NEW } },
  },
  "gemini-cli": {
    shell: (command) => ({ name: "run_shell_command", arguments: { command, description: "Run the step" } }),
    read: { name: "read_file", arguments: { file_path: SLUGIFY_FILE } },
    write: { name: "write_file", arguments: { file_path: SLUGIFY_FILE, content: SLUGIFY_NEW } },
  },
  opencode: {
    shell: (command) => ({ name: "bash", arguments: { command, description: "Run the step" } }),
    read: { name: "read", arguments: { filePath: SLUGIFY_FILE } },
    write: { name: "apply_patch", arguments: { patchText: SLUGIFY_PATCH } },
  },
  pi: {
    shell: (command) => ({ name: "bash", arguments: { command } }),
    read: { name: "read", arguments: { path: SLUGIFY_FILE } },
    write: { name: "write", arguments: { path: SLUGIFY_FILE, content: SLUGIFY_NEW } },
  },
};

/** files-organize-inbox, shell only: probe the allowlist, sort the files, finish. */
export function inboxTurns(agent: string, otherPort: number): Turn[] {
  const t = TOOLS[agent];
  if (!t) throw new Error(`no tools for ${agent}`);
  return [
    { tool_calls: [t.shell(probeCommand(otherPort))], usage: { input: 900, output: 60 } },
    {
      text: "Sorting the inbox by extension.",
      tool_calls: [t.shell(SORT_INBOX)],
      usage: { input: 1200, cache_read: 800, output: 300, reasoning: 100 },
    },
    { text: "Done: every file is under /app/sorted/<ext>/.", usage: { input: 400, cache_read: 1900, output: 50 } },
  ];
}

/** py-fix-slugify, a file edit with the CLI's own file tools. */
export function slugifyTurns(agent: string): Turn[] {
  const t = TOOLS[agent];
  if (!t) throw new Error(`no tools for ${agent}`);
  return [
    { tool_calls: [t.read], usage: { input: 900, output: 120 } },
    {
      text: "Rewriting slugify.",
      tool_calls: [t.write],
      usage: { input: 300, cache_read: 900, output: 400, reasoning: 150 },
    },
    {
      text: "Fixed slugify: transliteration, word-boundary truncation and hyphen joining.",
      usage: { input: 200, cache_read: 1300, output: 40 },
    },
  ];
}
