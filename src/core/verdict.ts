/**
 * Switchyard's verdict rule, in one place for the bench's statistics, the report's headline and matrix, and the
 * router's evidence: a trial is **scored** when its verifier produced a reward and nothing but the agent's own time
 * limit cut it short. Every other exception — the environment or the agent failed to set up, the provider or the
 * agent errored, the verifier timed out or wrote no reward, an interrupt, an internal error — means the trial did
 * not really run: it is unscored (counted and listed apart, left out of every rate and of the router's evidence),
 * never a 0.
 *
 * An agent that ran out of time, steps, tokens or budget did run: those end states are its result and the reward
 * the verifier gave stands (a timeout is Harbor's AgentTimeoutError, after which Harbor still verifies).
 *
 * Harbor's own JobStats (a job's result.json) keep Harbor's convention (a trial without a reward counts 0 in the
 * mean), so Harbor's tooling reads the same numbers it would compute itself.
 */
export const SCORED_EXCEPTION_TYPES: ReadonlySet<string> = new Set(["AgentTimeoutError"]);

export function isScoredOutcome(reward: number | null | undefined, exceptionType: string | null | undefined): boolean {
  if (typeof reward !== "number" || !Number.isFinite(reward)) return false;
  return !exceptionType || SCORED_EXCEPTION_TYPES.has(exceptionType);
}
