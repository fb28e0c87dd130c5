import type { ToolCall } from "../core/messages.ts";
import { commandParts } from "./command-parts.ts";

/**
 * Approval policy for commands (bash, OpenAI shell, Anthropic bash). File edits are not gated: they land only in
 * the run's isolated copy and reach the workspace only through review (apply).
 *
 * Rules, in order:
 * 1. `deny` patterns: a command matching one is denied and the model is told so. Deny wins over allow. It is
 *    matched against the whole line and every part of it (denyParts, src/agent/command-parts.ts): pieces split
 *    on `&&`, `||`, `;`, `|`, `&`, newlines, `$(`, backticks and parentheses, with quotes and backslashes removed,
 *    each with its program resolved to its name (`/usr/bin/touch` → `touch`), each without leading wrappers and
 *    their options (`sudo -u x`, `env -i VAR=1`, `nice -n 5`, `timeout -s KILL 10`, `xargs -n 1`, `bash -c`, …),
 *    and the commands of `find … -exec CMD ;`. So `rm  -rf /`, `bash -c "git push"`, `;git push`, `$(git push)`,
 *    `FOO=1 g"it" push`, `/usr/bin/git push` and `find . -exec git push \;` all meet `git push*`. A pattern
 *    matcher cannot see through variables (`$g push`), scripts the agent writes, aliases or other interpreters;
 *    the sandbox is the boundary, deny patterns are a policy aid (docs/sandbox.md).
 * 2. `allow` patterns: a command whose every sub-command matches an allow pattern runs without asking, unless
 *    it contains a command substitution (`$(`, backticks, `<(`, `>(`), which could run anything.
 * 3. By mode: `never` runs everything else; `untrusted` asks for every other command; `on-request` asks only for
 *    commands the model flags (`require_approval: true` or `sandbox_permissions: "require_escalated"` in its
 *    arguments) or that look risky (RISKY_PATTERNS: rm -r/-f, git push, git reset --hard, git clean, piping a
 *    download into a shell, sudo, mkfs, dd of=, chmod/chown -R).
 * Asking: in a TTY the user decides; headless, a needed approval ends the run as "denied" (exit 8).
 * Patterns are globs on the command line: `*` any characters, `?` one character, matched against the whole
 * (trimmed) sub-command, e.g. `npm test*`, `git push*`, `rm -rf *`.
 */
export type ApprovalMode = "never" | "on-request" | "untrusted";

export interface PolicyOptions {
  mode: ApprovalMode;
  allow?: string[];
  deny?: string[];
}

export type PolicyVerdict =
  | { action: "run"; by: "policy" | "rule" }
  | { action: "deny"; by: "rule"; pattern: string }
  | { action: "ask"; reason: string };

export const RISKY_PATTERNS: RegExp[] = [
  /\brm\s+(-[a-zA-Z]*[rRf][a-zA-Z]*\s+|--recursive\b|--force\b)/,
  /\bgit\s+push\b/,
  /\bgit\s+reset\s+--hard\b/,
  /\bgit\s+clean\b/,
  /\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(ba|z|da)?sh\b/,
  /\bsudo\b/,
  /\bmkfs(\.\w+)?\b/,
  /\bdd\b.*\bof=/,
  /\bch(mod|own)\s+-[a-zA-Z]*R/,
];

/** The command line(s) a call would run, or undefined when the call is not a command. */
export function commandOf(call: ToolCall): string | undefined {
  const a = call.arguments;
  if (call.native === "openai.shell" && Array.isArray(a.commands)) return a.commands.map(String).join("\n");
  if (call.name === "bash" || call.native === "anthropic.bash") {
    if (typeof a.command === "string") return a.command;
    if (Array.isArray(a.commands)) return a.commands.map(String).join("\n");
  }
  return undefined;
}

export function splitCommand(command: string): string[] {
  return command
    .split(/&&|\|\||;|\||\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Every part of a command line that a deny pattern is matched against (src/agent/command-parts.ts): pieces,
 * resolved program names, commands inside wrappers and `find -exec`.
 */
export function denyParts(command: string): string[] {
  return commandParts(command);
}

/** A command substitution or process substitution: the line can run something no allow pattern saw. */
const SUBSTITUTION = /\$\(|`|<\(|>\(/;

export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (const ch of glob.trim()) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s");
}

export function evaluatePolicy(call: ToolCall, opts: PolicyOptions): PolicyVerdict | undefined {
  const command = commandOf(call);
  if (command === undefined) return undefined;
  const parts = [command.trim(), ...splitCommand(command), ...denyParts(command)];
  for (const pattern of opts.deny ?? []) {
    const re = globToRegExp(pattern);
    if (parts.some((p) => re.test(p))) return { action: "deny", by: "rule", pattern };
  }
  const allowRes = (opts.allow ?? []).map(globToRegExp);
  const subs = splitCommand(command);
  const allowed = subs.every((s) => allowRes.some((re) => re.test(s)));
  if (allowRes.length > 0 && subs.length > 0 && allowed && !SUBSTITUTION.test(command)) {
    return { action: "run", by: "rule" };
  }
  switch (opts.mode) {
    case "never":
      return { action: "run", by: "policy" };
    case "untrusted":
      return { action: "ask", reason: "untrusted mode: the command is not on the allow list" };
    case "on-request": {
      const a = call.arguments;
      if (a.require_approval === true || a.sandbox_permissions === "require_escalated") {
        return { action: "ask", reason: "the model asked for approval" };
      }
      const risky = RISKY_PATTERNS.find((re) => re.test(command));
      if (risky) return { action: "ask", reason: `risky command (matches ${risky.source})` };
      return { action: "run", by: "policy" };
    }
  }
}

/** MCP tool annotations (`readOnlyHint`, `destructiveHint`) as the server declares them; hints, not guarantees. */
export interface McpHints {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
}

/**
 * Approval policy for MCP tool calls, matched on the name the model sees (`mcp__<server>__<tool>`):
 * 1. `deny` patterns matching the name → denied (deny wins over allow).
 * 2. `allow` patterns matching the name → runs (e.g. `mcp__tracker__*`).
 * 3. By mode: `never` runs; `untrusted` asks for every call; `on-request` asks unless the server marks the tool
 *    `readOnlyHint: true` without `destructiveHint: true` (a tool without annotations counts as not read-only, the
 *    MCP default).
 */
export function evaluateMcpPolicy(tool: string, hints: McpHints | undefined, opts: PolicyOptions): PolicyVerdict {
  for (const pattern of opts.deny ?? []) {
    if (globToRegExp(pattern).test(tool)) return { action: "deny", by: "rule", pattern };
  }
  if ((opts.allow ?? []).some((p) => globToRegExp(p).test(tool))) return { action: "run", by: "rule" };
  switch (opts.mode) {
    case "never":
      return { action: "run", by: "policy" };
    case "untrusted":
      return { action: "ask", reason: "untrusted mode: the MCP tool is not on the allow list" };
    case "on-request":
      if (hints?.destructiveHint === true) return { action: "ask", reason: "the MCP tool is marked destructive" };
      if (hints?.readOnlyHint !== true) return { action: "ask", reason: "the MCP tool is not marked read-only" };
      return { action: "run", by: "policy" };
  }
}
