/**
 * A bench job's cost per model and per task. A job can hold several models and several trials of each task; a
 * single mean over its trials would weigh a task by how often it ran and mix models. Instead, per model:
 * - per task = the mean over tasks of each task's mean trial cost (each task counts once);
 * - per solved task = the model's cost over the trials that passed (as the bench report computes it);
 * both over priced trials only (a trial without a known cost is counted in `unpricedTrials`, never as $0).
 */
export interface TrialCost {
  unit: string;
  task: string;
  model: string;
  passed: boolean | undefined;
  /** The trial's total cost; null when unknown. */
  usd: number | null;
}

export interface TaskCost {
  task: string;
  trials: number;
  solved: number;
  /** Mean over the task's priced trials; null when none is priced. */
  meanUsd: number | null;
}

export interface ModelTaskCost {
  model: string;
  tasks: number;
  trials: number;
  /** Scored trials that passed (reward ≥ 1). */
  solved: number;
  /**
   * Trials that are not scored (no reward, or an exception other than AgentTimeoutError; trial-facts.ts): not
   * solved, but their cost still counts in per task and per solved task — the money was spent.
   */
  unknownOutcome: number;
  unpricedTrials: number;
  /** Cost of the priced trials. */
  usd: number;
  perTaskUsd: number | null;
  /** usd / solved trials among the priced ones; null when none was solved (or none is priced). */
  perSolvedUsd: number | null;
  byTask: TaskCost[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function costPerModel(trials: TrialCost[]): ModelTaskCost[] {
  const models = new Map<string, TrialCost[]>();
  for (const t of trials) models.set(t.model, [...(models.get(t.model) ?? []), t]);
  return [...models.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([model, ts]) => {
      const tasks = new Map<string, TrialCost[]>();
      for (const t of ts) tasks.set(t.task, [...(tasks.get(t.task) ?? []), t]);
      const byTask: TaskCost[] = [...tasks.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([task, tt]) => ({
          task,
          trials: tt.length,
          solved: tt.filter((t) => t.passed === true).length,
          meanUsd: mean(tt.flatMap((t) => (t.usd === null ? [] : [t.usd]))),
        }));
      const priced = ts.filter((t) => t.usd !== null);
      const usd = priced.reduce((s, t) => s + (t.usd ?? 0), 0);
      const solvedPriced = priced.filter((t) => t.passed === true).length;
      return {
        model,
        tasks: byTask.length,
        trials: ts.length,
        solved: ts.filter((t) => t.passed === true).length,
        unknownOutcome: ts.filter((t) => t.passed === undefined).length,
        unpricedTrials: ts.length - priced.length,
        usd,
        perTaskUsd: mean(byTask.flatMap((t) => (t.meanUsd === null ? [] : [t.meanUsd]))),
        perSolvedUsd: solvedPriced > 0 ? usd / solvedPriced : null,
        byTask,
      };
    });
}
