import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { Principal } from '../http/principal.js';

/** Every limit is per minute: a fixed one-minute window per key. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;

/** At most one warning per this interval when Redis keeps dropping and coming back. */
const OUTAGE_WARN_INTERVAL_MS = 60_000;

/** The quota a request is counted against, with its header values computed once. */
export interface RateLimitPolicy {
  /** `bootstrap` (API_SECRET), `key` (the key's own limit) or `default`. */
  readonly name: string;
  readonly limit: number;
  /** The policy as a Structured Fields string item, `"default"`. */
  readonly item: string;
  /** The RateLimit-Policy field value, `"default";q=600;w=60`. */
  readonly policyHeader: string;
  readonly limitHeader: string;
}

/** What counting one request found: within the limit, over it, or not known because Redis is unavailable. */
export type RateLimitOutcome =
  | { readonly kind: 'allowed' | 'rejected'; readonly policy: RateLimitPolicy; readonly remaining: number; readonly msBeforeReset: number }
  | { readonly kind: 'unenforced'; readonly policy: RateLimitPolicy };

/** Counters for metrics. */
export interface RateLimitStats {
  /** Requests answered 429. */
  rejected: number;
  /** Requests let through unchecked because Redis did not answer. */
  failOpen: number;
  /** True while the last check found Redis unavailable. */
  redisDown: boolean;
}

/** Which limit applies to a principal, or undefined when it is unlimited (0). */
export function policyLimit(principal: Principal, limits: Config['rateLimits']): { name: string; limit: number } | undefined {
  const resolved = principal.bootstrap
    ? { name: 'bootstrap', limit: limits.bootstrapPerMinute }
    : principal.rateLimitPerMinute !== undefined
      ? { name: 'key', limit: principal.rateLimitPerMinute }
      : { name: 'default', limit: limits.perMinute };
  return resolved.limit > 0 ? resolved : undefined;
}

/**
 * Per-key request limits counted in Redis, so every replica shares each key's count (one
 * atomic INCR script per request; a key already over its limit is refused from memory until
 * its window ends, without asking Redis). When Redis is down or slow the check fails open:
 * the request goes through, the outage is logged once, and `stats().failOpen` counts it.
 */
export class RateLimits {
  private readonly limiters = new Map<number, RateLimiterRedis>();
  private readonly policies = new Map<string, RateLimitPolicy>();
  private rejected = 0;
  private failOpen = 0;
  private redisDown = false;
  private warnedThisOutage = false;
  private lastWarnAt = -Infinity;

  constructor(
    private readonly redis: Redis,
    private readonly limits: Config['rateLimits'],
    private readonly logger: Logger,
  ) {}

  /** Counts one request of `principal`; undefined when its key is unlimited. Never rejects. */
  async check(principal: Principal): Promise<RateLimitOutcome | undefined> {
    const resolved = policyLimit(principal, this.limits);
    if (!resolved) return undefined;
    const policy = this.policy(resolved.name, resolved.limit);
    try {
      const res = await this.limiter(resolved.limit).consume(principal.keyId);
      this.redisAnswered();
      return { kind: 'allowed', policy, remaining: res.remainingPoints, msBeforeReset: Math.max(0, res.msBeforeNext) };
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        // consumedPoints is 0 when the refusal came from the in-memory block, without Redis.
        if (err.consumedPoints > 0) this.redisAnswered();
        this.rejected++;
        return { kind: 'rejected', policy, remaining: 0, msBeforeReset: Math.max(0, err.msBeforeNext) };
      }
      this.redisFailed(err);
      return { kind: 'unenforced', policy };
    }
  }

  /** Counters for /metrics. */
  stats(): RateLimitStats {
    return { rejected: this.rejected, failOpen: this.failOpen, redisDown: this.redisDown };
  }

  private policy(name: string, limit: number): RateLimitPolicy {
    const id = `${name}:${limit}`;
    let policy = this.policies.get(id);
    if (!policy) {
      const item = `"${name}"`;
      policy = { name, limit, item, policyHeader: `${item};q=${limit};w=${RATE_LIMIT_WINDOW_SECONDS}`, limitHeader: String(limit) };
      this.policies.set(id, policy);
    }
    return policy;
  }

  /** One limiter per distinct limit; they share the keys' counters, so a key whose limit changes keeps its count. */
  private limiter(points: number): RateLimiterRedis {
    let limiter = this.limiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: this.limits.keyPrefix,
        points,
        duration: RATE_LIMIT_WINDOW_SECONDS,
        // Fail at once while the connection is down rather than handing ioredis a command.
        rejectIfRedisNotReady: true,
        // Once a key is over its limit this replica refuses it from memory until the window ends.
        inMemoryBlockOnConsumed: points + 1,
      });
      this.limiters.set(points, limiter);
    }
    return limiter;
  }

  private redisAnswered(): void {
    if (!this.redisDown) return;
    this.redisDown = false;
    if (this.warnedThisOutage) this.logger.info({ failOpen: this.failOpen }, 'Redis answers again: rate limits are enforced');
    this.warnedThisOutage = false;
  }

  private redisFailed(err: unknown): void {
    this.failOpen++;
    if (this.redisDown) return;
    this.redisDown = true;
    const now = Date.now();
    if (now - this.lastWarnAt < OUTAGE_WARN_INTERVAL_MS) return;
    this.lastWarnAt = now;
    this.warnedThisOutage = true;
    this.logger.warn({ err }, 'Redis unavailable: rate limits are not enforced (requests fail open) until it answers again');
  }
}
