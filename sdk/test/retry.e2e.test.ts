import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../server/test/sidecar-process.js';
import { createClient, RtcstackError, type Fetch } from '../src/index.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';

const { apiKey, databaseUrl } = inject('controlPlane');

/** A fetch that notes when each attempt left and when its answer came back. */
function timed() {
  const attempts: { method: string; key: string | null; sentAt: number; answeredAt: number; status: number; retryAfter: string | null }[] = [];
  const fetchSpy: Fetch = async (req) => {
    const sentAt = performance.now();
    const res = await fetch(req);
    attempts.push({ method: req.method, key: req.headers.get('idempotency-key'), sentAt, answeredAt: performance.now(), status: res.status, retryAfter: res.headers.get('retry-after') });
    return res;
  };
  return { fetch: fetchSpy, attempts };
}

describe('retries against a control plane whose LiveKit is down (a real 503)', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    // A loopback port nothing listens on: every LiveKit call is refused at once, and the API answers 503.
    cp = await startControlPlane({ DATABASE_URL: databaseUrl, LIVEKIT_URL: `http://127.0.0.1:${await freePort()}` });
  });
  afterAll(() => cp?.stop());

  it('waits the Retry-After the server sends before trying a GET again', async () => {
    const t = timed();
    const delays: number[] = [];
    const rtc = createClient({ baseUrl: cp.url, apiKey, fetch: t.fetch, retry: { maxAttempts: 2, onRetry: (i) => delays.push(i.delayMs) } });
    const err = (await rtc.GET('/v1/rooms').catch((e: unknown) => e)) as RtcstackError;
    expect(err).toBeInstanceOf(RtcstackError);
    expect(err.status).toBe(503);
    expect(err.type).toBe('https://rtcstack.dev/errors/service-unavailable');
    expect(err.detail).toMatch(/LiveKit/);
    expect(t.attempts).toHaveLength(2);
    const advertised = Number(t.attempts[0]!.retryAfter) * 1000;
    expect(advertised).toBeGreaterThan(0);
    expect(delays).toEqual([advertised]);
    expect(err.retryAfterMs).toBe(advertised);
    // Timers never fire early; the 25 ms allow for clock granularity between performance.now() readings.
    expect(t.attempts[1]!.sentAt - t.attempts[0]!.answeredAt).toBeGreaterThanOrEqual(advertised - 25);
  });

  it('retries a POST with the same Idempotency-Key, and does not retry one sent without', async () => {
    const t = timed();
    const rtc = createClient({ baseUrl: cp.url, apiKey, fetch: t.fetch, retry: { maxAttempts: 2 } });
    await expect(rtc.POST('/v1/rooms', { body: { name: 'sdk-retry' } })).rejects.toMatchObject({ status: 503 });
    expect(t.attempts.map((a) => a.method)).toEqual(['POST', 'POST']);
    expect(t.attempts[0]!.key).toMatch(/\S/);
    expect(t.attempts[1]!.key).toBe(t.attempts[0]!.key);

    const bare = timed();
    const unkeyed = createClient({ baseUrl: cp.url, apiKey, fetch: bare.fetch, idempotencyKeys: false, retry: { maxAttempts: 2 } });
    await expect(unkeyed.POST('/v1/rooms', { body: { name: 'sdk-retry' } })).rejects.toMatchObject({ status: 503 });
    expect(bare.attempts).toHaveLength(1);
  });
});

describe('retries against the rate limiter (a real 429)', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ DATABASE_URL: databaseUrl, RATE_LIMIT_BOOTSTRAP_PER_MINUTE: '2' });
  });
  afterAll(() => cp?.stop());

  // The limiter's window is one minute, so this test waits up to that long, once.
  it('surfaces a 429 whose Retry-After is beyond its patience, and waits one out when it is not', async () => {
    const t = timed();
    const impatient = createClient({ baseUrl: cp.url, apiKey, fetch: t.fetch, retry: { maxRetryAfterMs: 0 } });
    await impatient.GET('/v1/audit');
    await impatient.GET('/v1/audit');
    const err = (await impatient.GET('/v1/audit').catch((e: unknown) => e)) as RtcstackError;
    expect(err).toBeInstanceOf(RtcstackError);
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(t.attempts).toHaveLength(3);

    const p = timed();
    const patient = createClient({ baseUrl: cp.url, apiKey, fetch: p.fetch });
    const { response } = await patient.GET('/v1/audit');
    expect(response.status).toBe(200);
    expect(p.attempts.map((a) => a.status)).toEqual([429, 200]);
    const advertised = Number(p.attempts[0]!.retryAfter) * 1000;
    expect(p.attempts[1]!.sentAt - p.attempts[0]!.answeredAt).toBeGreaterThanOrEqual(advertised - 25);
  }, 150_000);
});
