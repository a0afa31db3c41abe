import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Options of the shared Redis client. */
export interface RedisClientOptions {
  url: string;
  /** How long a connection attempt may take. */
  connectTimeoutMs: number;
  /** How long one command may take before it fails. */
  commandTimeoutMs: number;
  logger: Logger;
}

/**
 * The control plane's one Redis connection (rate-limit counters). Redis is an aid, not a
 * dependency the API stands on: with the offline queue off a command fails at once while the
 * connection is down instead of waiting for it, so callers can fail open within microseconds;
 * the client keeps reconnecting in the background with a capped backoff.
 */
export function createRedisClient(opts: RedisClientOptions): Redis {
  const redis = new Redis(opts.url, {
    connectTimeout: opts.connectTimeoutMs,
    commandTimeout: opts.commandTimeoutMs,
    enableOfflineQueue: false,
    // Every request checks its rate limit: the checks made in one turn of the event loop go out as
    // one pipelined write and come back in one read instead of a write and a read each.
    enableAutoPipelining: true,
    // A command lost with a dropped connection fails rather than being replayed after a reconnect.
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Callers report outages (once each); without a listener ioredis prints every failed reconnect.
  redis.on('error', (err: Error) => opts.logger.debug({ err }, 'redis connection error'));
  return redis;
}

/** Closes the client: politely when connected, at once when not (quit would wait for a reconnect). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
