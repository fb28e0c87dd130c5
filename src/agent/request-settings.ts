import type { Config } from "../core/config.ts";
import type { ReasoningLevel } from "../core/model.ts";

/**
 * How a run asks its model, beyond the model ref: the reasoning level (`--reasoning`, `[run] reasoning`) and the
 * Responses API mode (`--stateful`, `--compact-threshold`, `[responses]`). Kept in run.json so `resume` and
 * `run --continue` ask the same way even when the flags are not repeated.
 */
export interface RequestSettings {
  reasoning?: ReasoningLevel;
  responses?: Config["responses"];
}

export function requestSettingsOf(config: Config): RequestSettings {
  const responses = config.responses;
  const nonDefault = responses && (responses.mode !== "stateless" || responses.compact_threshold !== undefined);
  return {
    ...(config.run.reasoning === undefined ? {} : { reasoning: config.run.reasoning }),
    ...(nonDefault ? { responses } : {}),
  };
}

/** The config with a run's recorded settings applied over it (the recorded ones win: they are the run's). */
export function withRequestSettings(config: Config, settings: RequestSettings | undefined): Config {
  if (!settings || (settings.reasoning === undefined && settings.responses === undefined)) return config;
  return {
    ...config,
    run: { ...config.run, ...(settings.reasoning === undefined ? {} : { reasoning: settings.reasoning }) },
    ...(settings.responses ? { responses: settings.responses } : {}),
  };
}
