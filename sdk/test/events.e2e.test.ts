import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createClient, type Fetch, type RtcstackEvent } from '../src/index.js';
import { sendLiveKitEvent } from './livekit-webhook.js';

const { url, apiKey } = inject('controlPlane');
const tag = randomBytes(4).toString('hex');

/** Reads `n` events from the iterator, then stops it; fails after `timeoutMs`. */
async function take(it: AsyncGenerator<RtcstackEvent>, n: number, timeoutMs = 30_000): Promise<RtcstackEvent[]> {
  const out: RtcstackEvent[] = [];
  const timer = setTimeout(() => void it.throw(new Error(`only ${out.length} of ${n} events within ${timeoutMs} ms`)), timeoutMs);
  try {
    for await (const ev of it) {
      out.push(ev);
      if (out.length === n) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/** Waits until the stream is open on the server (a `retry:` line came back), so the next event is live. */
function opened(): { fetch: Fetch; ready: Promise<void>; connections: () => number } {
  let connections = 0;
  let resolve!: () => void;
  const ready = new Promise<void>((r) => (resolve = r));
  const fetchOpened: Fetch = async (req) => {
    const res = await fetch(req);
    connections++;
    if (res.ok) setTimeout(resolve, 200);
    return res;
  };
  return { fetch: fetchOpened, ready, connections: () => connections };
}

describe('client.events() against the real control plane', () => {
  it('yields a live event as it happens, filtered by room and type', async () => {
    const room = `sdk-ev-${tag}`;
    const o = opened();
    const rtc = createClient({ baseUrl: url, apiKey, fetch: o.fetch });
    const it = rtc.events({ room, types: ['room_created'] });
    const got = take(it, 1);
    await o.ready;
    await sendLiveKitEvent(url, { event: 'participant_joined', id: `EV_pj_${tag}`, room: { name: room } });
    await sendLiveKitEvent(url, { event: 'room_started', id: `EV_other_${tag}`, room: { name: `${room}-other` } });
    await sendLiveKitEvent(url, { event: 'room_started', id: `EV_rs_${tag}`, room: { name: room } });
    const [ev] = await got;
    expect(ev).toMatchObject({ id: `EV_rs_${tag}`, type: 'room_created' });
    expect(ev!.position).toMatch(/\S/);
    expect(JSON.stringify(ev!.data)).toContain(room);
  });

  it('resumes after a dropped connection with Last-Event-ID, missing nothing, and resumes later from a position', async () => {
    const room = `sdk-drop-${tag}`;
    const ids = [1, 2, 3].map((i) => `EV_drop_${tag}_${i}`);
    for (const id of ids) await sendLiveKitEvent(url, { event: 'room_started', id, room: { name: room } });
    const { data: stored } = await createClient({ baseUrl: url, apiKey }).GET('/v1/events', { params: { query: { room } } });
    expect(stored.events.map((e) => e.id)).toEqual(ids);

    // The first connection is cut after its first event (a proxy dropping it); the iterator reconnects.
    const sent: (string | null)[] = [];
    const cutting: Fetch = async (req) => {
      sent.push(req.headers.get('last-event-id'));
      const res = await fetch(req);
      if (sent.length > 1 || !res.body) return res;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const encoder = new TextEncoder();
      let text = '';
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          const r = await reader.read();
          if (r.done) return c.close();
          text += decoder.decode(r.value, { stream: true });
          const at = text.indexOf(`"${ids[0]}"`);
          if (at < 0) return; // held back until the first event is complete
          // Pass on everything up to the end of the first event's frame, then break the connection.
          const end = text.indexOf('\n\n', at);
          if (end < 0) return;
          c.enqueue(encoder.encode(text.slice(0, end + 2)));
          await reader.cancel();
          // Later, not at once: error() discards what is still queued.
          setTimeout(() => c.error(new TypeError('terminated')), 50);
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const rtc = createClient({ baseUrl: url, apiKey, fetch: cutting, retry: { baseDelayMs: 50 } });
    const all = await take(rtc.events({ room, after: '0-0' }), 3);
    expect(all.map((e) => e.id)).toEqual(ids);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent[1]).toBe(all[0]!.position);

    // Later, a new iterator from a saved position gets only what came after it.
    const later = await take(createClient({ baseUrl: url, apiKey }).events({ room, after: all[1]!.position }), 1);
    expect(later.map((e) => e.id)).toEqual([ids[2]]);
  });
});

describe('client.paginate()', () => {
  it('walks every page of a list by nextCursor', async () => {
    const room = `sdk-page-${tag}`;
    const ids = [1, 2, 3, 4, 5].map((i) => `EV_page_${tag}_${i}`);
    for (const id of ids) await sendLiveKitEvent(url, { event: 'room_started', id, room: { name: room } });
    let pages = 0;
    const counting = createClient({ baseUrl: url, apiKey, fetch: (req) => (pages++, fetch(req)) });
    const seen: string[] = [];
    for await (const ev of counting.paginate('/v1/events', { query: { room, limit: 2 } })) seen.push(ev.id);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
  });
});
