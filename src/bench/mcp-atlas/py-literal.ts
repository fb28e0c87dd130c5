/**
 * A reader for the Python literals MCP-Atlas files carry: GTFA_CLAIMS cells written with `str(list)` (single
 * quotes) and the `CRITERIA = [...]` line its Harbor converter writes into tests/agent_judge.py with `repr()`.
 * What `ast.literal_eval` accepts for those: strings ('…', "…", with \-escapes, adjacent ones concatenated),
 * numbers, True/False/None, lists, tuples and dicts. Anything else is an error with the offset.
 */
export class PyLiteralError extends Error {}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0" };

export function parsePyLiteral(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new PyLiteralError(`${what} at offset ${i}`);
  };
  const skip = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === "#") while (i < text.length && text[i] !== "\n") i++;
      else if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
      else break;
    }
  };
  const str = (): string => {
    const q = text[i] as string;
    const triple = text.startsWith(q.repeat(3), i);
    const end = triple ? q.repeat(3) : q;
    i += end.length;
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      if (text.startsWith(end, i)) {
        i += end.length;
        return out;
      }
      const c = text[i] as string;
      if (c === "\\") {
        const n = text[i + 1] ?? "";
        if (n === "x" || n === "u" || n === "U") {
          const len = n === "x" ? 2 : n === "u" ? 4 : 8;
          const hex = text.slice(i + 2, i + 2 + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail("bad escape");
          out += String.fromCodePoint(Number.parseInt(hex, 16));
          i += 2 + len;
        } else if (n === "\n") {
          i += 2;
        } else {
          out += ESCAPES[n] ?? `\\${n}`;
          i += 2;
        }
        continue;
      }
      if (!triple && c === "\n") fail("newline in string");
      out += c;
      i++;
    }
  };
  const seq = (close: string): unknown[] => {
    i++;
    const out: unknown[] = [];
    for (;;) {
      skip();
      if (text[i] === close) {
        i++;
        return out;
      }
      out.push(value());
      skip();
      if (text[i] === ",") i++;
      else if (text[i] !== close) fail(`expected , or ${close}`);
    }
  };
  const dict = (): Record<string, unknown> => {
    i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      skip();
      if (text[i] === "}") {
        i++;
        return out;
      }
      const key = value();
      skip();
      if (text[i] !== ":") fail("expected :");
      i++;
      out[String(key)] = value();
      skip();
      if (text[i] === ",") i++;
      else if (text[i] !== "}") fail("expected , or }");
    }
  };
  const value = (): unknown => {
    skip();
    const c = text[i];
    if (c === "'" || c === '"') {
      let s = str();
      for (;;) {
        const save = i;
        skip();
        if (text[i] === "'" || text[i] === '"') s += str();
        else {
          i = save;
          return s;
        }
      }
    }
    if (c === "[") return seq("]");
    if (c === "(") return seq(")");
    if (c === "{") return dict();
    const word = /^(True|False|None)\b/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      return word[0] === "True" ? true : word[0] === "False" ? false : null;
    }
    const num = /^-?(\d[\d_]*)(\.\d*)?([eE][-+]?\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return Number(num[0].replaceAll("_", ""));
    }
    return fail("unexpected character");
  };
  const v = value();
  skip();
  if (i !== text.length) fail("trailing text");
  return v;
}

/** The literal assigned to `name` at the start of a line in Python source (`NAME = [...]`), parsed. */
export function pyAssignment(source: string, name: string): unknown {
  const m = new RegExp(`^${name}\\s*=\\s*`, "m").exec(source);
  if (!m) throw new PyLiteralError(`no \`${name} = …\` line`);
  const start = m.index + m[0].length;
  // The literal ends where the parser stops: try successively longer prefixes ending at a line end.
  let end = source.indexOf("\n", start);
  for (;;) {
    const slice = source.slice(start, end === -1 ? undefined : end);
    try {
      return parsePyLiteral(slice);
    } catch (err) {
      if (end === -1) throw err;
      end = source.indexOf("\n", end + 1);
    }
  }
}

/** `NAME = <JSON>` (json.dumps output, possibly over several lines) or, failing that, a Python literal. */
export function jsonOrPyAssignment(source: string, name: string): unknown {
  const m = new RegExp(`^${name}\\s*=\\s*`, "m").exec(source);
  if (!m) throw new PyLiteralError(`no \`${name} = …\` line`);
  const start = m.index + m[0].length;
  let end = source.indexOf("\n", start);
  for (;;) {
    try {
      return JSON.parse(source.slice(start, end === -1 ? undefined : end));
    } catch {
      if (end === -1) break;
      end = source.indexOf("\n", end + 1);
    }
  }
  return pyAssignment(source, name);
}
