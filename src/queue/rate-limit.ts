import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { ModelClient, ModelRequest, StreamEvent } from "../core/model.ts";
import { abortableSleep, withRetries } from "../providers/retry.ts";
import { keys, type RateLimit } from "./protocol.ts";

/**
 * Rate limits shared by every worker of a job, kept in Redis:
 * - a rate per provider and API key (`--rate-limit openai=500/min`): calls are spaced evenly, at most one every
 *   perMs/requests across all workers (a GCRA with no burst: the "theoretical arrival time" is one Redis key,
 *   advanced atomically by each caller, who then sleeps until its slot). Set it a little under the provider's
 *   published rate: requests still jitter on the way.
 * - a shared pause: a 429 with `retry-after` (or without: 1 s) pauses every worker on that provider and key
 *   until it has passed, so twenty workers do not each retry into the same limit.
 * The bucket name holds a hash of the key, never the key.
 */

/** `500/min`, `8/s`, `100/10s`, `60/1m`: a count and a window (ms, s, m, min, h). */
export function parseRate(spec: string): { requests: number; perMs: number } | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|sec|m|min|h)\s*$/.exec(spec);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 }[m[3] as "ms"];
  const requests = Number(m[1]);
  const perMs = Number(m[2] ?? 1) * unit;
  return requests > 0 && perMs > 0 ? { requests, perMs } : undefined;
}

export function bucketName(provider: string, apiKey: string | undefined): string {
  const h = createHash("sha256")
    .update(apiKey ?? "")
    .digest("hex")
    .slice(0, 12);
  return `${provider}:${h}`;
}

/** Reserve the next slot; returns how long to wait for it (0: go now). KEYS: tat, pause. ARGV: interval ms. */
const RESERVE = `
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
local interval = tonumber(ARGV[1])
if interval <= 0 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil(tat - now + interval) + 60000)
return -(tat - now) - 1
`;

/** Pause the bucket for ARGV[1] ms unless a longer pause is already set. KEYS: pause. */
const PAUSE = `
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0
`;

export interface SharedLimiter {
  /** Resolves when this caller may send one request. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Every worker on this bucket waits `ms` before its next request. */
  pause(ms: number): Promise<void>;
}

export function sharedLimiter(
  redis: Redis,
  name: string,
  rate: Omit<RateLimit, "provider"> | undefined,
): SharedLimiter {
  const interval = rate ? rate.perMs / rate.requests : 0;
  const tat = keys.bucket(name);
  const pauseKey = keys.pause(name);
  return {
    async acquire(signal) {
      for (;;) {
        if (signal?.aborted) return;
        // > 0: paused for that long, re-check after; ≤ 0: a slot reserved -(n+1) ms from now.
        const n = Number(await redis.eval(RESERVE, 2, tat, pauseKey, String(interval)));
        if (n > 0) {
          await abortableSleep(n, signal);
          continue;
        }
        const wait = -n - 1;
        if (wait > 0) await abortableSleep(wait, signal);
        // A pause set while this caller slept (another worker's 429) still applies.
        const paused = await redis.pttl(pauseKey);
        if (paused <= 0) return;
        await abortableSleep(paused, signal);
      }
    },
    async pause(ms) {
      await redis.eval(PAUSE, 1, pauseKey, String(Math.max(1, Math.round(ms))));
    },
  };
}

/** The shared pause when a provider gives no advice. */
const DEFAULT_PAUSE_MS = 1000;

/**
 * A model client whose every attempt (first and retries) waits for the shared limiter, and whose 429s pause all
 * workers. `inner` must not retry by itself (created with maxRetries 0): the retries happen here, each through
 * the limiter, with the same back-off and `retry` events as providers/retry.ts.
 */
export function rateLimitedClient(inner: ModelClient, limiter: SharedLimiter, maxRetries = 4): ModelClient {
  const attempt = (request: ModelRequest) =>
    async function* (): AsyncIterable<StreamEvent> {
      await limiter.acquire(request.signal);
      for await (const ev of inner.stream(request)) {
        if (ev.type === "error" && ev.error.kind === "rate_limit") {
          await limiter.pause(ev.error.retryAfterMs ?? DEFAULT_PAUSE_MS);
        }
        yield ev;
      }
    };
  const client: ModelClient = {
    model: inner.model,
    providerInfo: inner.providerInfo,
    stream(request) {
      return withRetries(attempt(request), {
        maxRetries,
        provider: inner.providerInfo.name,
        ...(request.signal ? { signal: request.signal } : {}),
      });
    },
  };
  const compact = inner.compact?.bind(inner);
  if (compact) {
    client.compact = async (request) => {
      await limiter.acquire(request.signal);
      return compact(request);
    };
  }
  return client;
}
