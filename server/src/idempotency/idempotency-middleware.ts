import type { Request, RequestHandler, Response } from 'express';
import { HttpError } from '../http/errors.js';
import type { Principal } from '../http/principal.js';
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_TTL_SECONDS, IdempotencyKeyHeaderSchema, REPLAYED_HEADER } from './idempotency-schemas.js';
import type { IdempotencyRecord, IdempotencyStore } from './idempotency-store.js';
import { fingerprint, type RequestFingerprint } from './request-fingerprint.js';
import { keyHash, open, seal } from './response-seal.js';

/** 400 naming the header: an Idempotency-Key that is empty, too long or not printable ASCII. */
export class InvalidIdempotencyKeyError extends HttpError {
  constructor(detail: string) {
    super(400, 'invalid-idempotency-key', 'Invalid Idempotency-Key', detail, { header: IDEMPOTENCY_HEADER });
  }
}

/** 409: the Idempotency-Key was first used for another request (method, path or body). */
export class IdempotencyKeyReusedError extends HttpError {
  constructor(detail: string) {
    super(409, 'idempotency-key-reused', 'Idempotency-Key Reused', detail, { header: IDEMPOTENCY_HEADER });
  }
}

/** 409 with Retry-After: the first request with this Idempotency-Key has not finished yet. */
export class IdempotencyKeyInFlightError extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(409, 'idempotency-key-in-flight', 'Idempotency-Key In Flight', `A request with this ${IDEMPOTENCY_HEADER} is still being processed; retry in ${retryAfterSeconds} s to get its response`, {
      header: IDEMPOTENCY_HEADER,
    });
  }
}

/** Response headers a replay carries as the first response had them; the rest (request id, rate limits) are the replay's own. */
const STORED_HEADERS = ['content-type', 'content-language', 'location', 'link', 'retry-after'] as const;
/** A response larger than this is sent but not kept (no POST of this API answers anything near it). */
const MAX_STORED_BODY_BYTES = 1024 * 1024;
/** What a duplicate of an in-flight request is told to wait: the first one is normally done by then. */
const IN_FLIGHT_RETRY_AFTER_SECONDS = 1;

/** What the middleware needs of the store (a fake in unit tests, {@link IdempotencyStore} in the app). */
export type IdempotencyClaims = Pick<IdempotencyStore, 'claim' | 'complete' | 'release'>;

/** Options of {@link idempotencyMiddleware}. */
export interface IdempotencyOptions {
  /** How long a claim blocks duplicates before a crashed request's key may be taken over. */
  lockSeconds: number;
}

/**
 * `Idempotency-Key` on POST (an `afterAuth` middleware). The first request with a key claims it
 * atomically and runs; its response is stored before it is sent, so a retry that follows it
 * always finds it. A later request with the same key and the same method, path and body gets that
 * response back with `Idempotent-Replayed: true` and the handler does not run; with another
 * request it is a 409, as is a duplicate of a request still in flight (with Retry-After: it does
 * not wait). Only successes are kept: a 4xx or 5xx releases the key, so fixing the cause and
 * retrying with it does the work once. Without the header, on other methods or without a
 * principal it costs one comparison.
 */
export function idempotencyMiddleware(store: IdempotencyClaims, opts: IdempotencyOptions): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    const given = req.headers['idempotency-key'];
    const principal = req.principal;
    if (given === undefined || !principal) return next();
    const parsed = IdempotencyKeyHeaderSchema.safeParse(given);
    if (!parsed.success) {
      return next(new InvalidIdempotencyKeyError(`${IDEMPOTENCY_HEADER} must be 1 to 200 printable ASCII characters (got ${typeof given === 'string' ? given.length : 0})`));
    }
    claimOrReplay(store, opts, parsed.data, principal, req, res).then((run) => (run ? next() : undefined), next);
  };
}

/** Claims the key and arranges for the response to be stored (true: run the handler), or answers from the record. */
async function claimOrReplay(store: IdempotencyClaims, opts: IdempotencyOptions, key: string, principal: Principal, req: Request, res: Response): Promise<boolean> {
  const hash = keyHash(key);
  const print = fingerprint(req.method, req.originalUrl, req.body);
  const claim = await store.claim({ keyId: principal.keyId, keyHash: hash, fingerprint: print, lockSeconds: opts.lockSeconds, ttlSeconds: IDEMPOTENCY_TTL_SECONDS });
  if (claim.claimed) {
    captureResponse(res, (captured) => settle(store, { key, keyId: principal.keyId, hash, claimId: claim.claimId }, req, captured));
    return true;
  }
  const { record } = claim;
  const mismatch = differs(record.fingerprint, print);
  if (mismatch) throw new IdempotencyKeyReusedError(`This ${IDEMPOTENCY_HEADER} was first used for ${mismatch}; use a new key for a different request`);
  if (!record.response) {
    res.setHeader('Retry-After', String(IN_FLIGHT_RETRY_AFTER_SECONDS));
    throw new IdempotencyKeyInFlightError(IN_FLIGHT_RETRY_AFTER_SECONDS);
  }
  replay(res, key, principal.keyId, record);
  return false;
}

/** Names what differs between the first request and this one, or undefined when they match. */
function differs(first: RequestFingerprint, now: RequestFingerprint): string | undefined {
  if (first.method !== now.method || first.path !== now.path) return `${first.method} ${first.path}`;
  if (first.bodySha256 !== now.bodySha256) return 'a request with a different body';
  return undefined;
}

function replay(res: Response, key: string, keyId: string, record: IdempotencyRecord): void {
  const stored = record.response!;
  const body = open(key, keyId, stored.sealedBody);
  res.status(stored.status);
  for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
  res.setHeader(REPLAYED_HEADER, 'true');
  res.end(body);
}

interface Captured {
  status: number;
  body: Buffer | undefined;
  headers: Record<string, string>;
}

/**
 * Wraps `res.write`/`res.end` so that whatever the handler sends (json, send, a stream) is seen;
 * the final `end` is held until `onEnd` resolves. `body` is undefined when it exceeded the limit.
 */
function captureResponse(res: Response, onEnd: (c: Captured) => Promise<void>): void {
  const write = res.write;
  const end = res.end;
  const chunks: Buffer[] = [];
  let size = 0;
  const collect = (chunk: unknown, encoding: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function' || size > MAX_STORED_BODY_BYTES) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    chunks.push(buf);
  };
  res.write = function (this: Response, ...args: unknown[]) {
    collect(args[0], args[1]);
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Response['write'];
  res.end = function (this: Response, ...args: unknown[]) {
    res.write = write;
    res.end = end;
    collect(args[0], args[1]);
    const headers: Record<string, string> = {};
    for (const name of STORED_HEADERS) {
      const v = res.getHeader(name);
      if (v !== undefined) headers[name] = Array.isArray(v) ? v.join(', ') : String(v);
    }
    const captured = { status: res.statusCode, body: size > MAX_STORED_BODY_BYTES ? undefined : Buffer.concat(chunks), headers };
    void onEnd(captured).finally(() => (end as (...a: unknown[]) => Response).apply(res, args));
    return res;
  } as Response['end'];
}

/** Keeps a success for replays; releases the key after an error (or a body too large to keep). Never throws: the response goes out regardless. */
async function settle(store: IdempotencyClaims, claim: { key: string; keyId: string; hash: string; claimId: string }, req: Request, captured: Captured): Promise<void> {
  try {
    if (captured.status < 400 && captured.body !== undefined) {
      const kept = await store.complete(claim.keyId, claim.hash, claim.claimId, { status: captured.status, headers: captured.headers, sealedBody: seal(claim.key, claim.keyId, captured.body) });
      if (!kept) req.log.warn({ keyId: claim.keyId }, 'idempotency claim was taken over before this request finished (it ran longer than IDEMPOTENCY_LOCK_SECONDS); its response is not kept');
    } else {
      if (captured.body === undefined) req.log.warn({ keyId: claim.keyId }, 'response too large to keep for idempotent replays; the key is released');
      await store.release(claim.keyId, claim.hash, claim.claimId);
    }
  } catch (err) {
    // The work is done and its response goes out; a retry meets the in-flight row until its lock passes, then runs again.
    req.log.warn({ err, keyId: claim.keyId }, 'could not store the idempotent response');
  }
}
