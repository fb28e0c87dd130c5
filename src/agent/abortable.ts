/**
 * Bound a tool call by the run's signal (its deadline or Ctrl-C). A tool that honours the signal answers itself
 * (the bash tool kills the command and says so); one that does not — blocked in the host process, a hung MCP
 * server — is abandoned `graceMs` after the abort and answered with `onAbort()`, so no tool can hold a run past
 * its `--timeout`. Rejections of an abandoned call are swallowed.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => T, graceMs = 2000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = () => {
      timer = setTimeout(() => resolve(onAbort()), graceMs);
      timer.unref?.();
    };
    if (signal.aborted) giveUp();
    else signal.addEventListener("abort", giveUp, { once: true });
    work.then(
      (v) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", giveUp);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", giveUp);
        reject(err);
      },
    );
  });
}
