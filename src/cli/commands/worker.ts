import type { RegisterCommand } from "./index.ts";

export interface WorkerFlags {
  queue: string;
  concurrency: string;
  name?: string;
  cacheDir?: string;
  config?: string;
  lockDurationMs?: string;
  stalledIntervalMs?: string;
}

/**
 * `switchyard worker`: runs queued bench trials until Ctrl-C (exit 130 once the running trials finish; a second
 * Ctrl-C stops at once and the queue gives them to another worker). Exit 2 for bad flags, an unreachable Redis, or
 * a job started by another Switchyard version (the trial goes back to the queue).
 */
export const registerWorker: RegisterCommand = (program, setExit) => {
  program
    .command("worker")
    .description("run trials that `switchyard bench --queue` enqueued, on this machine")
    .requiredOption("--queue <redis-url>", "the coordinator's Redis, e.g. redis://10.0.0.5:6379")
    .option("-n, --concurrency <n>", "trials run at the same time", "1")
    .option("--name <name>", "this worker's name in the coordinator's progress (default: host:pid)")
    .option("--cache-dir <dir>", "where fetched task folders are kept (default: ~/.cache/switchyard/tasks)")
    .option("--config <file>", "config file for model agents (default: ./switchyard.toml)")
    .option(
      "--lock-duration-ms <ms>",
      "how long a trial's lock lives without renewal (a dead worker's trial is retried after it)",
      "30000",
    )
    .option("--stalled-interval-ms <ms>", "how often this worker looks for trials whose worker died", "15000")
    .action(async (opts: WorkerFlags) => {
      const { runWorkerCommand } = await import("../render-worker.ts");
      setExit(await runWorkerCommand(opts));
    });
};
