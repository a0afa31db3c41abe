import type { RequestHandler, Response } from 'express';
import { TooManyRequestsError } from '../http/errors.js';
import type { RateLimitOutcome, RateLimits } from './rate-limits.js';

/**
 * Writes the rate-limit fields: the IETF ones (draft-ietf-httpapi-ratelimit-headers, Structured
 * Fields: `RateLimit-Policy: "default";q=600;w=60`, `RateLimit: "default";r=599;t=42`, t in
 * seconds until the window ends) and the X-RateLimit-* trio (X-RateLimit-Reset as Unix epoch
 * seconds). While Redis is unavailable only the policy is known, so only it and the limit are sent.
 * Returns the seconds until the window ends (undefined when not known).
 */
export function writeRateLimitHeaders(res: Response, outcome: RateLimitOutcome, now: number): number | undefined {
  const { policy } = outcome;
  res.setHeader('RateLimit-Policy', policy.policyHeader);
  res.setHeader('X-RateLimit-Limit', policy.limitHeader);
  if (outcome.kind === 'unenforced') return undefined;
  const seconds = Math.ceil(outcome.msBeforeReset / 1000);
  res.setHeader('RateLimit', `${policy.item};r=${outcome.remaining};t=${seconds}`);
  res.setHeader('X-RateLimit-Remaining', String(outcome.remaining));
  res.setHeader('X-RateLimit-Reset', String(Math.ceil((now + outcome.msBeforeReset) / 1000)));
  return seconds;
}

/**
 * Counts each authenticated request against its key's limit (an `afterAuth` middleware): the
 * headers go on every response it lets through, and a request over the limit ends as a 429
 * problem with Retry-After. A no-op without `req.principal` (internal and webhook routes).
 */
export function rateLimitMiddleware(limits: RateLimits): RequestHandler {
  return (req, res, next) => {
    const principal = req.principal;
    if (!principal) return next();
    limits.check(principal).then((outcome) => {
      if (!outcome) return next();
      const seconds = writeRateLimitHeaders(res, outcome, Date.now());
      if (outcome.kind !== 'rejected') return next();
      // Retry-After is never earlier than the window's end (the draft's advice); at least 1 s.
      const retryAfter = Math.max(1, seconds ?? 1);
      const { name, limit } = outcome.policy;
      next(
        new TooManyRequestsError(`This API key is over its rate limit of ${limit} requests per minute; retry in ${retryAfter} s`, retryAfter, {
          policy: name,
          limit,
        }),
      );
    }, next);
  };
}
