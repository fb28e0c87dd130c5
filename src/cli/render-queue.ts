import type { AgentSpec } from "../bench/agent-spec.ts";
import type { TrialResult } from "../bench/trial-result.ts";
import type { Config } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { JobRunSettings, QueueProgress } from "../queue/coordinator.ts";
import type { RateLimit } from "../queue/protocol.ts";

/**
 * `switchyard bench --queue`: the queue's flags, and its progress on the coordinator — how many trials are queued,
 * running, done (a verdict) and failed (an exception), overall and per worker. In a terminal these are lines of
 * the bench's status block (with its bar and ETA); headless, each finished trial's line names its worker and a
 * status line is printed when the counts changed, at most every `intervalMs`.
 */
export interface QueueFlags {
  queue?: string;
  jobBudgetUsd?: string;
  rateLimit?: string;
  artifactMaxMb?: string;
}

export interface QueueSettings {
  url: string;
  budgetUsd: number | null;
  rateLimits: RateLimit[];
  artifactMaxBytes: number;
}

export const DEFAULT_ARTIFACT_MAX_MB = 50;

export async function queueSettings(flags: QueueFlags): Promise<QueueSettings | undefined> {
  if (flags.queue === undefined) {
    for (const [flag, v] of [
      ["--job-budget-usd", flags.jobBudgetUsd],
      ["--rate-limit", flags.rateLimit],
      ["--artifact-max-mb", flags.artifactMaxMb],
    ] as const) {
      if (v !== undefined) {
        throw new ConfigError(`${flag} needs --queue`, {
          field: flag,
          hint: "add --queue redis://HOST:PORT (it applies across the queue's workers)",
        });
      }
    }
    return undefined;
  }
  const { parseRate } = await import("../queue/rate-limit.ts");
  let budgetUsd: number | null = null;
  if (flags.jobBudgetUsd !== undefined) {
    budgetUsd = Number(flags.jobBudgetUsd);
    if (!(budgetUsd > 0) || !Number.isFinite(budgetUsd)) {
      throw new ConfigError(`--job-budget-usd ${flags.jobBudgetUsd}: must be a number > 0`, {
        field: "--job-budget-usd",
      });
    }
  }
  const rateLimits: RateLimit[] = [];
  for (const part of (flags.rateLimit ?? "").split(",").filter((p) => p.trim() !== "")) {
    const [provider, spec] = part.split("=", 2).map((s) => s.trim());
    const rate = spec ? parseRate(spec) : undefined;
    if (!provider || !rate) {
      throw new ConfigError(`--rate-limit ${part}: expected PROVIDER=N/WINDOW`, {
        field: "--rate-limit",
        hint: "e.g. --rate-limit openai=500/min,anthropic=50/min (windows: ms, s, min, h)",
      });
    }
    rateLimits.push({ provider, ...rate });
  }
  const mb = Number(flags.artifactMaxMb ?? DEFAULT_ARTIFACT_MAX_MB);
  if (!(mb > 0) || !Number.isFinite(mb)) {
    throw new ConfigError(`--artifact-max-mb ${flags.artifactMaxMb}: must be a number > 0`, {
      field: "--artifact-max-mb",
    });
  }
  return { url: flags.queue, budgetUsd, rateLimits, artifactMaxBytes: Math.round(mb * 1024 * 1024) };
}

interface WorkerCounts {
  running: Set<string>;
  done: number;
  failed: number;
}

export interface QueueView {
  onProgress(ev: QueueProgress): void;
  extraLines(): string[];
  suffix(r: TrialResult): string;
}

export function createQueueView(opts: {
  tty: boolean;
  write: (s: string) => void;
  redraw: () => void;
  clock?: () => number;
  intervalMs?: number;
}): QueueView {
  const clock = opts.clock ?? Date.now;
  const workers = new Map<string, WorkerCounts>();
  const ranBy = new Map<string, string>();
  let toRun = 0;
  let skipped = 0;
  let lastStatus = "";
  let lastAt = 0;
  const of = (w: string) => {
    let c = workers.get(w);
    if (!c) {
      c = { running: new Set(), done: 0, failed: 0 };
      workers.set(w, c);
    }
    return c;
  };
  const totals = () => {
    let running = 0;
    let done = 0;
    let failed = 0;
    for (const c of workers.values()) {
      running += c.running.size;
      done += c.done;
      failed += c.failed;
    }
    const queued = Math.max(0, toRun - running - done - failed - skipped);
    return { queued, running, done, failed };
  };
  const summary = () => {
    const t = totals();
    return `queue: ${t.queued} queued · ${t.running} running · ${t.done} done · ${t.failed} failed${skipped ? ` · ${skipped} not dispatched` : ""}`;
  };
  const workerLine = (w: string, c: WorkerCounts) => {
    const now = [...c.running];
    const doing = now.length
      ? `${now.length} running (${now.slice(0, 2).join(", ")}${now.length > 2 ? ", …" : ""})`
      : "idle";
    return `  worker ${w}: ${doing} · ${c.done} done · ${c.failed} failed`;
  };
  const lines = () => [summary(), ...[...workers].map(([w, c]) => workerLine(w, c))];
  const headless = (force = false) => {
    if (opts.tty) return opts.redraw();
    const text = lines().join("\n");
    if (text === lastStatus || (!force && clock() - lastAt < (opts.intervalMs ?? 15_000))) return;
    lastStatus = text;
    lastAt = clock();
    opts.write(`${text}\n`);
  };
  const note = (line: string) => {
    opts.write(`${opts.tty ? "\r\x1b[K" : ""}${line}\n`);
    if (opts.tty) opts.redraw();
  };
  return {
    onProgress(ev) {
      switch (ev.type) {
        case "enqueued":
          toRun = ev.added + ev.alreadyQueued;
          note(
            `queue: ${ev.added} trial(s) enqueued${ev.alreadyQueued ? `, ${ev.alreadyQueued} already in the queue` : ""}${ev.collected ? `, ${ev.collected} finished while no coordinator watched` : ""}`,
          );
          break;
        case "routed": {
          const models = Object.entries(ev.models).map(([m, n]) => `${m} ×${n}`);
          note(
            `queue: --agent auto routed ${ev.tasks} task(s) here, before enqueueing (${ev.store ? `evidence from ${ev.store}` : `no results store at ${ev.lookedIn}`}): ${models.join(", ")}`,
          );
          break;
        }
        case "started": {
          const before = ranBy.get(ev.trialName);
          if (before !== undefined) of(before).running.delete(ev.trialName);
          ranBy.set(ev.trialName, ev.worker);
          of(ev.worker).running.add(ev.trialName);
          headless();
          break;
        }
        case "finished": {
          for (const c of workers.values()) c.running.delete(ev.trialName);
          ranBy.set(ev.trialName, ev.worker);
          const c = of(ev.worker);
          if (ev.result.exception_info) c.failed++;
          else c.done++;
          headless();
          break;
        }
        case "lost": {
          const w = ranBy.get(ev.trialName);
          if (w !== undefined) of(w).running.delete(ev.trialName);
          note(`queue: ${ev.trialName} lost its worker${w ? ` (${w})` : ""}; back in the queue for another`);
          break;
        }
        case "skipped":
          skipped++;
          headless();
          break;
        case "refused":
          note(`queue: worker ${ev.worker} refused the job: ${ev.reason}`);
          break;
        case "budget_reached":
          skipped += ev.notDispatched;
          note(
            `queue: job budget reached ($${ev.spentUsd.toFixed(4)} of $${ev.budgetUsd}); ${ev.notDispatched} trial(s) not dispatched, running ones finish`,
          );
          headless(true);
          break;
      }
    },
    extraLines: () => (opts.tty ? lines() : []),
    suffix: (r) => {
      const w = ranBy.get(r.trial_name);
      return w ? ` [${w}]` : "";
    },
  };
}

/**
 * What a queued trial carries of this run's settings (src/queue/protocol.ts RunSettings), checked here as far as
 * this machine can without the workers' keys: installed agents' models and protocols, the judge's model, the
 * `--allow-host` list. A `--subscription` sign-in file stays on its machine: refused with --queue.
 */
export async function queueRunSettings(
  agents: AgentSpec[],
  flags: { judge?: string; allowHost?: string; subscription?: string },
  config: Config,
  atlas: { mcpUrls?: Record<string, string> },
): Promise<JobRunSettings> {
  if (flags.subscription !== undefined) {
    throw new ConfigError("--subscription does not travel to queue workers: a sign-in file stays on its machine", {
      field: "--subscription",
      hint: "give the workers the provider's API key in their environment, or run without --queue",
    });
  }
  const { loadCatalog } = await import("../providers/catalog.ts");
  const { INSTALLED_AGENTS, agentVersion } = await import("../bench/agents/catalog.ts");
  const { parseEgressList } = await import("../sandbox/egress-rules.ts");
  const catalog = loadCatalog(config);
  const installedVersions: JobRunSettings["installedVersions"] = {};
  for (const a of agents) {
    if (a.kind !== "installed") continue;
    const { model, provider } = catalog.resolve(a.model);
    const info = INSTALLED_AGENTS[a.agent];
    if (!info.protocols.includes(model.protocol)) {
      throw new ConfigError(
        `--agent ${a.agent}:${a.model}: ${a.agent} talks ${info.protocols.join(" or ")}, but ${provider.name}/${model.id} is served over ${model.protocol}`,
        { field: "--agent", hint: "pick a model its protocol serves" },
      );
    }
    installedVersions[a.agent] = agentVersion(a.agent, { env: process.env, configured: config.installed_agents });
  }
  if (flags.allowHost !== undefined) {
    if (!agents.some((a) => a.kind === "installed")) {
      throw new ConfigError("--allow-host applies to installed agents only", {
        field: "--agent",
        hint: "add an installed agent such as codex:gpt-5.5 to --agent",
      });
    }
    parseEgressList(flags.allowHost, "--allow-host");
  }
  let judge: string | null = null;
  if (flags.judge !== undefined) {
    const r = catalog.resolve(flags.judge);
    judge = `${r.provider.name}/${r.model.id}`;
  }
  return {
    config: { run: config.run, responses: config.responses },
    judge,
    mcpUrls: atlas.mcpUrls ?? {},
    allowHosts: flags.allowHost ?? "",
    installedVersions,
  };
}
