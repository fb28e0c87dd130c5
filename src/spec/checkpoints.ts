import { globMatch, normalizeRel } from "../core/scope.ts";
import type { Checkpoint, TaskSpec } from "./spec.ts";

/**
 * Checkpoints: commands the agent must run and pass before going on (contract in docs/specs.md).
 * - A checkpoint with `after` (a glob) becomes due once the agent changed a matching file; it must pass before the
 *   agent's next model turn.
 * - A checkpoint without `after` is due at the end: before the agent may finish.
 * - The spec's `test_command` is the definition of done, a gate: it always runs before the agent may finish. It is
 *   added as a final checkpoint named "tests" unless an end checkpoint (one without `after`) already runs it; a
 *   checkpoint with `after` that runs it does not count, since it is due only once a matching file changed (a
 *   model that edits nothing, or edits elsewhere, would otherwise finish without the tests ever running).
 */
export interface CheckpointPlan {
  items: Checkpoint[];
  /** Checkpoints newly due after a step that changed `changedPaths` (workspace-relative), in spec order. */
  dueAfterEdit(changedPaths: readonly string[]): Checkpoint[];
  /** Checkpoints that must pass before the agent may finish. */
  dueAtEnd(): Checkpoint[];
}

export function checkpointFor(spec: Pick<TaskSpec, "checkpoints" | "testCommand">): CheckpointPlan {
  const items: Checkpoint[] = spec.checkpoints.map((c) => ({ ...c }));
  if (spec.testCommand && !items.some((c) => c.after === undefined && c.run.trim() === spec.testCommand?.trim())) {
    items.push({ name: "tests", run: spec.testCommand });
  }
  return {
    items,
    dueAfterEdit(changedPaths) {
      const paths = changedPaths.map(normalizeRel).filter((p): p is string => p !== undefined);
      return items.filter((c) => c.after !== undefined && paths.some((p) => globMatch(c.after!, p)));
    },
    dueAtEnd() {
      return items.filter((c) => c.after === undefined);
    },
  };
}
