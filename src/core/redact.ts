/**
 * The one secret redactor for every byte Switchyard writes or prints: transcripts, run.json, summary.json, bench
 * result files and reports, and (through installOutputRedaction) everything on stdout and stderr.
 *
 * What is a secret:
 * - the value of any environment variable whose name looks like a credential (SECRET_NAME: KEY, TOKEN, SECRET,
 *   PASSWORD, PASSWD, CREDENTIAL) or that the configuration names as a key variable (`api_key_env` of a custom
 *   provider, declared with declareSecretNames by loadConfig), when it has at least 8 characters: each
 *   occurrence becomes `[REDACTED:<NAME>]`, also as it appears inside a JSON string;
 * - common key shapes even when not in the environment (a model running `cat .env`): OpenAI/Anthropic `sk-…`,
 *   Google `AIza…`, GitHub `ghp_…`/`gho_…`/`ghs_…`/`ghu_…`/`ghr_…`/`github_pat_…`, GitLab `glpat-…`, Hugging Face
 *   `hf_…`, Slack `xox?-…`/`xapp-…`, AWS `AKIA…`/`ASIA…`, PEM private key blocks, the password in
 *   `scheme://user:password@host`, and `Bearer <token>` → `[REDACTED]`.
 * diff.patch and the run's copy are not redacted: they are the user's own code and must apply as they are.
 */
export const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;

const MIN_SECRET_LENGTH = 8;

/** Variable names declared secret by configuration (process-wide: every redactor and every sandbox sees them). */
const declared = new Set<string>();

/** Declare variable names whose values are secrets whatever they are called (e.g. `api_key_env = "LLM_AUTH"`). */
export function declareSecretNames(names: Iterable<string | undefined>): void {
  for (const n of names) if (n) declared.add(n);
}

/** True for a variable whose value must never reach a sandbox, a model or a file. */
export function isSecretName(name: string, extra: readonly string[] = []): boolean {
  return SECRET_NAME.test(name) || declared.has(name) || extra.includes(name);
}

/** `env` without the variables that hold secrets (see isSecretName). */
export function withoutSecrets(env: NodeJS.ProcessEnv, extra: readonly string[] = []): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!isSecretName(name, extra)) out[name] = value;
  return out;
}

/**
 * Where a key may start: not after a word character, or right after a JSON escape such as `\n` (a key at the
 * start of a line of tool output is `...\nsk-...` in a transcript line, where `\b` finds no boundary).
 */
const START = String.raw`(?:(?<![A-Za-z0-9_])|(?<=\\[nrtbf]))`;
const shape = (source: string, flags = "g") => new RegExp(START + source, flags);

const PATTERNS: RegExp[] = [
  shape("sk-[A-Za-z0-9_-]{16,}"),
  shape("AIza[0-9A-Za-z_-]{30,}"),
  shape("gh[oprsu]_[A-Za-z0-9]{30,}"),
  shape("github_pat_[A-Za-z0-9_]{30,}"),
  shape("glpat-[A-Za-z0-9_-]{20,}"),
  shape("hf_[A-Za-z0-9]{30,}"),
  shape("xox[abprs]-[A-Za-z0-9-]{10,}"),
  shape("xapp-[A-Za-z0-9-]{10,}"),
  shape("(AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])"),
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /(?<=[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'\\]+:)[^\s/@"'\\]{3,}(?=@)/gi,
  /(?<=Bearer )[A-Za-z0-9._~+/=-]{16,}/g,
];

export type Redactor = (text: string) => string;

/** A redactor over the secrets in `env` (default process.env), declared names and `opts.names` included. */
export function createRedactor(
  env: NodeJS.ProcessEnv = process.env,
  opts: { names?: readonly string[] } = {},
): Redactor {
  const secrets: Array<{ value: string; label: string }> = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_SECRET_LENGTH || !isSecretName(name, opts.names)) continue;
    const label = `[REDACTED:${name}]`;
    secrets.push({ value, label });
    // The same secret as it appears inside a JSON string literal.
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) secrets.push({ value: escaped, label });
  }
  // Longest first, so a secret that contains another is replaced whole.
  secrets.sort((a, b) => b.value.length - a.value.length);
  return (text: string) => {
    let out = text;
    for (const s of secrets) if (out.includes(s.value)) out = out.split(s.value).join(s.label);
    for (const re of PATTERNS) out = out.replace(re, "[REDACTED]");
    return out;
  };
}

/** Redact with process.env and every declared name (for writers that have no redactor of their own). */
export function redactText(text: string): string {
  return createRedactor(process.env)(text);
}

const installed = new WeakSet<NodeJS.WriteStream>();

/**
 * Route every write to stdout and stderr through the redactor (built per write, so names declared after
 * installation count). A secret split across two writes is not seen; Switchyard writes whole lines.
 */
export function installOutputRedaction(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (installed.has(stream)) continue;
    installed.add(stream);
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    const wrapped = (chunk: unknown, ...rest: unknown[]): boolean => {
      if (typeof chunk === "string") return write(redactText(chunk), ...rest);
      if (chunk instanceof Uint8Array) {
        const encoding = typeof rest[0] === "string" ? rest.slice(1) : rest;
        return write(redactText(Buffer.from(chunk).toString("utf8")), "utf8", ...encoding);
      }
      return write(chunk, ...rest);
    };
    stream.write = wrapped as typeof stream.write;
  }
}
