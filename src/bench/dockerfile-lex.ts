/**
 * The Dockerfile's own lexing: instructions (continuation lines joined, comments dropped, BuildKit heredocs read) and
 * the word processing the builder applies to the instructions that support environment replacement (ADD, COPY, ENV,
 * USER, WORKDIR, ... — Dockerfile reference, "Environment replacement"): `$var`, `${var}`, `${var:-word}`,
 * `${var-word}`, `${var:+word}`, `${var+word}`, an unset variable expanding to nothing, `\$` escaping, single quotes
 * literal, double quotes grouping with expansion, backslash escapes, as BuildKit's shell lexer
 * (frontend/dockerfile/shell/lex.go) does. RUN is not expanded here: its shell does it.
 */

export interface Instruction {
  line: number;
  keyword: string;
  args: string;
  /** BuildKit heredocs opened on the instruction line (`RUN <<EOT`, `COPY <<EOF /path`), in order. */
  heredocs: Heredoc[];
}

export interface Heredoc {
  name: string;
  body: string;
}

/** A line continuation: the escape character at the end of a line, blanks after it allowed. */
const CONTINUATION = /\\[ \t]*$/;

/** A shell word that opens a heredoc: `[fd]<<[-][blanks]WORD` (BuildKit's parser, reHeredoc). */
const OPENER = /^(\d*)<<(-?)[ \t]*([^<]*)$/;

/**
 * An instruction's arguments split as BuildKit splits them to find heredocs (frontend/dockerfile/parser
 * heredocsFromLine; shell/lex.go): shell words with their quotes and escapes kept, a `<<` taking the blanks after
 * it into its word (so `<< 'EOF'` is one word, as BuildKit allows since dockerfile 1.15). A word that matches
 * OPENER with a single word after it opens a heredoc: `<<EOF`, `<<-EOF`, `<< 'EOF'`, `2<<"EOF"`; a here-string
 * (`<<<`), a `<<` inside quotes and one inside a word (`cat<<EOF`) do not. `others` are the remaining words.
 */
export function splitHeredocs(args: string): { openers: { name: string; chomp: boolean }[]; others: string[] } {
  const openers: { name: string; chomp: boolean }[] = [];
  const others: string[] = [];
  for (const w of rawWords(args)) {
    const m = OPENER.exec(w);
    const names = m?.[3] ? processWords(m[3], {}) : [];
    if (m && names.length === 1) openers.push({ name: names[0] ?? "", chomp: m[2] === "-" });
    else others.push(w);
  }
  return { openers, others };
}

function rawWords(s: string): string[] {
  const out: string[] = [];
  let w = "";
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? "";
    if (quote) {
      w += c;
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < s.length) w += s[++i];
    } else if (c === "'" || c === '"') {
      quote = c;
      w += c;
    } else if (c === "\\" && i + 1 < s.length) {
      w += c + s[++i];
    } else if (c === "<" && s[i + 1] === "<") {
      w += "<<";
      i++;
      if (s[i + 1] === "-") w += s[++i];
      while (s[i + 1] === " " || s[i + 1] === "\t") w += s[++i];
    } else if (/\s/.test(c)) {
      if (w) out.push(w);
      w = "";
    } else {
      w += c;
    }
  }
  if (w) out.push(w);
  return out;
}

/** Join continuation lines, read heredoc bodies, drop comments and parser directives; keeps each first line number. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let buf = "";
  let start = 0;
  const push = (i: number): number => {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(buf);
    buf = "";
    if (!m) return i;
    const keyword = (m[1] ?? "").toUpperCase();
    const heredocs: Heredoc[] = [];
    if (keyword === "RUN" || keyword === "COPY" || keyword === "ADD") {
      for (const h of splitHeredocs(m[2] ?? "").openers) {
        const body: string[] = [];
        for (i++; i < lines.length; i++) {
          const l = lines[i] ?? "";
          if ((h.chomp ? l.replace(/^\t+/, "") : l) === h.name) break;
          body.push(h.chomp ? l.replace(/^\t+/, "") : l);
        }
        heredocs.push({ name: h.name, body: body.length ? `${body.join("\n")}\n` : "" });
      }
    }
    out.push({ line: start, keyword, args: (m[2] ?? "").trim(), heredocs });
    return i;
  };
  // As BuildKit's parser does: a line ending in `\` (then blanks) continues on the next line, joined with nothing
  // in between (the shell sees one line, so `\` + newline + `&& cmd` is `... && cmd`); comment lines and empty
  // lines inside a continued instruction are skipped.
  let continued = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (!continued) start = i + 1;
    continued = CONTINUATION.test(raw);
    buf += raw.replace(CONTINUATION, "");
    if (!continued) i = push(i);
  }
  if (buf.trim() !== "") push(lines.length);
  return out;
}

/** A JSON array of strings (exec form), else undefined. */
export function jsonArray(s: string): string[] | undefined {
  if (!s.startsWith("[")) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

type Vars = Readonly<Record<string, string>>;

/**
 * Split `s` into words with quotes removed and variables expanded from `vars` (an unset variable is empty). The
 * expansion of a variable is not split further (BuildKit keeps `$A` with spaces as one word inside a word).
 */
export function processWords(s: string, vars: Vars): string[] {
  const out: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const end = () => {
    if (inWord) out.push(word);
    word = "";
    inWord = false;
  };
  while (i < s.length) {
    const c = s[i] ?? "";
    if (/\s/.test(c)) {
      end();
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const close = s.indexOf("'", i + 1);
      const stop = close < 0 ? s.length : close;
      word += s.slice(i + 1, stop);
      i = stop + 1;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\" && i + 1 < s.length && /["\\$]/.test(s[i + 1] ?? "")) {
          word += s[i + 1];
          i += 2;
        } else if (s[i] === "$") {
          const [v, next] = variable(s, i, vars);
          word += v;
          i = next;
        } else {
          word += s[i];
          i++;
        }
      }
      i++;
    } else if (c === "\\" && i + 1 < s.length) {
      word += s[i + 1];
      i += 2;
    } else if (c === "$") {
      const [v, next] = variable(s, i, vars);
      word += v;
      i = next;
    } else {
      word += c;
      i++;
    }
  }
  end();
  return out;
}

/** One word: `processWords` joined back (for WORKDIR, USER and similar single-value instructions). */
export function processWord(s: string, vars: Vars): string {
  return processWords(s, vars).join(" ");
}

/** `$name`, `${name}` or `${name<op>word}` at s[i] === "$"; returns the value and the index after it. */
function variable(s: string, i: number, vars: Vars): [string, number] {
  if (s[i + 1] === "{") {
    const close = matchingBrace(s, i + 2);
    const body = s.slice(i + 2, close);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([\s\S]*))?$/.exec(body);
    if (!m) return [s.slice(i, close + 1), close + 1];
    const name = m[1] ?? "";
    const set = Object.hasOwn(vars, name);
    const value = vars[name] ?? "";
    const op = m[2];
    const word = () => processWord(m[3] ?? "", vars);
    if (op === ":-") return [set && value !== "" ? value : word(), close + 1];
    if (op === "-") return [set ? value : word(), close + 1];
    if (op === ":+") return [set && value !== "" ? word() : "", close + 1];
    if (op === "+") return [set ? word() : "", close + 1];
    return [value, close + 1];
  }
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i + 1));
  if (!m) return ["$", i + 1];
  return [vars[m[0]] ?? "", i + 1 + m[0].length];
}

function matchingBrace(s: string, from: number): number {
  let depth = 1;
  for (let j = from; j < s.length; j++) {
    if (s[j] === "{") depth++;
    else if (s[j] === "}" && --depth === 0) return j;
  }
  return s.length;
}

/**
 * ENV/ARG pairs: `key=value ...` (values processed as words), or the legacy `ENV key value words` form (one variable,
 * the rest of the line as its value). Every value sees the variables as they were before this instruction.
 */
export function keyValues(args: string, vars: Vars): [string, string][] {
  const legacy = /^(\S+)\s+/.exec(args);
  if (legacy && !(legacy[1] ?? "").includes("=")) {
    return [[legacy[1] ?? "", processWord(args.slice(legacy[0].length), vars)]];
  }
  const out: [string, string][] = [];
  for (const w of processWords(args, vars)) {
    const eq = w.indexOf("=");
    if (eq > 0) out.push([w.slice(0, eq), w.slice(eq + 1)]);
    else if (w) out.push([w, ""]);
  }
  return out;
}
