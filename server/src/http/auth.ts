import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnauthorizedError } from './errors.js';

/**
 * Compares two secrets in constant time. Both sides are hashed first so that neither the
 * length nor the content of the expected secret leaks through timing.
 */
export function secretsEqual(given: string, expected: string | Buffer): boolean {
  const b = typeof expected === 'string' ? digest(expected) : expected;
  return timingSafeEqual(digest(given), b);
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Middleware that admits a request only when its X-API-Key header equals the API secret. */
export function apiKeyGuard(apiSecret: string): RequestHandler {
  const expected = digest(apiSecret); // hashed once, not per request
  return (req, _res, next) => {
    const given = req.headers['x-api-key'];
    if (typeof given !== 'string' || given === '') return next(new UnauthorizedError('Missing X-API-Key header'));
    if (!secretsEqual(given, expected)) return next(new UnauthorizedError('Invalid X-API-Key'));
    next();
  };
}

/** True when the request carries a valid X-API-Key (for routes that also accept other credentials). */
export function hasValidApiKey(header: string | undefined, apiSecret: string): boolean {
  return header !== undefined && header !== '' && secretsEqual(header, apiSecret);
}

/** Middleware for internal (sidecar) endpoints: `Authorization: Bearer <secret>`; refuses all when no secret is configured. */
export function bearerGuard(secret: string): RequestHandler {
  const expected = digest(secret);
  return (req, _res, next) => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!secret || !match) return next(new UnauthorizedError('Missing internal credentials (Authorization: Bearer STT_INTERNAL_SECRET)'));
    if (!secretsEqual(match[1]!, expected)) return next(new UnauthorizedError('Invalid internal credentials'));
    next();
  };
}
