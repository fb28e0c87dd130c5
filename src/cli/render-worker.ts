import { ConfigError } from "../core/errors.ts";
import type { WorkerFlags } from "./commands/worker.ts";

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${flag} ${v}: must be a whole number ≥ 1`, { field: flag });
  return n;
}

/** `switchyard worker`: one line per trial on stderr (started, finished with its verdict, failed). */
export async function runWorkerCommand(flags: WorkerFlags): Promise<number> {
  const concurrency = positiveInt("-n", flags.concurrency);
  const lockDurationMs = positiveInt("--lock-duration-ms", flags.lockDurationMs ?? "30000");
  const stalledIntervalMs = positiveInt("--stalled-interval-ms", flags.stalledIntervalMs ?? "15000");
  const { checkRedis } = await import("../queue/redis.ts");
  await checkRedis(flags.queue);
  const { runWorker } = await import("../queue/worker.ts");
  const { defaultTaskCache } = await import("../queue/task-cache.ts");
  const controller = new AbortController();
  let interrupts = 0;
  // 130 after Ctrl-C, 143 after SIGTERM (128 + the signal), as run and bench exit.
  let code = 130;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) code = signal === "SIGTERM" ? 143 : 130;
    if (interrupts === 1) {
      process.stderr.write("switchyard worker: stopping after the running trials (Ctrl-C again to stop now)\n");
      controller.abort();
    } else process.exit(code);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const say = (s: string) => process.stderr.write(`${s}\n`);
  try {
    await runWorker({
      url: flags.queue,
      concurrency,
      cacheDir: flags.cacheDir ?? defaultTaskCache(),
      lockDurationMs,
      stalledIntervalMs,
      ...(flags.name ? { name: flags.name } : {}),
      ...(flags.config ? { configFile: flags.config } : {}),
      signal: controller.signal,
      onEvent: (ev) => {
        switch (ev.type) {
          case "ready":
            say(
              `switchyard worker ${ev.worker.id} (switchyard ${ev.worker.version}): waiting for trials, ${concurrency} at a time`,
            );
            break;
          case "trial_started":
            say(`▶ ${ev.trialName} (job ${ev.jobName})`);
            break;
          case "trial_finished":
            say(
              ev.outcome.status === "recorded"
                ? `${ev.passed ? "✓" : "✗"} ${ev.trialName}: ${ev.passed === null ? "no verdict" : ev.passed ? "passed" : "failed"}`
                : `= ${ev.trialName}: ${ev.outcome.status === "duplicate" ? "already recorded by another worker" : `skipped (${ev.outcome.reason})`}`,
            );
            break;
          case "trial_failed":
            say(`! ${ev.trialName}: ${ev.message}`);
            break;
          case "note":
            say(`switchyard worker: ${ev.message}`);
            break;
        }
      },
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return controller.signal.aborted ? code : 0;
}
