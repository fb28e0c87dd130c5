/**
 * What a deny pattern is matched against: every command a command line can run, as far as a pattern matcher can
 * tell without running it. Aggressive on purpose: an extra part can only make a deny match, never let a
 * command through.
 *
 * 1. The line is split into pieces on `&&`, `||`, `;`, `|`, `&`, newlines, `$(`, backticks and parentheses;
 *    quotes and backslashes are removed and whitespace collapsed (`g"it" push` is `git push`).
 * 2. Each piece is added, and again with its program resolved to its name (`/usr/bin/touch x` → `touch x`).
 * 3. Wrappers that run the rest of the line are stripped, with their own options (and option values), one after
 *    another: `sudo -u root`, `env -i -u X -C dir VAR=1`, `nice -n 5`, `timeout -s KILL 10`, `command`, `exec`,
 *    `nohup`, `time`, `stdbuf -oL`, `setsid`, `ionice -c 3`, `chrt 10`, `taskset 0x1`, `doas`, `xargs -n 1 -I {}`,
 *    `busybox`, `eval`, `bash|sh|zsh|dash|ksh -c`, shell keywords (`if`, `then`, `do`, `!`, `{`, …) and leading
 *    `VAR=value` assignments. Each stage is added.
 * 4. `find … -exec|-execdir|-ok|-okdir CMD … ;` adds CMD (and its own wrappers, recursively).
 *
 * A pattern cannot see through variables (`$cmd x`, `${T}ouch`), aliases and functions, scripts the agent
 * writes and runs, other interpreters (`python3 -c "import os; os.system('touch x')"`, `perl -e`), a copy or link
 * of a program under another name, or anything decoded at run time (`base64 -d | sh`). The sandbox is the
 * boundary; deny patterns are a policy aid (docs/sandbox.md).
 */

interface Wrapper {
  /** Options that take the next word as their value. */
  valued?: readonly string[];
  /** Plain words to skip after the options (timeout's DURATION, chrt's priority, taskset's mask). */
  positional?: number;
  /** Options end at the first word not starting with "-" (all wrappers), or at `--`. */
}

const WRAPPERS: Record<string, Wrapper> = {
  sudo: { valued: ["-C", "-D", "-g", "-h", "-p", "-R", "-r", "-T", "-t", "-U", "-u"] },
  doas: { valued: ["-u", "-C"] },
  env: { valued: ["-u", "-C", "--unset", "--chdir"] },
  nice: { valued: ["-n", "--adjustment"] },
  timeout: { valued: ["-s", "-k", "--signal", "--kill-after"], positional: 1 },
  command: {},
  builtin: {},
  exec: { valued: ["-a"] },
  nohup: {},
  time: { valued: ["-f", "-o", "--format", "--output"] },
  stdbuf: { valued: ["-i", "-o", "-e", "--input", "--output", "--error"] },
  setsid: {},
  ionice: { valued: ["-c", "-n", "--class", "--classdata"] },
  chrt: { positional: 1 },
  taskset: { positional: 1 },
  unbuffer: {},
  busybox: {},
  eval: {},
  xargs: {
    valued: ["-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter", "--max-args", "--max-procs"],
  },
  bash: { valued: ["-o", "-O", "--rcfile", "--init-file"] },
  sh: { valued: ["-o"] },
  dash: { valued: ["-o"] },
  zsh: { valued: ["-o"] },
  ksh: { valued: ["-o"] },
};

// Shell keywords and grouping before a command.
for (const keyword of ["if", "then", "else", "elif", "do", "while", "until", "!", "{"]) WRAPPERS[keyword] = {};

const FIND_EXEC = new Set(["-exec", "-execdir", "-ok", "-okdir"]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function basename(word: string): string {
  const i = word.lastIndexOf("/");
  return i >= 0 && i < word.length - 1 ? word.slice(i + 1) : word;
}

/** The words after `wrapper` and its options, or undefined when `words[0]` is not a wrapper. */
function unwrap(words: string[]): string[] | undefined {
  const first = words[0];
  if (first === undefined) return undefined;
  if (ASSIGNMENT.test(first)) return words.slice(1);
  const w = WRAPPERS[basename(first)];
  if (!w) return undefined;
  let i = 1;
  while (i < words.length) {
    const word = words[i] ?? "";
    if (word === "--") {
      i++;
      break;
    }
    if (!word.startsWith("-") || word === "-") {
      // env takes assignments before the command.
      if (basename(first) === "env" && ASSIGNMENT.test(word)) {
        i++;
        continue;
      }
      break;
    }
    i += w.valued?.includes(word) ? 2 : 1;
  }
  return words.slice(i + (w.positional ?? 0));
}

/** Add `words` and what they run to `out` (see the module comment); `depth` bounds find/-exec recursion. */
function addCommand(words: string[], out: Set<string>, depth = 0): void {
  let current = words;
  for (let n = 0; current.length > 0 && n < 16; n++) {
    out.add(current.join(" "));
    const program = basename(current[0] ?? "");
    if (program !== current[0]) out.add([program, ...current.slice(1)].join(" "));
    if (depth < 4) {
      current.forEach((w, i) => {
        if (!FIND_EXEC.has(w)) return;
        const rest = current.slice(i + 1);
        const end = rest.findIndex((x) => x === ";" || x === "+");
        addCommand(end === -1 ? rest : rest.slice(0, end), out, depth + 1);
      });
    }
    const next = unwrap(current);
    if (!next) break;
    current = next;
  }
}

/** Every part of a command line that a deny pattern is matched against. */
export function commandParts(command: string): string[] {
  const out = new Set<string>();
  const pieces = command.split(/&&|\|\||;|\||(?<![<>])&(?!>)|\n|\$\(|`|\(|\)/);
  for (const piece of pieces) {
    const words = piece
      .replace(/["'\\]/g, "")
      .split(/\s+/)
      .filter((w) => w.length > 0);
    addCommand(words, out);
  }
  return [...out];
}
