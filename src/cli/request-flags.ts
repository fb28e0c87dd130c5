import type { Config } from "../core/config.ts";
import { MIN_COMPACT_THRESHOLD } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import { REASONING_LEVELS, type ReasoningLevel } from "../core/model.ts";

/**
 * `--reasoning`, `--stateful` and `--compact-threshold` (run and bench); each overrides its config key. (`--stateful`, not
 * `--store`: `--store` names the results store in route and bench, src/ledger/trial-store.ts.)
 */
export interface RequestFlags {
  reasoning?: string;
  stateful?: boolean;
  compactThreshold?: string;
}

export function reasoningFlag(v: string | undefined): ReasoningLevel | undefined {
  if (v === undefined) return undefined;
  if ((REASONING_LEVELS as readonly string[]).includes(v)) return v as ReasoningLevel;
  throw new ConfigError(`--reasoning: "${v}" is not one of ${REASONING_LEVELS.join(", ")}`, {
    field: "--reasoning",
    hint: `use --reasoning ${REASONING_LEVELS.join("|")} (or [run] reasoning in switchyard.toml)`,
  });
}

function thresholdFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < MIN_COMPACT_THRESHOLD) {
    throw new ConfigError(
      `--compact-threshold: expected a whole number of tokens ≥ ${MIN_COMPACT_THRESHOLD}, got "${v}"`,
      {
        field: "--compact-threshold",
        hint: `the Responses API's minimum is ${MIN_COMPACT_THRESHOLD} tokens, e.g. --compact-threshold 200000`,
      },
    );
  }
  return n;
}

/** The config with the request flags applied (flags beat the config files). */
export function withRequestFlags(config: Config, flags: RequestFlags): Config {
  const reasoning = reasoningFlag(flags.reasoning);
  const threshold = thresholdFlag(flags.compactThreshold);
  if (reasoning === undefined && !flags.stateful && threshold === undefined) return config;
  return {
    ...config,
    run: { ...config.run, ...(reasoning === undefined ? {} : { reasoning }) },
    responses: {
      ...config.responses,
      ...(flags.stateful ? { mode: "stateful" as const } : {}),
      ...(threshold === undefined ? {} : { compact_threshold: threshold }),
    },
  };
}

/** Adds the request flags to a command (run, bench). */
export function addRequestFlags<T extends { option(flags: string, description: string): T }>(cmd: T): T {
  return cmd
    .option(
      "--reasoning <level>",
      "reasoning effort: minimal | low | medium | high, mapped per provider and model (default: config run.reasoning)",
    )
    .option(
      "--stateful",
      "OpenAI Responses stateful mode: store=true + previous_response_id (OpenAI keeps the conversation; see docs/providers.md)",
    )
    .option(
      "--compact-threshold <tokens>",
      "OpenAI Responses server-side compaction once the context passes N tokens (≥ 1000; context_management)",
    );
}
