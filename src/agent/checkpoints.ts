import type { Sandbox } from "../core/sandbox.ts";
import { checkpointFor } from "../spec/checkpoints.ts";
import type { Checkpoint } from "../spec/spec.ts";
import type { CheckpointOutcome } from "./loop.ts";
import type { Manifest } from "./workspace.ts";
import { diffManifests, takeManifest } from "./workspace.ts";

const OUTPUT_TAIL = 2000;

/**
 * Runs a spec's checkpoints in the run's sandbox (contract: src/spec/checkpoints.ts). A checkpoint with `after`
 * becomes due once a matching file in the copy changed and stays due until it passes; one without `after` runs
 * when the model wants to finish. Changed files are found by comparing manifests of the copy between steps (only
 * when some checkpoint has `after`).
 */
export function createCheckpointRunner(opts: {
  items: Checkpoint[];
  sandbox: Sandbox;
  /** Host path of the agent's copy. */
  copy: string;
  timeoutMs: number;
}): (phase: "step" | "end", signal: AbortSignal) => Promise<CheckpointOutcome[]> {
  const plan = checkpointFor({ checkpoints: opts.items, testCommand: undefined });
  const watched = plan.items.filter((c) => c.after !== undefined);
  const watch = watched.length > 0;
  // A copy the host cannot read whole (a file the agent made unreadable to this user) must not end the run: the
  // `after` checkpoints then count as due, since what changed cannot be told.
  const look = (): Manifest | undefined => {
    try {
      return takeManifest(opts.copy);
    } catch {
      return undefined;
    }
  };
  let last: Manifest | undefined = watch ? look() : undefined;
  const pending = new Map<string, Checkpoint>();

  const run = async (c: Checkpoint, signal: AbortSignal): Promise<CheckpointOutcome> => {
    const r = await opts.sandbox.exec(c.run, { timeoutMs: opts.timeoutMs, signal, maxOutputBytes: 64 * 1024 });
    const out = `${r.stdout}${r.stderr}`.trimEnd();
    const tail = out.length > OUTPUT_TAIL ? `…${out.slice(-OUTPUT_TAIL)}` : out;
    const passed = r.exitCode === 0 && !r.timedOut;
    return {
      name: c.name,
      command: c.run,
      passed,
      output: r.timedOut ? `${tail}\n[timed out]` : passed ? tail : `${tail}\n[exit code ${r.exitCode}]`,
    };
  };

  return async (phase, signal) => {
    let due: Checkpoint[];
    if (phase === "step") {
      if (!watch) return [];
      const now = look();
      const edited = now ? plan.dueAfterEdit(diffManifests(last ?? {}, now).map((c) => c.path)) : watched;
      last = now ?? last;
      for (const c of edited) pending.set(c.name, c);
      due = [...pending.values()];
    } else {
      due = [...pending.values(), ...plan.dueAtEnd()];
    }
    // Checkpoints due together that run the same command (an `after` checkpoint and the test_command gate) run once.
    const byCommand = new Map<string, Checkpoint[]>();
    for (const c of due) byCommand.set(c.run.trim(), [...(byCommand.get(c.run.trim()) ?? []), c]);
    const outcomes: CheckpointOutcome[] = [];
    for (const group of byCommand.values()) {
      const first = group[0];
      if (!first) continue;
      const o = await run(first, signal);
      if (o.passed) for (const c of group) pending.delete(c.name);
      outcomes.push({ ...o, name: group.map((c) => c.name).join(", ") });
    }
    return outcomes;
  };
}
