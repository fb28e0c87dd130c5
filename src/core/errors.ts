/**
 * Typed errors. Every error knows whether retrying can help, and how the CLI should exit for it.
 * Exit codes are a contract (ARCHITECTURE.md): 0 done; 1 internal; 2 usage/config; 3 provider after retries;
 * 4 budget; 5 step limit; 6 loop guard; 7 timeout; 8 denied by policy; 9 the run ended but its review could not be
 * written (its changes are kept, nothing was applied); 10 the model refused (or the provider filtered its answer).
 */

export const EXIT = {
  done: 0,
  internal: 1,
  usage: 2,
  provider: 3,
  budget: 4,
  steps: 5,
  loop: 6,
  timeout: 7,
  denied: 8,
  review: 9,
  refused: 10,
} as const;

export class SwitchyardError extends Error {
  readonly retryable: boolean;
  readonly exitCode: number;
  /** What the user should do about it, one line. */
  readonly hint: string | undefined;
  constructor(message: string, opts: { retryable?: boolean; exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.retryable = opts.retryable ?? false;
    this.exitCode = opts.exitCode ?? EXIT.internal;
    this.hint = opts.hint;
  }
}

/** Bad flags, config or input files. Names the file and field and says how to fix it. */
export class ConfigError extends SwitchyardError {
  readonly file: string | undefined;
  readonly field: string | undefined;
  constructor(message: string, opts: { file?: string; field?: string; hint?: string; cause?: unknown } = {}) {
    super(message, { exitCode: EXIT.usage, retryable: false, ...opts });
    this.file = opts.file;
    this.field = opts.field;
  }
}

export type ProviderErrorKind =
  | "rate_limit"
  | "quota"
  | "overloaded"
  | "server"
  | "timeout"
  | "network"
  | "stream_cut"
  | "auth"
  | "permission"
  | "not_found"
  | "invalid_request"
  | "context_overflow"
  | "aborted"
  | "protocol";

const RETRYABLE_KINDS: ReadonlySet<ProviderErrorKind> = new Set([
  "rate_limit",
  "overloaded",
  "server",
  "timeout",
  "network",
  "stream_cut",
]);

export class ProviderError extends SwitchyardError {
  readonly kind: ProviderErrorKind;
  readonly status: number | undefined;
  readonly provider: string;
  readonly requestId: string | undefined;
  /** Server-advised wait before retrying (retry-after-ms / retry-after). */
  readonly retryAfterMs: number | undefined;
  constructor(
    kind: ProviderErrorKind,
    message: string,
    opts: {
      provider: string;
      status?: number;
      requestId?: string;
      retryAfterMs?: number;
      retryable?: boolean;
      hint?: string;
      cause?: unknown;
    },
  ) {
    super(message, {
      retryable: opts.retryable ?? RETRYABLE_KINDS.has(kind),
      exitCode: EXIT.provider,
      ...(opts.hint === undefined ? {} : { hint: opts.hint }),
      cause: opts.cause,
    });
    this.kind = kind;
    this.status = opts.status;
    this.provider = opts.provider;
    this.requestId = opts.requestId;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** A tool failure the model can correct: returned to it as an error tool result, never ends the run. */
export class ToolError extends SwitchyardError {}

/** A tool failure that ends the run with a typed end state (e.g. sandbox unavailable, denied headless approval). */
export class FatalToolError extends SwitchyardError {}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
