import { describe, expect, it } from 'vitest';
import { RtcstackError } from '../src/errors.js';
import { events, EventStreamError, type RtcstackEvent } from '../src/events.js';
import type { Fetch } from '../src/retry.js';

/** An SSE body sent in `chunks`, then closed, broken (a reset connection) or left hanging (a silent one). */
function sse(chunks: string[], end: 'close' | 'error' | 'hang' = 'close'): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      if (end === 'close') c.close();
      // Later, not at once: error() discards what is still queued, and a reset comes after the bytes it cut.
      if (end === 'error') setTimeout(() => c.error(new TypeError('terminated')), 20);
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

const frame = (position: number, type = 'room_created') =>
  `id: ${position}\nevent: ${type}\ndata: ${JSON.stringify({ id: `EV_${position}`, type, createdAt: '2026-03-01T12:00:00.000Z', data: { room: 'r' } })}\n\n`;

/** A fetch answering each connection from a list, recording the URL and Last-Event-ID it was asked with. */
function connections(...answers: Array<() => Response | Promise<Response>>) {
  const seen: { url: string; lastEventId: string | null; accept: string | null; apiKey: string | null }[] = [];
  const fetch: Fetch = async (req) => {
    seen.push({ url: req.url, lastEventId: req.headers.get('last-event-id'), accept: req.headers.get('accept'), apiKey: req.headers.get('x-api-key') });
    const next = answers[seen.length - 1];
    if (!next) return new Promise<Response>(() => undefined); // no more: hang until the test stops
    return next();
  };
  return { fetch, seen };
}

async function take(it: AsyncGenerator<RtcstackEvent>, n: number): Promise<RtcstackEvent[]> {
  const out: RtcstackEvent[] = [];
  for await (const ev of it) {
    out.push(ev);
    if (out.length === n) break;
  }
  return out;
}

const conn = (fetch: Fetch) => ({ baseUrl: 'http://api.test', headers: { 'X-API-Key': 'k' }, fetch, retry: { baseDelayMs: 1 } });

describe('the events iterator', () => {
  it('parses events split across chunks, skips heartbeats, and sends the filters', async () => {
    const whole = `: heartbeat\n\n${frame(1)}${frame(2, 'participant_joined')}`;
    const c = connections(() => sse([whole.slice(0, 17), whole.slice(17, 60), whole.slice(60)], 'hang'));
    const got = await take(events(conn(c.fetch), { room: 'r', types: ['room_created', 'participant_joined'] }), 2);
    expect(got.map((e) => [e.position, e.type, e.id])).toEqual([
      ['1', 'room_created', 'EV_1'],
      ['2', 'participant_joined', 'EV_2'],
    ]);
    expect(got[0]!.data).toEqual({ room: 'r' });
    const url = new URL(c.seen[0]!.url);
    expect(url.pathname).toBe('/v1/events');
    expect(url.searchParams.get('room')).toBe('r');
    expect(url.searchParams.get('type')).toBe('room_created,participant_joined');
    expect(c.seen[0]).toMatchObject({ accept: 'text/event-stream', apiKey: 'k', lastEventId: null });
  });

  it('resumes after a dropped connection with Last-Event-ID, missing nothing', async () => {
    const c = connections(
      () => sse([frame(1), frame(2)], 'error'),
      () => new Response('{"type":"https://rtcstack.dev/errors/service-unavailable","title":"Service Unavailable","status":503,"detail":"d"}', { status: 503, headers: { 'Retry-After': '0', 'Content-Type': 'application/problem+json' } }),
      () => sse([frame(3)], 'close'),
      () => sse([frame(4)], 'hang'),
    );
    const got = await take(events(conn(c.fetch), { after: '0' }), 4);
    expect(got.map((e) => e.position)).toEqual(['1', '2', '3', '4']);
    expect(c.seen.map((s) => s.lastEventId)).toEqual(['0', '2', '2', '3']);
    expect(new URL(c.seen[3]!.url).searchParams.get('after')).toBe('3');
  });

  it('replaces a connection that goes silent, heartbeats included', async () => {
    const c = connections(() => sse([frame(1)], 'hang'), () => sse([frame(2)], 'hang'));
    const got = await take(events(conn(c.fetch), { idleTimeoutMs: 200 }), 2);
    expect(got.map((e) => e.position)).toEqual(['1', '2']);
    expect(c.seen[1]!.lastEventId).toBe('1');
  });

  it('ends with an RtcstackError when the server refuses (401), and with EventStreamError on garbage', async () => {
    const denied = connections(() => new Response('{"type":"https://rtcstack.dev/errors/unauthorized","title":"Unauthorized","status":401,"detail":"no"}', { status: 401 }));
    await expect(take(events(conn(denied.fetch)), 1)).rejects.toBeInstanceOf(RtcstackError);
    const garbage = connections(() => sse(['id: 1\ndata: {not json\n\n'], 'hang'));
    await expect(take(events(conn(garbage.fetch)), 1)).rejects.toBeInstanceOf(EventStreamError);
    const html = connections(() => new Response('<html>', { status: 200, headers: { 'Content-Type': 'text/html' } }));
    await expect(take(events(conn(html.fetch)), 1)).rejects.toBeInstanceOf(EventStreamError);
  });

  it('finishes quietly when the caller aborts, even while waiting on a silent stream', async () => {
    const ctl = new AbortController();
    const c = connections(() => sse([frame(1)], 'hang'));
    const got: string[] = [];
    setTimeout(() => ctl.abort(), 100);
    for await (const ev of events(conn(c.fetch), { signal: ctl.signal })) got.push(ev.position);
    expect(got).toEqual(['1']);
  });
});
