import { Redis } from "ioredis";
import { ConfigError, errorMessage } from "../core/errors.ts";

/**
 * Connections to the queue's Redis. `--queue redis://[user:password@]HOST:PORT[/db]` (or `rediss://` for TLS).
 * Before anything is enqueued or taken, `checkRedis` proves the server answers PING; a failure is one ConfigError
 * naming the URL (password masked) and the fix.
 */

export function maskRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

export function parseRedisUrl(url: string, flag = "--queue"): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`${flag} ${url}: not a URL`, { field: flag, hint: `use ${flag} redis://HOST:PORT` });
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new ConfigError(`${flag} ${maskRedisUrl(url)}: must be a redis:// or rediss:// URL`, {
      field: flag,
      hint: `use ${flag} redis://HOST:PORT`,
    });
  }
  return u;
}

/**
 * A connection for BullMQ and our own keys. `maxRetriesPerRequest: null` is what BullMQ's workers require
 * (docs.bullmq.io/guide/going-to-production#maxretriesperrequest): a command waits for a reconnect instead of failing.
 */
export function openRedis(url: string, opts: { name?: string } = {}): Redis {
  parseRedisUrl(url);
  const r = new Redis(url, {
    maxRetriesPerRequest: null,
    ...(opts.name ? { connectionName: opts.name } : {}),
  });
  // Reconnects are ioredis's job; an error event without a listener would crash the process.
  r.on("error", () => {});
  return r;
}

/** PING the server with a short timeout and no retries; a ConfigError naming the URL when it does not answer. */
export async function checkRedis(url: string, flag = "--queue"): Promise<void> {
  parseRedisUrl(url, flag);
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    const pong = await probe.ping();
    if (pong !== "PONG") throw new Error(`PING answered ${JSON.stringify(pong)}`);
  } catch (err) {
    throw new ConfigError(`cannot reach Redis at ${maskRedisUrl(url)}: ${errorMessage(err)}`, {
      field: flag,
      hint: `start redis-server there (or fix the host, port and password in ${flag})`,
    });
  } finally {
    probe.disconnect();
  }
}
