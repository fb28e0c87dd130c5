import assert from "node:assert/strict";
import { test } from "node:test";
import { copyDestination, parseDockerfile } from "../../src/bench/dockerfile.ts";

test("RUN <<EOT runs the heredoc as the script; RUN cmd <<EOT feeds it to the command", () => {
  const plan = parseDockerfile(
    [
      "FROM python:3.12-slim",
      "WORKDIR /app",
      "RUN <<EOT",
      "mkdir -p /app/data",
      "echo hi > /app/data/hello.txt",
      "EOT",
      "RUN python3 - <<'PY'",
      "print('x')",
      "PY",
      "RUN echo after",
    ].join("\n"),
  );
  const runs = plan.steps.filter((s) => s.kind === "run").map((s) => (s.kind === "run" ? s.command : ""));
  assert.deepEqual(runs, [
    "mkdir -p /app/data\necho hi > /app/data/hello.txt\n",
    "python3 - <<'PY'\nprint('x')\nPY",
    "echo after",
  ]);
  assert.deepEqual(plan.ignored, [], "heredoc bodies are not read as instructions");
});

test("<<- strips leading tabs, and COPY <<EOF /path writes a file", () => {
  const plan = parseDockerfile(
    [
      "WORKDIR /srv",
      "COPY <<EOF conf/app.ini",
      "[app]",
      "port = 8080",
      "EOF",
      "RUN <<-EOT",
      "\techo tabbed",
      "\tEOT",
    ].join("\n"),
  );
  const file = plan.steps[1];
  assert.equal(file?.kind, "file");
  if (file?.kind !== "file") return;
  assert.deepEqual(
    { dest: file.dest, workdir: file.workdir, content: file.content, line: file.line },
    { dest: "/srv/conf/app.ini", workdir: "/srv", content: "[app]\nport = 8080\n", line: 2 },
  );
  assert.deepEqual(copyDestination(file), { path: "/srv/conf/app.ini", isDir: false });
  assert.equal(plan.steps[2]?.kind === "run" ? plan.steps[2].command : "", "echo tabbed\n");
});

test("a network step inside a heredoc is still recognised as needing the network", () => {
  const plan = parseDockerfile(["RUN <<EOT", "set -e", "pip install numpy", "EOT"].join("\n"));
  assert.equal(plan.steps[0]?.kind === "run" && plan.steps[0].needsNetwork, true);
});

test("a continued line is joined to the next with nothing in between; comment and empty lines inside it are skipped (Dockerfile reference: escape; BuildKit's parser)", () => {
  const plan = parseDockerfile(
    [
      "FROM debian:bookworm-slim",
      "RUN mkdir -p /app/bin \\",
      "  && touch /app/bin/a \\",
      "# a comment inside the instruction",
      "",
      "  && touch /app/bin/b \\   ",
      "  && echo done",
      "ENV A=1 \\",
      "    B=2",
      "RUN echo after",
    ].join("\n"),
  );
  const runs = plan.steps.map((s) => (s.kind === "run" ? { line: s.line, command: s.command } : s.kind));
  assert.deepEqual(runs, [
    { line: 2, command: "mkdir -p /app/bin   && touch /app/bin/a   && touch /app/bin/b   && echo done" },
    { line: 10, command: "echo after" },
  ]);
  assert.deepEqual(plan.env, { A: "1", B: "2" });
  assert.deepEqual(plan.ignored, [], "no line of the continued RUN is read as an instruction of its own");
});

test("heredocs open as BuildKit opens them: `<< 'PY'` with blanks (dockerfile 1.15+), `<<-`, an fd; not a here-string, a quoted `<<` or `cat<<EOF` (BuildKit: parser heredocsFromLine)", () => {
  const plan = parseDockerfile(
    [
      "FROM python:3.12-slim",
      "RUN python3 << 'PY'",
      "print('from the heredoc')",
      "PY",
      "COPY <<  EOF /etc/app.conf",
      "key = value",
      "EOF",
      'RUN cat <<<"here-string" && echo "a <<B c" || cat<<NONE',
      'RUN 3<<- "DOC" cat <&3',
      "\tindented",
      "\tDOC",
    ].join("\n"),
  );
  const steps = plan.steps.map((s) =>
    s.kind === "run" ? s.command : s.kind === "file" ? `${s.dest} <- ${s.content}` : s.kind,
  );
  assert.deepEqual(steps, [
    "python3 << 'PY'\nprint('from the heredoc')\nPY",
    "/etc/app.conf <- key = value\n",
    'cat <<<"here-string" && echo "a <<B c" || cat<<NONE',
    '3<<- "DOC" cat <&3\nindented\nDOC',
  ]);
  assert.deepEqual(plan.errors, []);
});

test("an instruction Docker does not know fails the build, as BuildKit refuses it; CMD, LABEL and the like are only ignored (Dockerfile reference)", () => {
  const plan = parseDockerfile(
    ["FROM debian:bookworm", "LABEL a=b", 'CMD ["bash"]', "RUN true", "import os"].join("\n"),
  );
  assert.deepEqual(plan.errors, ["line 5: unknown instruction: IMPORT"]);
  assert.equal(plan.ignored.length, 2);
});
