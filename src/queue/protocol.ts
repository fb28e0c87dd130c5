import { createHash } from "node:crypto";
import type { AgentSpec } from "../bench/agent-spec.ts";
import type { TrialResult } from "../bench/trial-result.ts";
import type { Config } from "../core/config.ts";
import type { OmittedArtifact, PackedFolder } from "./pack.ts";

/**
 * What the coordinator and the workers say to each other through Redis (docs/queue.md has the picture).
 * Keys of one bench job share the hash tag `{<job uuid>}` so that a Redis Cluster keeps them on one node.
 */

/** The one BullMQ queue every bench job's trials go through. */
export const QUEUE_NAME = "switchyard-trials";
export const PROTOCOL = 3;

export const keys = {
  /** The job's settings workers read: version, budget, rate limits, artifact cap (a hash). */
  meta: (job: string) => `switchyard:{${job}}:meta`,
  /** trial id → gzip'd ResultEnvelope; written once (HSETNX). */
  results: (job: string) => `switchyard:{${job}}:results`,
  /** What happened, in order (a stream): started, finished, skipped, refused. */
  events: (job: string) => `switchyard:{${job}}:events`,
  /** Dollars spent by the job's finished trials (INCRBYFLOAT). */
  spend: (job: string) => `switchyard:{${job}}:spend`,
  /** A task folder (or the folder a suite's rows share) by its Harbor checksum (gzip'd PackedFolder). */
  task: (checksum: string) => `switchyard:task:${checksum}`,
  /** A shared rate-limit bucket (hash: tokens, ts) and its pause after a 429 (string with a PX expiry). */
  bucket: (name: string) => `switchyard:ratelimit:{${name}}:bucket`,
  pause: (name: string) => `switchyard:ratelimit:{${name}}:pause`,
};

/** Task blobs outlive a job by a week, so a resumed job's workers still find them. */
export const TASK_TTL_S = 7 * 24 * 3600;

/**
 * A trial's id: the same (job, task checksum, agent, model, attempt) always gives the same id, so enqueuing a trial
 * twice (a coordinator re-run) adds nothing and its result is stored under one key. "t" first: BullMQ refuses
 * custom job ids that are whole numbers.
 */
export function trialId(p: { jobId: string; taskChecksum: string; agent: AgentSpec; attempt: number }): string {
  const a = p.agent;
  // An installed agent is its harness and model: codex:openai/gpt-5.5 and pi:openai/gpt-5.5 are two trials.
  const model = a.kind === "switchyard" ? a.model : a.kind === "installed" ? `${a.agent}:${a.model}` : "";
  const h = createHash("sha256")
    .update(JSON.stringify([p.jobId, p.taskChecksum, p.agent.kind, model, p.attempt]))
    .digest("hex");
  return `t${h.slice(0, 32)}`;
}

/** A rate per provider: `requests` calls per `perMs`. */
export interface RateLimit {
  provider: string;
  requests: number;
  perMs: number;
}

/** The job's settings, as the coordinator publishes them (meta hash, one JSON field). */
export interface JobMeta {
  protocol: number;
  /** The coordinator's Switchyard version: a worker of another version refuses the job. */
  version: string;
  jobName: string;
  /** The coordinator's job folder (Harbor's TrialConfig.trials_dir in each result). */
  jobDir: string;
  coordinator: string;
  budgetUsd: number | null;
  rateLimits: RateLimit[];
  /** Each artifact (file) in a trial folder at most this many bytes; larger ones are left out and listed. */
  artifactMaxBytes: number;
}

/** A trial as a BullMQ job's data. */
export interface QueuedTrial {
  protocol: number;
  jobKey: string;
  trialId: string;
  trialName: string;
  /** `checksum`: Harbor's checksum of a task folder; a row's own checksum for a row (with `rows`). */
  task: { name: string; checksum: string; source: string | null; rows?: RowsFolder };
  agent: AgentSpec;
  attempt: number;
  timeoutMultiplier: number;
  strictEnv: boolean;
  env: "local" | "docker";
  agentKwargs: Record<string, unknown>;
  project: string | null;
  run: RunSettings;
  /** `--agent auto`: the model the coordinator's router chose for this trial's task; null for any other agent. */
  route: AutoRoute | null;
}

/**
 * The folder the rows of an MCP-Atlas-style suite share, as published for them: its mcp-atlas.toml, rows files and
 * environment/ (a rows file given alone: that file and environment/). A worker fetches it by its checksum, loads
 * `load` from it as bench loads it and checks the row's own checksum (QueuedTrial.task.checksum).
 */
export interface RowsFolder {
  /** Harbor's checksum of the published folder (its key in Redis and in the worker's cache). */
  checksum: string;
  /** The folder's name (the rows' Harbor source). */
  name: string;
  /** The row's rows file, relative to the folder. */
  file: string;
  /** What bench loaded, relative to the folder: "." for its mcp-atlas.toml, else the rows file. */
  load: string;
}

/** `--agent auto` decided on the coordinator (src/queue/route-auto.ts), so that every worker runs that model. */
export interface AutoRoute {
  model: string;
  /** The router's strategy: evidence, rules or default. */
  strategy: string;
  taskClass: string;
  /** The results store whose trials were the evidence (a URL's password masked); null when there was none. */
  store: string | null;
  /** Where the coordinator looked for a store (SWITCHYARD_STORE, the config's [results] store, or the default). */
  lookedIn: string;
}

/**
 * The coordinator's per-run settings that an in-process trial gets from the bench's flags and config, carried to the
 * worker (never a key: a worker builds its clients from its own environment and config).
 */
export interface RunSettings {
  /**
   * The coordinator's [run] (limits, `--reasoning`, `--budget-usd`, …) and [responses] (`--stateful`,
   * `--compact-threshold`) sections, flags applied: the worker's own config supplies providers, models and keys.
   */
  config: Pick<Config, "run" | "responses">;
  /** `--judge`: the catalog model that judges MCP-Atlas claims without an exact match. */
  judge: string | null;
  /** `--mcp-url NAME=URL`, as given. */
  mcpUrls: Record<string, string>;
  /** `--allow-host`, as given (installed agents' extra egress hosts). */
  allowHosts: string;
  /** An installed agent's CLI at the version the coordinator pinned; null for other agents. */
  installed: { agent: string; package: string; version: string } | null;
}

/** Who ran a trial. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  version: string;
}

/** A finished trial as a worker stores it: the result, the trial folder and what was left out of it. */
export interface ResultEnvelope {
  protocol: number;
  trialId: string;
  result: TrialResult;
  folder: PackedFolder;
  omitted: OmittedArtifact[];
  worker: WorkerInfo;
  /** How many times BullMQ had started this trial when it finished (2 after one lost worker). */
  deliveries: number;
  /** The trial's `--agent auto` route, as the coordinator chose it (QueuedTrial.route). */
  route: AutoRoute | null;
}

/** What a BullMQ job returns (small: the envelope is in the results hash). */
export type TrialOutcome =
  | { status: "recorded"; trialId: string }
  | { status: "duplicate"; trialId: string }
  | { status: "skipped"; trialId: string; reason: string };

/** The job's event stream entries (all fields are strings on the wire). */
export type StreamEvent =
  | { type: "started"; trial: string; worker: string }
  | { type: "finished"; trial: string; worker: string }
  | { type: "skipped"; trial: string; worker: string; reason: string }
  | { type: "refused"; trial: string; worker: string; reason: string };
