import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../src/errors.js';
import { backoffDelayMs, isRetrySafe, retryingFetch, type Fetch } from '../src/retry.js';

/** A fetch that answers from a script, one entry per call, and records what it was sent. */
function scripted(...answers: Array<Response | Error>) {
  const calls: { method: string; key: string | null; body: string }[] = [];
  const fetch: Fetch = async (req) => {
    calls.push({ method: req.method, key: req.headers.get('idempotency-key'), body: await req.text() });
    const a = answers[Math.min(calls.length, answers.length) - 1]!;
    if (a instanceof Error) throw a;
    return a.clone();
  };
  return { fetch, calls };
}

const problem = (status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: 'https://rtcstack.dev/errors/x', title: 'X', status, detail: 'x' }), { status, headers: { 'Content-Type': 'application/problem+json', ...headers } });
const ok = () => new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } });
const post = (headers: Record<string, string> = {}) => new Request('http://api.test/v1/rooms', { method: 'POST', body: '{"name":"a"}', headers: { 'Content-Type': 'application/json', ...headers } });

describe('backoff', () => {
  it('is full jitter under a doubling, capped ceiling', () => {
    expect(backoffDelayMs(1, 500, 20_000, () => 1)).toBe(500);
    expect(backoffDelayMs(3, 500, 20_000, () => 1)).toBe(2000);
    expect(backoffDelayMs(10, 500, 20_000, () => 1)).toBe(20_000);
    expect(backoffDelayMs(4, 500, 20_000, () => 0)).toBe(0);
    expect(backoffDelayMs(2, 500, 20_000, () => 0.5)).toBe(500);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it('reads delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
  });
});

describe('retryingFetch', () => {
  it('retries 503 and 429 on a GET until it succeeds', async () => {
    const s = scripted(problem(503, { 'Retry-After': '0' }), problem(429, { 'Retry-After': '0' }), ok());
    const res = await retryingFetch(s.fetch)(new Request('http://api.test/v1/rooms'));
    expect(res.status).toBe(200);
    expect(s.calls).toHaveLength(3);
  });

  it('waits what Retry-After says', async () => {
    const s = scripted(problem(503, { 'Retry-After': '1' }), ok());
    const waits: number[] = [];
    const started = performance.now();
    await retryingFetch(s.fetch, { onRetry: (i) => waits.push(i.delayMs) })(new Request('http://api.test/v1/rooms'));
    expect(waits).toEqual([1000]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('does not retry a POST without an Idempotency-Key', async () => {
    const s = scripted(problem(503, { 'Retry-After': '0' }), ok());
    const res = await retryingFetch(s.fetch)(post());
    expect(res.status).toBe(503);
    expect(s.calls).toHaveLength(1);
  });

  it('retries a POST with an Idempotency-Key, sending the same key and body each time', async () => {
    const s = scripted(new TypeError('fetch failed'), problem(503, { 'Retry-After': '0' }), ok());
    const res = await retryingFetch(s.fetch, { baseDelayMs: 1 })(post({ 'Idempotency-Key': 'k-1' }));
    expect(res.status).toBe(200);
    expect(s.calls).toEqual([
      { method: 'POST', key: 'k-1', body: '{"name":"a"}' },
      { method: 'POST', key: 'k-1', body: '{"name":"a"}' },
      { method: 'POST', key: 'k-1', body: '{"name":"a"}' },
    ]);
  });

  it("retries a keyed POST while the server says its key is still in flight, but not a key reused for another body", async () => {
    const inFlight = new Response(JSON.stringify({ type: 'https://rtcstack.dev/errors/idempotency-key-in-flight', title: 'Conflict', status: 409, detail: 'd' }), { status: 409, headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '0' } });
    const s = scripted(inFlight, ok());
    expect((await retryingFetch(s.fetch)(post({ 'Idempotency-Key': 'k-2' }))).status).toBe(200);
    expect(s.calls).toHaveLength(2);
    const reused = new Response(JSON.stringify({ type: 'https://rtcstack.dev/errors/idempotency-key-reused', title: 'Conflict', status: 409, detail: 'd' }), { status: 409, headers: { 'Content-Type': 'application/problem+json' } });
    const r = scripted(reused, ok());
    expect((await retryingFetch(r.fetch)(post({ 'Idempotency-Key': 'k-3' }))).status).toBe(409);
    expect(r.calls).toHaveLength(1);
  });

  it('gives up after maxAttempts and hands back the last answer', async () => {
    const s = scripted(problem(503, { 'Retry-After': '0' }));
    const res = await retryingFetch(s.fetch, { maxAttempts: 3 })(new Request('http://api.test/v1/rooms'));
    expect(res.status).toBe(503);
    expect(s.calls).toHaveLength(3);
  });

  it('does not wait out a Retry-After beyond maxRetryAfterMs, nor retry what the server refused', async () => {
    const long = scripted(problem(429, { 'Retry-After': '3600' }), ok());
    expect((await retryingFetch(long.fetch)(new Request('http://api.test/v1/rooms'))).status).toBe(429);
    expect(long.calls).toHaveLength(1);
    const refused = scripted(problem(400), ok());
    expect((await retryingFetch(refused.fetch)(new Request('http://api.test/v1/rooms'))).status).toBe(400);
    expect(refused.calls).toHaveLength(1);
  });

  it('rethrows an error that is not the network failing', async () => {
    const s = scripted(new RangeError('a bug'), ok());
    await expect(retryingFetch(s.fetch)(new Request('http://api.test/v1/rooms'))).rejects.toThrow('a bug');
    expect(s.calls).toHaveLength(1);
  });

  it('stops waiting as soon as the caller aborts', async () => {
    const s = scripted(problem(503, { 'Retry-After': '30' }), ok());
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('caller gave up')), 50);
    const started = performance.now();
    await expect(retryingFetch(s.fetch)(new Request('http://api.test/v1/rooms', { signal: ctl.signal }))).rejects.toThrow('caller gave up');
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('knows which requests are safe to send twice', () => {
    expect(isRetrySafe(new Request('http://x/', { method: 'GET' }))).toBe(true);
    expect(isRetrySafe(new Request('http://x/', { method: 'DELETE' }))).toBe(true);
    expect(isRetrySafe(post())).toBe(false);
    expect(isRetrySafe(post({ 'Idempotency-Key': 'k' }))).toBe(true);
    expect(isRetrySafe(new Request('http://x/', { method: 'PATCH', body: '{}' }))).toBe(false);
  });
});
