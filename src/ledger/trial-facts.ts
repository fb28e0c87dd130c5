import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isScoredOutcome } from "../core/verdict.ts";

/**
 * What cost accounting needs from one bench trial folder, read from any layout a job folder can hold:
 * - Harbor's TrialResult (`result.json`): `task_name`, the model under `agent_info.model_info {name, provider}`,
 *   counts under `agent_result` (AgentContext), the reward under `verifier_result.rewards` (`reward`, or the only
 *   value); Switchyard's side file `switchyard.json` beside it adds `model`, `reward`, `passed`;
 * - Switchyard's flat result.json: `model`, `passed`, `reward`, counts at the top level or under `agent_result`.
 * Ledger sits below the bench, so this reads the files itself; unknown fields are ignored.
 */
export interface TrialFacts {
  task: string;
  /** "provider/id"; for agents without a model (oracle, nop) the agent's name; undefined when nothing says. */
  model: string | undefined;
  /**
   * reward ≥ 1 (or the side file's `passed`) for a scored trial; undefined when the trial is not scored: no finite
   * reward could be read (e.g. it failed before its verifier) or it ended with an exception other than
   * AgentTimeoutError.
   * That is the bench's verdict rule (core/verdict.ts): a timed-out agent's work is verified and counts, any other
   * error does not.
   */
  passed: boolean | undefined;
  n_input_tokens?: number;
  n_cache_tokens?: number;
  n_output_tokens?: number;
  cost_usd?: number;
}

type Json = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function rec(v: unknown): Json {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function readJsonFile(file: string): Json | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return rec(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
}

function modelOf(data: Json, side: Json): string | undefined {
  const explicit = str(side.model) ?? str(data.model);
  if (explicit) return explicit;
  const agentInfo = rec(data.agent_info);
  const modelInfo = rec(agentInfo.model_info);
  const name = str(modelInfo.name);
  if (name) return str(modelInfo.provider) ? `${modelInfo.provider}/${name}` : name;
  return str(side.agent) ?? str(data.agent) ?? str(agentInfo.name);
}

/** The trial's main reward: a number at the top level or in the side file, else Harbor's rewards dict. */
function rewardOf(data: Json, side: Json): number | undefined {
  const direct = num(side.reward) ?? num(data.reward);
  if (direct !== undefined) return direct;
  const rewards = rec(rec(data.verifier_result).rewards);
  if (num(rewards.reward) !== undefined) return num(rewards.reward);
  const values = Object.values(rewards).filter((v) => num(v) !== undefined) as number[];
  return values.length === 1 ? values[0] : undefined;
}

/** Passed or failed for a scored trial, undefined for one that is not scored (see TrialFacts.passed). */
function verdictOf(data: Json, side: Json): boolean | undefined {
  const reward = rewardOf(data, side);
  // An exception_info without a readable exception_type is still an exception.
  const info = data.exception_info;
  const exceptionType = info === null || info === undefined ? undefined : (str(rec(info).exception_type) ?? "unknown");
  if (reward === undefined || !isScoredOutcome(reward, exceptionType)) return undefined;
  const flag = typeof side.passed === "boolean" ? side.passed : data.passed;
  return typeof flag === "boolean" ? flag : reward >= 1;
}

/** Parse one trial's result.json (and its side file). Throws a SyntaxError for a result.json that is not JSON. */
export function readTrialFacts(trialDir: string, name: string): TrialFacts {
  const data = rec(JSON.parse(readFileSync(join(trialDir, "result.json"), "utf8")));
  const side = readJsonFile(join(trialDir, "switchyard.json")) ?? {};
  const agentResult = rec(data.agent_result);
  const pick = (k: string) => num(data[k]) ?? num(agentResult[k]);
  const facts: TrialFacts = {
    task: str(data.task_name) ?? name.split("__")[0] ?? name,
    model: modelOf(data, side),
    passed: verdictOf(data, side),
  };
  for (const k of ["n_input_tokens", "n_cache_tokens", "n_output_tokens", "cost_usd"] as const) {
    const v = pick(k);
    if (v !== undefined) facts[k] = v;
  }
  return facts;
}
