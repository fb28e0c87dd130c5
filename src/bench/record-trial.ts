import { isModelAgent, type TrialResult } from "./trial-result.ts";

/**
 * Records finished trials in the results store (src/ledger/trial-store.ts: the SQLite file, or Postgres for a
 * `postgres://` URL) so the router can learn from them,
 * with each trial's provenance (project, endpoint, loopback, harness, task checksum, fidelity). Rows are keyed by
 * (project, job, task, model, attempt): a resumed or rerun trial replaces its row. Oracle and nop rows use the
 * agent name as the model.
 */
export interface TrialRecorder {
  /** The store's file path, or its Postgres URL with the password masked. */
  readonly location: string;
  record(jobId: string, r: TrialResult): Promise<void>;
  close(): Promise<void>;
}

export async function openTrialRecorder(location: string): Promise<TrialRecorder> {
  const { openStore } = await import("../ledger/trial-store.ts");
  const store = await openStore(location);
  return {
    location: store.path,
    async record(jobId, r) {
      await store.recordTrial({
        jobId,
        taskId: r.task_name,
        category: r.category ?? "uncategorized",
        // An installed agent's rows name their harness ("codex:openai/gpt-5.5"), so they never merge with
        // Switchyard's own agent on the same model; the router does not route to them (router/evidence.ts).
        model:
          r.model && isModelAgent(r.agent) && r.agent !== "switchyard" ? `${r.agent}:${r.model}` : (r.model ?? r.agent),
        trial: r.attempt,
        reward: r.reward,
        passed: r.passed,
        exception: r.exception_info
          ? `${r.exception_info.exception_type}: ${r.exception_info.exception_message}`
          : null,
        costUsd: r.agent_result ? r.agent_result.cost_usd : isModelAgent(r.agent) ? null : 0,
        inputTokens: r.agent_result?.n_input_tokens ?? 0,
        cacheTokens: r.agent_result?.n_cache_tokens ?? 0,
        outputTokens: r.agent_result?.n_output_tokens ?? 0,
        durationMs: Date.parse(r.finished_at) - Date.parse(r.started_at),
        finishedAt: r.finished_at,
        project: r.provenance.project ?? "",
        endpointHost: r.provenance.endpoint_host,
        loopback: r.provenance.loopback,
        harness: r.provenance.harness.name,
        harnessVersion: r.provenance.harness.version,
        taskChecksum: r.task_checksum || null,
        fidelity: r.fidelity.reduced ? "reduced" : "full",
        fidelityNotes: r.fidelity.notes,
        reasoningEffort: r.provenance.reasoning_effort,
        ttftMs: r.agent_result?.ttft_ms ?? null,
        outputTokensPerSecond: r.agent_result?.output_tokens_per_second ?? null,
      });
    },
    close: async () => {
      await store.close();
    },
  };
}
