import {
  type Instruction,
  instructions,
  jsonArray,
  keyValues,
  processWord,
  processWords,
  splitHeredocs,
} from "./dockerfile-lex.ts";

/**
 * A Dockerfile read as a recipe for the local environment (no image is built; the host's root file system stands in
 * for the base image). Only the final build stage is kept, together with the stages it is built FROM; each step
 * carries the state Docker gives it (Dockerfile reference):
 * - WORKDIR: relative to the previous one, default `/`, created (owned by the USER of the moment) — kept as a step;
 * - ENV/ARG: ARG values are visible to RUN as environment variables, ENV overrides ARG, a global ARG (before FROM)
 *   only reaches a stage that declares it again; variables are expanded in ADD, COPY, ENV, USER, WORKDIR, not RUN;
 * - USER: applies to later RUN steps and to the container (the trial's phases); COPY/ADD ignore it (root-owned files
 *   unless --chown);
 * - SHELL: the shell of shell-form RUN (default ["/bin/sh", "-c"]); exec-form RUN runs its argv without a shell;
 * - RUN steps that install packages or download (apt, pip, npm, curl, wget, git clone, uv, ...) are flagged
 *   `needsNetwork` so the local environment can skip them as reduced fidelity.
 * Other instructions (CMD, EXPOSE, LABEL, ...) have no effect on a trial and are listed in `ignored`; a word
 * Docker does not know as an instruction (what is left of a heredoc it did not open, a stray line) is an error, as
 * BuildKit refuses it ("unknown instruction: X").
 */

export interface StepState {
  line: number;
  /** Working directory (absolute) at this step. */
  workdir: string;
  /** ARG + ENV as RUN sees them. */
  env: Record<string, string>;
  /** USER at this step ("" = the image's root). */
  user: string;
}

export type DockerStep =
  | (StepState & { kind: "workdir"; path: string })
  | (StepState & {
      kind: "run";
      /** The argv Docker executes: SHELL + command for the shell form, the JSON array for the exec form. */
      argv: string[];
      /** The command as written (for notes and the network heuristics). */
      command: string;
      needsNetwork: boolean;
    })
  | (StepState & {
      kind: "copy";
      op: "COPY" | "ADD";
      sources: string[];
      /** Absolute destination; ends in "/" when written as a directory (trailing "/", ".", "") — that is significant. */
      dest: string;
      chown?: string;
      chmod?: string;
      exclude: string[];
      /** ADD --unpack; undefined = Docker's default (local archives unpacked, URLs not). */
      unpack?: boolean;
    })
  /** `COPY <<EOF /path` (BuildKit heredoc): a file with inline content. */
  | (StepState & { kind: "file"; dest: string; content: string; chown?: string; chmod?: string });

export interface DockerPlan {
  /** Base image named by the final stage's FROM chain, if any. */
  from: string | undefined;
  /** Final WORKDIR; undefined when the Dockerfile sets none (the trial then uses /app, TB2's convention). */
  workdir: string | undefined;
  /** Final ENV (ARG values are not part of it, as in Docker). */
  env: Record<string, string>;
  /** Final USER ("" = root). */
  user: string;
  steps: DockerStep[];
  /** Instructions with no local effect, "LINE: TEXT (why)". */
  ignored: string[];
  /** Instructions that cannot be reproduced locally (COPY --from another stage or image), "LINE: TEXT (why)". */
  unsupported: string[];
  /** What makes `docker build` refuse the Dockerfile before any step runs: "line N: unknown instruction: X". */
  errors: string[];
}

/** Instructions Docker knows that have no effect on a trial (the container's command, metadata, ...). */
const NO_EFFECT = new Set([
  "CMD",
  "ENTRYPOINT",
  "LABEL",
  "EXPOSE",
  "VOLUME",
  "ONBUILD",
  "STOPSIGNAL",
  "HEALTHCHECK",
  "MAINTAINER",
]);

/** Commands that fetch from the network or a package index; matched at the start of a shell word run. */
const NETWORK_PATTERNS: RegExp[] = [
  /\bapt(-get)?\s+(-\S+\s+)*(install|update|upgrade|dist-upgrade|build-dep)\b/,
  /\bapk\s+(-\S+\s+)*(add|update|upgrade)\b/,
  /\b(yum|dnf|zypper|pacman|brew)\s+/,
  /\bpip[0-9.]*\s+(-\S+\s+)*(install|download)\b/,
  /\bpython[0-9.]*\s+-m\s+pip\s+(-\S+\s+)*(install|download)\b/,
  /\buvx?\b(?!\s+venv)/,
  /\b(npm|pnpm|yarn|bun)\s+(-\S+\s+)*(install|i|ci|add|update|dlx)\b/,
  /\b(npx|bunx|pipx)\s+/,
  /\b(curl|wget|aria2c)\b/,
  /\bgit\s+(-\S+\s+)*(clone|fetch|pull|submodule)\b/,
  /\b(cargo|gem|go|conda|mamba|micromamba|poetry|rustup)\s+(-\S+\s+)*(install|get|add|update|sync|create|toolchain)\b/,
  /\badd-apt-repository\b/,
];

export function needsNetwork(command: string): boolean {
  return NETWORK_PATTERNS.some((re) => re.test(command));
}

/** What a Debian base image's config gives; the values `$PATH`/`$HOME` in ENV lines expand to. */
export const BASE_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
});

/** Docker's default SHELL on Linux. */
export const DEFAULT_SHELL = ["/bin/sh", "-c"];

interface Stage {
  name: string | undefined;
  from: string | undefined;
  workdir: string;
  sawWorkdir: boolean;
  env: Record<string, string>;
  args: Record<string, string>;
  user: string;
  shell: string[];
  steps: DockerStep[];
  ignored: string[];
  unsupported: string[];
  errors: string[];
}

function resolvePath(p: string, workdir: string): string {
  const joined = p.startsWith("/") ? p : `${workdir.replace(/\/+$/, "")}/${p}`;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** `--name=value` flags at the start of an instruction's arguments, and the rest. */
function flags(args: string): { flags: Map<string, string[]>; rest: string } {
  const out = new Map<string, string[]>();
  let rest = args;
  for (let m = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(rest); m; m = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
    out.set(m[1] ?? "", [...(out.get(m[1] ?? "") ?? []), m[2] ?? "true"]);
    rest = rest.slice(m[0].length);
  }
  return { flags: out, rest };
}

export function parseDockerfile(text: string): DockerPlan {
  const stages: Stage[] = [];
  const globalArgs: Record<string, string> = {};
  let st: Stage | undefined;
  for (const ins of instructions(text)) {
    if (ins.keyword === "FROM") {
      st = fromStage(ins, stages, globalArgs);
      stages.push(st);
      continue;
    }
    if (!st && ins.keyword === "ARG") {
      for (const [k, v] of argPairs(ins.args, globalArgs)) globalArgs[k] = v ?? "";
      continue;
    }
    // Docker refuses a Dockerfile that does not start with FROM; FROM is ignored here anyway, so such a file gets
    // an implicit stage rather than losing its instructions.
    st ??= fromStage({ line: 0, keyword: "FROM", args: "", heredocs: [] }, stages, globalArgs);
    if (!stages.includes(st)) stages.push(st);
    apply(st, ins, globalArgs);
  }
  const last = st ?? fromStage({ line: 0, keyword: "FROM", args: "scratch", heredocs: [] }, [], {});
  const ignored = stages.filter((s) => s !== last && !inherits(last, s, stages)).map((s) => `stage ${s.name ?? "?"}`);
  return {
    from: last.from,
    workdir: last.sawWorkdir ? last.workdir : undefined,
    env: last.env,
    user: last.user,
    steps: last.steps,
    ignored: [...last.ignored, ...ignored.map((s) => `${s} (not the final stage; not built)`)],
    unsupported: last.unsupported,
    errors: stages.flatMap((s) => s.errors).filter((e, i, all) => all.indexOf(e) === i),
  };
}

function inherits(last: Stage, s: Stage, stages: Stage[]): boolean {
  for (let cur: Stage | undefined = last; cur; cur = stages.find((x) => x.name !== undefined && x.name === cur?.from)) {
    if (cur === s) return true;
    if (cur.from === undefined) break;
  }
  return false;
}

function fromStage(ins: Instruction, stages: Stage[], globalArgs: Record<string, string>): Stage {
  const ws = processWords(ins.args, globalArgs).filter((w) => !w.startsWith("--"));
  const image = ws[0];
  const name = ws[1]?.toUpperCase() === "AS" ? ws[2]?.toLowerCase() : undefined;
  const parent = stages.find((s) => s.name !== undefined && s.name === image?.toLowerCase());
  if (parent) {
    return {
      ...parent,
      name,
      env: { ...parent.env },
      args: {},
      steps: [...parent.steps],
      ignored: [...parent.ignored],
      unsupported: [...parent.unsupported],
      errors: [],
    };
  }
  return {
    name,
    from: image,
    workdir: "/",
    sawWorkdir: false,
    env: {},
    args: {},
    user: "",
    shell: DEFAULT_SHELL,
    steps: [],
    ignored: [],
    unsupported: [],
    errors: [],
  };
}

function argPairs(args: string, vars: Record<string, string>): [string, string | undefined][] {
  return processWords(args, vars).map((w) => {
    const eq = w.indexOf("=");
    return eq > 0 ? [w.slice(0, eq), w.slice(eq + 1)] : [w, undefined];
  });
}

function apply(st: Stage, ins: Instruction, globalArgs: Record<string, string>): void {
  const vars = { ...BASE_ENV, ...st.args, ...st.env };
  const state = (): StepState => ({
    line: ins.line,
    workdir: st.workdir,
    env: { ...st.args, ...st.env },
    user: st.user,
  });
  switch (ins.keyword) {
    case "WORKDIR":
      st.workdir = resolvePath(processWord(ins.args, vars), st.workdir);
      st.sawWorkdir = true;
      st.steps.push({ ...state(), kind: "workdir", path: st.workdir });
      return;
    case "ENV":
      for (const [k, v] of keyValues(ins.args, vars)) st.env[k] = v;
      return;
    case "ARG":
      for (const [k, v] of argPairs(ins.args, vars)) {
        const value = v ?? globalArgs[k] ?? st.args[k];
        if (value !== undefined) st.args[k] = value;
      }
      return;
    case "USER":
      st.user = processWord(ins.args, vars);
      return;
    case "SHELL": {
      const arr = jsonArray(ins.args);
      if (arr?.length) st.shell = arr;
      else st.ignored.push(`${ins.line}: SHELL ${ins.args} (SHELL must be a JSON array)`);
      return;
    }
    case "RUN":
      st.steps.push({ ...state(), kind: "run", ...runCommand(st, ins) });
      return;
    case "COPY":
    case "ADD":
      copyStep(st, ins, vars, state());
      return;
    default:
      // BuildKit parses any word as an instruction and then refuses an unknown one ("unknown instruction: X"),
      // whatever stage it is in.
      if (NO_EFFECT.has(ins.keyword)) st.ignored.push(`${ins.line}: ${ins.keyword} ${ins.args}`.slice(0, 200));
      else st.errors.push(`line ${ins.line}: unknown instruction: ${ins.keyword}`);
  }
}

function runCommand(st: Stage, ins: Instruction): { argv: string[]; command: string; needsNetwork: boolean } {
  const body = flags(ins.args).rest;
  const arr = jsonArray(body);
  if (arr && !ins.heredocs.length) {
    const command = arr.join(" ");
    return { argv: arr, command, needsNetwork: needsNetwork(command) };
  }
  let command = body;
  if (ins.heredocs.length) {
    // `RUN <<EOT` alone runs the heredoc as the script; `RUN python3 <<EOT` feeds it to the command, which is
    // what the shell does with the same text.
    command =
      splitHeredocs(body).others.length === 0 && ins.heredocs.length === 1
        ? (ins.heredocs[0]?.body ?? "")
        : `${body}\n${ins.heredocs.map((h) => `${h.body}${h.name}`).join("\n")}`;
  }
  return { argv: [...st.shell, command], command, needsNetwork: needsNetwork(command) };
}

function copyStep(st: Stage, ins: Instruction, vars: Record<string, string>, state: StepState): void {
  const parsed = flags(ins.args);
  const one = (name: string) => {
    const v = parsed.flags.get(name)?.at(-1);
    return v === undefined ? undefined : processWord(v, vars);
  };
  const chown = one("chown");
  const chmod = one("chmod");
  const words = jsonArray(parsed.rest) ?? processWords(parsed.rest, vars);
  const doc = ins.heredocs[0];
  const fileDest = doc && ins.heredocs.length === 1 ? splitHeredocs(parsed.rest).others : [];
  if (doc && fileDest.length === 1) {
    st.steps.push({
      ...state,
      kind: "file",
      dest: absoluteDest(processWord(fileDest[0] ?? "", vars), state.workdir),
      content: doc.body,
      ...(chown ? { chown } : {}),
      ...(chmod ? { chmod } : {}),
    });
    return;
  }
  const text = `${ins.line}: ${ins.keyword} ${ins.args}`.slice(0, 200);
  const from = one("from");
  if (from !== undefined) {
    st.unsupported.push(`${text} (COPY --from=${from}: another stage or image is not built locally)`);
    return;
  }
  const dest = words.pop();
  if (dest === undefined || words.length === 0) {
    st.unsupported.push(`${text} (${ins.keyword} needs a source and a destination)`);
    return;
  }
  const unpack = one("unpack");
  st.steps.push({
    ...state,
    kind: "copy",
    op: ins.keyword === "ADD" ? "ADD" : "COPY",
    sources: words,
    dest: absoluteDest(dest, state.workdir),
    exclude: (parsed.flags.get("exclude") ?? []).map((e) => processWord(e, vars)),
    ...(chown ? { chown } : {}),
    ...(chmod ? { chmod } : {}),
    ...(unpack === undefined ? {} : { unpack: unpack !== "false" }),
  });
}

function absoluteDest(d: string, workdir: string): string {
  const { path, isDir } = copyDestination({ dest: d, workdir });
  return isDir && path !== "/" ? `${path}/` : path;
}

/** Absolute destination of a COPY/ADD step, keeping Docker's meaning of a trailing slash (or "." / ""). */
export function copyDestination(step: { dest: string; workdir: string }): { path: string; isDir: boolean } {
  const d = step.dest;
  const isDir = d.endsWith("/") || d === "." || d === "" || d.endsWith("/.");
  return { path: resolvePath(d, step.workdir), isDir };
}
