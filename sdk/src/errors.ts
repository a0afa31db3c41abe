import type { components } from './generated/schema.js';

/** An RFC 9457 problem document as the API sends it (`application/problem+json`). */
export type Problem = components['schemas']['Problem'] & Record<string, unknown>;

/**
 * A response that was not 2xx. The API answers every error as problem+json, whose fields are
 * copied here; anything else (a proxy's HTML page) still becomes one, with `type` `about:blank`.
 */
export class RtcstackError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The problem type URI, e.g. `https://rtcstack.dev/errors/not-found`. */
  readonly type: string;
  /** Short, human-readable summary of the problem type. */
  readonly title: string;
  /** What went wrong with this request. */
  readonly detail: string;
  /** The server's id for this request (X-Request-Id): quote it when reporting a problem. */
  readonly requestId: string | undefined;
  /** How long the server asked us to wait (Retry-After), in milliseconds, when it said. */
  readonly retryAfterMs: number | undefined;
  /** The problem document as received (with any extension members such as `errors` or `requiredScope`). */
  readonly problem: Problem | undefined;
  /** The response itself (its body already read). */
  readonly response: Response;

  constructor(response: Response, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    const detail = problem?.detail ?? (typeof body === 'string' && body ? body.slice(0, 500) : `HTTP ${response.status}`);
    super(`${response.status} ${problem?.title ?? response.statusText}: ${detail}`);
    this.name = 'RtcstackError';
    this.status = response.status;
    this.type = problem?.type ?? 'about:blank';
    this.title = problem?.title ?? response.statusText;
    this.detail = detail;
    this.requestId = response.headers.get('x-request-id') ?? (typeof problem?.requestId === 'string' ? problem.requestId : undefined);
    this.retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    this.problem = problem;
    this.response = response;
  }
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as { type?: unknown }).type === 'string' && typeof (body as { status?: unknown }).status === 'number';
}

/** Retry-After in milliseconds: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP-date starts with a day name ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse would take "-3" for a year.
  if (!/^[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
