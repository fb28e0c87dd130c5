import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import { PROTOCOLS } from "./messages.ts";
import { ANTHROPIC_COMPUTER_TOOLS, REASONING_LEVELS } from "./model.ts";
import { declareSecretNames } from "./redact.ts";
import { locateKey } from "./toml-locate.ts";

/**
 * switchyard.toml: one zod schema with defaults in code. Unknown keys are errors. Precedence:
 * flags > env > project file (./switchyard.toml) > user file (~/.config/switchyard/config.toml) > defaults.
 * Each subsystem receives only its slice.
 */

const PriceSchema = z.strictObject({
  input: z.number().nonnegative(),
  cached_input: z.number().nonnegative().optional(),
  cache_write: z.number().nonnegative().optional(),
  /** 1-hour cache writes (Anthropic). */
  cache_write_long: z.number().nonnegative().optional(),
  output: z.number().nonnegative(),
  source: z.string().optional(),
  /** Rates for a call whose prompt is above `above` tokens (the whole call is billed at them). */
  long_context: z
    .strictObject({
      above: z.number().int().positive(),
      input: z.number().nonnegative(),
      cached_input: z.number().nonnegative().optional(),
      cache_write: z.number().nonnegative().optional(),
      cache_write_long: z.number().nonnegative().optional(),
      output: z.number().nonnegative(),
      source: z.string().optional(),
    })
    .optional(),
  /** Service tiers ("batch", "flex", "priority" …) as a factor on every rate. */
  tiers: z
    .record(z.string(), z.strictObject({ factor: z.number().positive(), source: z.string().optional() }))
    .optional(),
});

const NATIVE_KINDS = [
  "openai.shell",
  "openai.apply_patch",
  "openai.computer",
  "anthropic.bash",
  "anthropic.text_editor",
  "anthropic.computer",
] as const;

export const ModelEntrySchema = z.strictObject({
  id: z.string().min(1),
  context_window: z.number().int().positive().optional(),
  max_output_tokens: z.number().int().positive().optional(),
  price: PriceSchema.optional(),
  native_tools: z.array(z.enum(NATIVE_KINDS)).optional(),
  computer_use: z.boolean().optional(),
  images: z.boolean().optional(),
  reasoning: z.boolean().optional(),
  aliases: z.array(z.string()).optional(),
  fallbacks: z.array(z.string()).optional(),
  /** How a reasoning level is sent (docs/providers.md, "Reasoning"): an effort or level list, or a token budget. */
  reasoning_control: z
    .strictObject({ kind: z.enum(["effort", "budget", "level"]), values: z.array(z.string()).optional() })
    .optional(),
  /** Anthropic computer-use tool version (computer_20251124 or computer_20250124); the beta header follows. */
  computer_tool: z.enum(ANTHROPIC_COMPUTER_TOOLS).optional(),
  /** Chat Completions: send `reasoning_content` back on assistant tool-call turns (DeepSeek thinking mode). */
  replay_reasoning_content: z.boolean().optional(),
});

export const ProviderEntrySchema = z.strictObject({
  protocol: z.enum(PROTOCOLS),
  base_url: z.url().optional(),
  api_key_env: z.string().optional(),
  /** gemini protocol: the API version (default v1beta; environment variables such as GOOGLE_GENAI_API_VERSION are ignored). */
  api_version: z.enum(["v1beta", "v1", "v1alpha"]).optional(),
  models: z.array(ModelEntrySchema).default([]),
});

export const McpServerSchema = z
  .strictObject({
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
    url: z.url().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    /** Run a stdio server on the host instead of inside the run's sandbox. */
    host: z.boolean().default(false),
    allow: z.array(z.string()).optional(),
    deny: z.array(z.string()).default([]),
    startup_timeout_ms: z.number().int().positive().default(10_000),
    call_timeout_ms: z.number().int().positive().default(60_000),
  })
  .refine((s) => (s.command === undefined) !== (s.url === undefined), {
    message: "set exactly one of `command` (stdio) or `url` (streamable HTTP)",
  });

/** Responses `context_management.compact_threshold` minimum (openai-openapi openapi.yaml: `minimum: 1000`). */
export const MIN_COMPACT_THRESHOLD = 1000;

export const ResponsesConfigSchema = z.strictObject({
  /**
   * stateless (default): `store: false`, the full history every turn, reasoning round-tripped encrypted.
   * stateful: `store: true` + `previous_response_id`, only the new items are sent; OpenAI keeps the conversation.
   */
  mode: z.enum(["stateless", "stateful"]).default("stateless"),
  /** Server-side compaction (`context_management`) once the rendered context passes this many tokens. */
  compact_threshold: z.number().int().min(MIN_COMPACT_THRESHOLD).optional(),
});

export const ConfigSchema = z.strictObject({
  model: z.string().optional(),
  providers: z.record(z.string(), ProviderEntrySchema).default({}),
  /** Overrides and additions to built-in providers' models, keyed by provider name (e.g. "openai"). */
  models: z.record(z.string(), z.array(ModelEntrySchema)).default({}),
  run: z
    .strictObject({
      max_steps: z.number().int().positive().default(100),
      max_tokens: z.number().int().positive().optional(),
      budget_usd: z.number().positive().optional(),
      timeout_s: z.number().positive().default(3600),
      sandbox: z.enum(["bwrap", "host"]).default("bwrap"),
      network: z.boolean().default(false),
      bash_timeout_s: z.number().positive().max(600).default(120),
      memory_mb: z.number().int().positive().default(4096),
      max_processes: z.number().int().positive().default(512),
      /** Reasoning level for every model call (`--reasoning`); mapped per protocol and model (docs/providers.md). */
      reasoning: z.enum(REASONING_LEVELS).optional(),
      /** Output tokens one model response may have (sent as the request's max output tokens). */
      max_response_tokens: z.number().int().positive().optional(),
      /** Bytes one streamed response may carry before it is stopped. */
      max_response_bytes: z
        .number()
        .int()
        .positive()
        .default(4 * 1024 * 1024),
      /** Seconds one model response may take. */
      response_timeout_s: z.number().positive().default(900),
      /** The run's disk quota in MB: workspace copy, /tmp and $HOME together (a loop-mounted file system). */
      disk_mb: z.number().int().positive().default(10240),
    })
    .default({
      max_steps: 100,
      timeout_s: 3600,
      sandbox: "bwrap",
      network: false,
      bash_timeout_s: 120,
      memory_mb: 4096,
      max_processes: 512,
      max_response_bytes: 4 * 1024 * 1024,
      response_timeout_s: 900,
      disk_mb: 10240,
    }),
  policy: z
    .strictObject({
      approval: z.enum(["never", "on-request", "untrusted"]).default("never"),
      /** Command patterns (globs on the command line) that are always allowed. */
      allow: z.array(z.string()).default([]),
      /** Command patterns always denied. Deny wins over allow. */
      deny: z.array(z.string()).default([]),
    })
    .default({ approval: "never", allow: [], deny: [] }),
  router: z
    .strictObject({
      /** Task class → model ref, overriding the built-in rules. */
      rules: z.record(z.string(), z.string()).default({}),
      /** Model ref → ordered fallbacks. */
      fallbacks: z.record(z.string(), z.array(z.string())).default({}),
      /** Minimum trials per class before bench evidence is trusted. */
      min_trials: z.number().int().positive().default(5),
      /** Evidence routing ignores models whose observed pass rate for the class is below this (0–1). */
      min_pass_rate: z.number().min(0).max(1).optional(),
      default: z.string().optional(),
      /**
       * Bench evidence the router uses besides comparable trials (this project, real endpoints, full fidelity):
       * "loopback", "reduced", "other-projects", "unknown" (no provenance), or "all".
       */
      include_evidence: z.array(z.enum(["loopback", "reduced", "other-projects", "unknown", "all"])).default([]),
    })
    .default({ rules: {}, fallbacks: {}, min_trials: 5, include_evidence: [] }),
  /** The bench results store: "project" (<project>/.switchyard/results.sqlite), "user" (user-wide) or a path. */
  results: z
    .strictObject({
      store: z.string().min(1).default("project"),
    })
    .default({ store: "project" }),
  computer: z
    .strictObject({
      width: z.number().int().positive().default(1280),
      height: z.number().int().positive().default(800),
      keep_screenshots: z.number().int().nonnegative().default(3),
      /** The browser's start page when a run gives no --url (and its spec no computer_url). */
      url: z.string().min(1).optional(),
    })
    .default({ width: 1280, height: 800, keep_screenshots: 3 }),
  mcpServers: z.record(z.string(), McpServerSchema).default({}),
  /** OpenAI Responses API options for models on the openai-responses protocol (docs/providers.md). */
  responses: ResponsesConfigSchema.default({ mode: "stateless" }),
  /**
   * Installed bench agents (`--agent codex:…`): `[installed_agents.codex] version = "0.170.0"` pins another CLI
   * version than the built-in one (src/bench/agents/catalog.ts).
   */
  installed_agents: z
    .partialRecord(
      z.enum(["codex", "claude-code", "gemini-cli", "opencode", "pi"]),
      z.strictObject({ version: z.string().min(1) }),
    )
    .default({}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type McpServerConfig = z.infer<typeof McpServerSchema>;
export type ProviderEntry = z.infer<typeof ProviderEntrySchema>;
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

/**
 * Render a zod issue list as "file: field: message" lines with a fix; given the file's TOML `text`, each line
 * also names the line the field is on ("file:LINE: field: message").
 */
export function formatIssues(file: string, error: z.ZodError, text?: string): string {
  return error.issues
    .map((i) => {
      const field = i.path.length ? i.path.map(String).join(".") : "(top level)";
      const keys = i.code === "unrecognized_keys" ? i.keys : [];
      const line = text === undefined ? undefined : locateKey(text, [...i.path.map(String), ...keys.slice(0, 1)]);
      return `${file}${line === undefined ? "" : `:${line}`}: ${field}: ${i.message}`;
    })
    .join("\n");
}

/** Validate `data` against `schema`, throwing a ConfigError that names file and field. */
export function parseWith<T>(schema: z.ZodType<T>, data: unknown, file: string, hint?: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  throw new ConfigError(formatIssues(file, r.error), {
    file,
    ...(first ? { field: first.path.map(String).join(".") } : {}),
    hint: hint ?? "fix the field named above (see README: Configuration)",
  });
}

function readToml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`, { file });
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw tomlSyntaxError(file, err);
  }
}

/** A TOML parse error (smol-toml's, with line and column) as "file:line:column: not valid TOML: …". */
export function tomlSyntaxError(file: string, err: unknown, hintSuffix = ""): ConfigError {
  const e = err as Error & { line?: number; column?: number };
  const where = e.line === undefined ? "" : `:${e.line}${e.column === undefined ? "" : `:${e.column}`}`;
  const what = e.message.split("\n")[0]?.replace(/^Invalid TOML document: /, "") ?? "syntax error";
  return new ConfigError(`${file}${where}: not valid TOML: ${what}`, {
    file,
    hint: `fix the TOML syntax at ${e.line === undefined ? "the place named above" : `line ${e.line}`}${hintSuffix}`,
  });
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)) {
      out[k] = deepMerge(b as Record<string, unknown>, v as Record<string, unknown>);
    } else {
      out[k] = v;
    }
  }
  return out;
}

export interface LoadConfigOptions {
  /** Project directory holding switchyard.toml; defaults to cwd. */
  projectDir?: string;
  /** Explicit config file (--config); replaces the project file. */
  file?: string;
  /** Skip the user file (tests). */
  skipUser?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "switchyard", "config.toml");
}

/** Load and validate config files (user, then project or explicit file). Each file is validated on its own so errors name it. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const files: string[] = [];
  if (!opts.skipUser && !env.SWITCHYARD_NO_USER_CONFIG) {
    const u = userConfigPath(env);
    if (existsSync(u)) files.push(u);
  }
  if (opts.file) {
    if (!existsSync(opts.file)) {
      throw new ConfigError(`config file not found: ${opts.file}`, {
        file: opts.file,
        hint: "check the --config path",
      });
    }
    files.push(opts.file);
  } else {
    const p = join(opts.projectDir ?? process.cwd(), "switchyard.toml");
    if (existsSync(p)) files.push(p);
  }
  let merged: Record<string, unknown> = {};
  for (const f of files) {
    const data = readToml(f);
    const r = ConfigSchema.safeParse(data);
    if (!r.success) {
      const first = r.error.issues[0];
      throw new ConfigError(formatIssues(f, r.error, readFileSync(f, "utf8")), {
        file: f,
        ...(first ? { field: first.path.map(String).join(".") } : {}),
        hint: r.error.issues.some((i) => i.code === "unrecognized_keys")
          ? "remove or rename the unknown key named above (unknown keys are rejected)"
          : "fix the field named above",
      });
    }
    merged = deepMerge(merged, data);
  }
  const config = ConfigSchema.parse(merged);
  // Every configured key variable is a secret: redacted everywhere and kept out of sandboxes (core/redact.ts).
  declareSecretNames(keyVariables(config));
  return config;
}

/** The key variables the configuration names (`api_key_env` of each custom provider). */
export function keyVariables(config: Pick<Config, "providers">): string[] {
  return Object.values(config.providers).flatMap((p) => (p.api_key_env ? [p.api_key_env] : []));
}

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}
