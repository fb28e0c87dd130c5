import type { ClaimJudge } from "./judge.ts";
import type { McpAtlasTask } from "./task.ts";

/**
 * Why an MCP-Atlas trial must not run, decided before its agent spends anything: a server that cannot run here
 * (EnvironmentUnsupportedError, with the reason from loading), or claims only a judge can score and no judge given
 * (VerifierError; nop is let through, its empty answer scores 0 without a judge). Undefined when it may run.
 */
export function atlasPreflight(
  task: McpAtlasTask,
  judge: ClaimJudge | undefined,
  agentKind: string,
): { type: string; message: string } | undefined {
  if (task.skip) return { type: "EnvironmentUnsupportedError", message: task.skip };
  const judged = task.spec.claims.filter((c) => !c.match).length;
  if (judged > 0 && !judge && agentKind !== "nop") {
    return {
      type: "VerifierError",
      message: `${judged} claim(s) have no exact match and no judge model was given (--judge <model>)`,
    };
  }
  return undefined;
}
