import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { RtcstackError } from './errors.js';
import type { components } from './generated/schema.js';
import { backoffDelayMs, sleep, type Fetch, type RetryOptions } from './retry.js';

/** An event type of the API's catalogue. */
export type EventType = components['schemas']['LiveEvent']['type'];

/** One live event: the same body a webhook delivery carries, and its position in the stream. */
export interface RtcstackEvent {
  /** The event's id (a webhook delivery of it carries the same one in X-Rtcstack-Event-Id). */
  id: string;
  /** The catalogue type, e.g. `room_created` or `recording_stopped`. */
  type: EventType;
  createdAt: string;
  data: Record<string, unknown>;
  /** Where the event sits in the stream (the SSE `id:`): pass it as `after` to resume from here later. */
  position: string;
}

/** Which events, and from where. */
export interface EventsOptions {
  /** Only the events of this room (or these rooms). */
  room?: string | string[];
  /** Only these event types. */
  types?: EventType[];
  /** Start after this position (a `position` seen before); omitted, the stream starts with what happens next. */
  after?: string;
  /** Ends the iteration (the loop finishes without an error). */
  signal?: AbortSignal;
  /**
   * A connection that brings nothing, not even a heartbeat, for this long is taken for dead and
   * replaced (default 60 000 ms, well above the server's heartbeat interval).
   */
  idleTimeoutMs?: number;
}

/** How the iterator reaches the API (set up by createClient). */
export interface EventsConnection {
  baseUrl: string;
  headers: Record<string, string>;
  fetch: Fetch;
  retry?: RetryOptions;
}

/** The stream broke its own protocol (an event whose data is not the JSON the API sends). */
export class EventStreamError extends Error {
  override name = 'EventStreamError';
}

class IdleTimeout extends Error {
  override name = 'IdleTimeout';
}

const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

/**
 * Iterates over GET /v1/events as Server-Sent Events. A dropped, failed or silent connection is
 * replaced after a jittered backoff (the server's `retry:` hint as its base), sending Last-Event-ID
 * so the server replays from its stored events whatever was missed; a 429/503 waits out its
 * Retry-After. An error the server means (400, 401, 403, 404) ends the iteration with an RtcstackError.
 */
export async function* events(conn: EventsConnection, opts: EventsOptions = {}): AsyncGenerator<RtcstackEvent, void, undefined> {
  const idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
  const maxDelayMs = conn.retry?.maxDelayMs ?? 20_000;
  let baseDelayMs = conn.retry?.baseDelayMs ?? 500;
  let lastPosition = opts.after;
  let failures = 0;

  while (!opts.signal?.aborted) {
    const ctl = new AbortController();
    const stop = () => ctl.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', stop, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => ctl.abort(new IdleTimeout(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
    };
    let waitMs: number | undefined;
    try {
      watch();
      const request = new Request(eventsUrl(conn.baseUrl, { ...opts, after: lastPosition }), { headers: streamHeaders(conn.headers, lastPosition), signal: ctl.signal });
      const res = await abortable(conn.fetch(request), ctl.signal);
      if (!res.ok) {
        const err = new RtcstackError(res, await res.text().then(parseJson, () => undefined));
        if (!TRANSIENT_STATUSES.has(res.status)) throw err;
        waitMs = err.retryAfterMs;
      } else if (!res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        throw new EventStreamError(`GET /v1/events answered ${res.headers.get('content-type') ?? 'no content type'}, not text/event-stream`);
      } else {
        const pending: RtcstackEvent[] = [];
        const parser = createParser({
          onEvent: (m) => pending.push(toEvent(m)),
          onRetry: (ms) => (baseDelayMs = ms),
        });
        const decoder = new TextDecoder();
        // Cancelling the reader ends a pending read at once, whether or not the fetch honours the signal.
        const reader = res.body.getReader();
        ctl.signal.addEventListener('abort', () => void reader.cancel(ctl.signal.reason).catch(() => undefined), { once: true });
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          parser.feed(decoder.decode(r.value, { stream: true }));
          // The idle clock stops while the caller holds an event: a slow consumer is not a dead connection.
          clearTimeout(idle);
          for (let ev = pending.shift(); ev; ev = pending.shift()) {
            lastPosition = ev.position;
            failures = 0;
            yield ev;
          }
          watch();
        }
        // The server closed the stream (a deploy, a proxy's timeout): connect again, resuming.
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      if (err instanceof RtcstackError || err instanceof EventStreamError) throw err;
      // Anything else is the connection failing (refused, reset, idle): replace it.
    } finally {
      clearTimeout(idle);
      opts.signal?.removeEventListener('abort', stop);
      ctl.abort();
    }
    failures++;
    try {
      await sleep(waitMs ?? backoffDelayMs(failures, baseDelayMs, maxDelayMs), opts.signal);
    } catch {
      return; // aborted while waiting
    }
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function eventsUrl(baseUrl: string, opts: EventsOptions): string {
  const url = new URL(`${baseUrl}/v1/events`);
  const rooms = typeof opts.room === 'string' ? [opts.room] : (opts.room ?? []);
  if (rooms.length) url.searchParams.set('room', rooms.join(','));
  if (opts.types?.length) url.searchParams.set('type', opts.types.join(','));
  if (opts.after) url.searchParams.set('after', opts.after);
  return url.toString();
}

function streamHeaders(base: Record<string, string>, lastPosition: string | undefined): Record<string, string> {
  return { ...base, Accept: 'text/event-stream', 'Cache-Control': 'no-cache', ...(lastPosition ? { 'Last-Event-ID': lastPosition } : {}) };
}

function toEvent(m: EventSourceMessage): RtcstackEvent {
  let body: Omit<RtcstackEvent, 'position'>;
  try {
    body = JSON.parse(m.data) as Omit<RtcstackEvent, 'position'>;
  } catch {
    throw new EventStreamError(`event ${m.id ?? '(no id)'} carries data that is not JSON`);
  }
  return { ...body, type: body.type ?? m.event, position: m.id ?? body.id };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
