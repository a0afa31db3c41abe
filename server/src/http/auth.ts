import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { MissingScopeError, UnauthorizedError } from './errors.js';
import { BOOTSTRAP_PRINCIPAL, type Principal } from './principal.js';
import { grants, type Scope } from './scopes.js';

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

/** Looks up a stored API key by its plaintext; undefined when unknown, revoked or expired. */
export type KeyResolver = (key: string) => Promise<Principal | undefined>;

/** The prefix every stored key starts with, so that a leaked one is recognisable (secret scanners). */
export const API_KEY_PREFIX = 'rtc_live_';

/** Turns an X-API-Key value into the principal it authenticates, or undefined. */
export type Authenticator = (given: string | undefined) => Promise<Principal | undefined>;

/**
 * Authenticates an X-API-Key value: API_SECRET (the bootstrap key, every scope) or a stored key
 * through `resolve`.
 */
export function keyAuthenticator(apiSecret: string, resolve: KeyResolver): Authenticator {
  const expected = digest(apiSecret); // hashed once, not per request
  return async (given) => {
    if (given === undefined || given === '') return undefined;
    if (secretsEqual(given, expected)) return BOOTSTRAP_PRINCIPAL;
    return given.startsWith(API_KEY_PREFIX) ? resolve(given) : undefined;
  };
}

/** Middleware that admits a request only with a valid X-API-Key, and attaches its principal to `req.principal`. */
export function apiKeyGuard(authenticate: Authenticator): RequestHandler {
  return (req, _res, next) => {
    const given = req.headers['x-api-key'];
    if (typeof given !== 'string' || given === '') return next(new UnauthorizedError('Missing X-API-Key header'));
    authenticate(given).then((principal) => {
      if (!principal) return next(new UnauthorizedError('Invalid, revoked or expired X-API-Key'));
      req.principal = principal;
      next();
    }, next);
  };
}

/** Middleware that admits an authenticated request only when its key holds `scope` (403 naming it otherwise). */
export function scopeGuard(scope: Scope): RequestHandler {
  return (req, _res, next) => {
    const p = req.principal;
    if (!p) return next(new UnauthorizedError('Missing X-API-Key header'));
    if (!grants(p.scopes, scope)) return next(new MissingScopeError(scope));
    next();
  };
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
