import type { Redis } from "ioredis";
import { gunzipJson, gzipJson } from "./pack.ts";
import { type JobMeta, keys, type ResultEnvelope, type StreamEvent } from "./protocol.ts";

/**
 * The job's state in Redis, as workers and the coordinator read and write it. A result is stored once: HSETNX on
 * the trial id, and only the first writer also adds the trial's cost to the job's spend and announces it on the
 * event stream (one Lua script, so a worker dying half-way leaves either all three or none).
 */

const RECORD = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if tonumber(ARGV[4]) > 0 then redis.call('INCRBYFLOAT', KEYS[3], ARGV[4]) end
redis.call('XADD', KEYS[2], '*', 'type', 'finished', 'trial', ARGV[1], 'worker', ARGV[3])
return 1
`;

/** Store a finished trial; false when another delivery of the same trial got there first. */
export async function recordResult(redis: Redis, jobKey: string, env: ResultEnvelope): Promise<boolean> {
  const blob = gzipJson(env);
  const cost = env.result.agent_result?.cost_usd ?? 0;
  const n = await redis.eval(
    RECORD,
    3,
    keys.results(jobKey),
    keys.events(jobKey),
    keys.spend(jobKey),
    env.trialId,
    blob,
    env.worker.id,
    String(cost),
  );
  return Number(n) === 1;
}

export async function readResult(redis: Redis, jobKey: string, trialId: string): Promise<ResultEnvelope | undefined> {
  const blob = await redis.hgetBuffer(keys.results(jobKey), trialId);
  if (!blob) return undefined;
  return gunzipJson(blob, `result of ${trialId}`) as ResultEnvelope;
}

export function toStreamEvent(fields: string[]): StreamEvent | undefined {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) o[fields[i] as string] = fields[i + 1] as string;
  const { type, trial, worker } = o;
  if (!trial || !worker) return undefined;
  if (type === "started" || type === "finished") return { type, trial, worker };
  if (type === "skipped" || type === "refused") return { type, trial, worker, reason: o.reason ?? "" };
  return undefined;
}

/** Reads a job's settings (cached: they change only when a coordinator starts) and its counters. */
export class JobState {
  readonly #redis: Redis;
  readonly #meta = new Map<string, { at: number; meta: JobMeta | undefined }>();
  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async meta(jobKey: string): Promise<JobMeta | undefined> {
    const hit = this.#meta.get(jobKey);
    if (hit && Date.now() - hit.at < 5000) return hit.meta;
    const raw = await this.#redis.hget(keys.meta(jobKey), "json");
    const meta = raw ? (JSON.parse(raw) as JobMeta) : undefined;
    this.#meta.set(jobKey, { at: Date.now(), meta });
    return meta;
  }

  async hasResult(jobKey: string, trialId: string): Promise<boolean> {
    return (await this.#redis.hexists(keys.results(jobKey), trialId)) === 1;
  }

  async spend(jobKey: string): Promise<number> {
    return Number((await this.#redis.get(keys.spend(jobKey))) ?? 0);
  }

  async overBudget(jobKey: string, meta: JobMeta): Promise<boolean> {
    return meta.budgetUsd !== null && (await this.spend(jobKey)) >= meta.budgetUsd;
  }

  async event(jobKey: string, ev: StreamEvent): Promise<void> {
    const fields = Object.entries(ev).flat();
    await this.#redis.xadd(keys.events(jobKey), "*", ...fields);
  }
}
