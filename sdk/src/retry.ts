import { parseRetryAfter } from './errors.js';

/** When and how often a request is tried again. */
export interface RetryOptions {
  /** Tries in all, the first included (default 4). 1 turns retrying off. */
  maxAttempts?: number;
  /** The first backoff's ceiling in milliseconds (default 500); it doubles with each retry. */
  baseDelayMs?: number;
  /** No backoff waits longer than this (default 20 000 ms). */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited out: the error goes to the caller (default 60 000 ms). */
  maxRetryAfterMs?: number;
  /**
   * Statuses worth another try (default 429 and 503: the server says "later", not "no"). A 409
   * `idempotency-key-in-flight` is retried too, for a request that carries its key.
   */
  statuses?: number[];
  /** Called before each wait, e.g. to log; `status` is undefined for a network error. */
  onRetry?: (info: { attempt: number; delayMs: number; status: number | undefined; error: unknown; request: Request }) => void;
}

/** The fetch the client sends through. */
export type Fetch = (input: Request) => Promise<Response>;

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Whether a request may be sent twice without doing its work twice: idempotent methods always;
 * a POST or PATCH only when it carries an Idempotency-Key, which makes the server answer a repeat
 * with the first response instead of acting again.
 */
export function isRetrySafe(request: Request): boolean {
  return IDEMPOTENT_METHODS.has(request.method) || request.headers.has('idempotency-key');
}

/** Full jitter: a uniform wait between 0 and min(cap, base·2^(attempt−1)) (AWS's "full jitter"). */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  return Math.round(random() * Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1)));
}

/**
 * Wraps a fetch so that a retry-safe request is tried again on 429, 503, network errors and a 409
 * saying its Idempotency-Key is still in flight, waiting
 * what Retry-After asks (seconds or an HTTP-date) or else a capped, fully jittered backoff. The
 * request is cloned for every attempt, so its headers (the Idempotency-Key among them) and body are
 * the same each time. An abort of the request's signal ends the waiting at once.
 */
export function retryingFetch(fetchImpl: Fetch, opts: RetryOptions = {}): Fetch {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
  const baseMs = opts.baseDelayMs ?? 500;
  const maxMs = opts.maxDelayMs ?? 20_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const statuses = new Set(opts.statuses ?? [429, 503]);

  return async (request) => {
    const safe = isRetrySafe(request);
    for (let attempt = 1; ; attempt++) {
      const last = !safe || attempt >= maxAttempts;
      let response: Response;
      try {
        response = await fetchImpl(last ? request : request.clone());
      } catch (error) {
        if (last || request.signal.aborted || !isNetworkError(error)) throw error;
        const delayMs = backoffDelayMs(attempt, baseMs, maxMs);
        opts.onRetry?.({ attempt, delayMs, status: undefined, error, request });
        await sleep(delayMs, request.signal);
        continue;
      }
      if (last || !(statuses.has(response.status) || (await isKeyInFlight(request, response)))) return response;
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) return response;
      const delayMs = retryAfter ?? backoffDelayMs(attempt, baseMs, maxMs);
      // Not awaited: cancelling one branch of a tee'd body (a cloned Response) settles only once both are.
      response.body?.cancel().catch(() => undefined);
      opts.onRetry?.({ attempt, delayMs, status: response.status, error: undefined, request });
      await sleep(delayMs, request.signal);
    }
  };
}

/**
 * The server's 409 for an Idempotency-Key whose first request is still running: it asks for a retry
 * (Retry-After), which then gets the first one's response. It comes when a retry follows a request
 * that timed out on our side but not on the server's.
 */
async function isKeyInFlight(request: Request, response: Response): Promise<boolean> {
  if (response.status !== 409 || !request.headers.has('idempotency-key')) return false;
  const problem = (await response.clone().json().catch(() => undefined)) as { type?: unknown } | undefined;
  return typeof problem?.type === 'string' && problem.type.endsWith('/idempotency-key-in-flight');
}

/** fetch rejects with a TypeError when the connection fails (refused, reset, DNS); aborts and our own errors are not that. */
function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
