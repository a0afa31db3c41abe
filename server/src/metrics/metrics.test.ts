import { describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue } from '../../test/prometheus-text.js';
import { Metrics, outcomeOf } from './metrics.js';
import { routeLabel } from './metrics-middleware.js';
import type { AttemptSample, MetricsStore } from './metrics-store.js';

/** A MetricsStore that answers from memory, can hang, and counts its calls. */
class FakeStore {
  calls = 0;
  hang = false;
  attempts: AttemptSample[] = [];
  private gate<T>(v: T): Promise<T> {
    this.calls++;
    return this.hang ? new Promise<T>(() => undefined) : Promise.resolve(v);
  }
  recordingsByStatus = () => this.gate([{ status: 'recording', count: 2 }]);
  transcriptionsByKindAndStatus = () => this.gate([{ kind: 'live', status: 'active', count: 1 }]);
  outboxDepth = () => this.gate({ byStatus: [{ status: 'pending', count: 3 }], oldestAgeSeconds: 1.5 });
  latestAttemptId = () => this.gate('10');
  attemptsAfter = (afterId: string) => this.gate(this.attempts.filter((a) => BigInt(a.id) > BigInt(afterId)));
}

function metricsWith(store: FakeStore, opts: { cacheMs?: number; rateLimits?: () => { rejected: number; failOpen: number; redisDown: boolean } } = {}) {
  return new Metrics(
    { store: store as unknown as MetricsStore, sidecars: { 'stt-live': { isUp: async () => true } }, rateLimits: opts.rateLimits },
    { version: '9.9.9', cacheMs: opts.cacheMs ?? 0, timeoutMs: 50 },
  );
}

const scrape = async (m: Metrics) => parsePrometheus(await m.render());

describe('Metrics', () => {
  it('reads the gauges at scrape time, every known status present', async () => {
    const samples = await scrape(metricsWith(new FakeStore()));
    expect(sampleValue(samples, 'rtcstack_recordings', { status: 'recording' })).toBe(2);
    expect(sampleValue(samples, 'rtcstack_recordings', { status: 'aborted' })).toBe(0);
    expect(sampleValue(samples, 'rtcstack_transcriptions', { kind: 'post', status: 'failed' })).toBe(0);
    expect(sampleValue(samples, 'rtcstack_live_transcription_sessions')).toBe(1);
    expect(sampleValue(samples, 'rtcstack_webhook_outbox_deliveries', { status: 'pending' })).toBe(3);
    expect(sampleValue(samples, 'rtcstack_webhook_outbox_deliveries', { status: 'delivering' })).toBe(0);
    expect(sampleValue(samples, 'rtcstack_sidecar_up', { sidecar: 'stt-live' })).toBe(1);
    expect(sampleValue(samples, 'rtcstack_scrape_source_up', { source: 'postgres' })).toBe(1);
  });

  it('observes only the webhook attempts recorded after its first scrape', async () => {
    const store = new FakeStore();
    store.attempts = [{ id: '9', statusCode: 200, latencyMs: 10 }, { id: '10', statusCode: 200, latencyMs: 10 }];
    const m = metricsWith(store);
    await scrape(m);
    store.attempts.push({ id: '11', statusCode: 503, latencyMs: 40 }, { id: '12', statusCode: null, latencyMs: 5000 });
    const samples = await scrape(m);
    expect(sampleValue(samples, 'rtcstack_webhook_attempt_duration_seconds_count', { outcome: '5xx' })).toBe(1);
    expect(sampleValue(samples, 'rtcstack_webhook_attempt_duration_seconds_count', { outcome: 'error' })).toBe(1);
    expect(sampleValue(samples, 'rtcstack_webhook_attempt_duration_seconds_count', { outcome: '2xx' })).toBeUndefined();
    expect(sampleValue(samples, 'rtcstack_webhook_attempt_duration_seconds_sum', { outcome: 'error' })).toBe(5);
    // Read once: a third scrape adds nothing.
    expect(sampleValue(await scrape(m), 'rtcstack_webhook_attempt_duration_seconds_count', { outcome: '5xx' })).toBe(1);
  });

  it('reuses one round of queries within cacheMs, shared by concurrent scrapes', async () => {
    const store = new FakeStore();
    const m = metricsWith(store, { cacheMs: 60_000 });
    await Promise.all([m.render(), m.render(), m.render()]);
    await m.render();
    expect(store.calls).toBe(4); // one round: four queries
  });

  it('answers within its timeout when Postgres hangs, leaving its gauges out and counting the error', async () => {
    const store = new FakeStore();
    const m = metricsWith(store);
    await scrape(m);
    store.hang = true;
    const start = performance.now();
    const samples = await scrape(m);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(sampleValue(samples, 'rtcstack_scrape_source_up', { source: 'postgres' })).toBe(0);
    expect(sampleValue(samples, 'rtcstack_scrape_errors_total', { source: 'postgres' })).toBe(1);
    expect(samples.filter((s) => s.name === 'rtcstack_recordings')).toEqual([]);
    expect(sampleValue(samples, 'rtcstack_sidecar_up', { sidecar: 'stt-live' })).toBe(1);
  });

  it('exposes the rate limiter’s counters as they are at scrape time', async () => {
    let counters = { rejected: 2, failOpen: 0, redisDown: false };
    const m = metricsWith(new FakeStore(), { rateLimits: () => counters });
    expect(sampleValue(await scrape(m), 'rtcstack_rate_limit_rejections_total')).toBe(2);
    counters = { rejected: 5, failOpen: 7, redisDown: true };
    const samples = await scrape(m);
    expect(sampleValue(samples, 'rtcstack_rate_limit_rejections_total')).toBe(5);
    expect(sampleValue(samples, 'rtcstack_rate_limit_fail_open_total')).toBe(7);
    expect(sampleValue(samples, 'rtcstack_rate_limit_redis_up')).toBe(0);
  });

  it('labels requests by route template', async () => {
    const m = metricsWith(new FakeStore());
    m.observeRequest('GET', '/v1/rooms/:roomId', 200, 0.003);
    m.observeRequest('GET', '/v1/rooms/:roomId', 200, 0.004);
    expect(sampleValue(await scrape(m), 'http_request_duration_seconds_count', { method: 'GET', route: '/v1/rooms/:roomId', status_code: '200' })).toBe(2);
  });

  it('two instances in one process do not collide', () => {
    expect(() => [metricsWith(new FakeStore()), metricsWith(new FakeStore())]).not.toThrow();
  });
});

describe('routeLabel and outcomeOf', () => {
  it('joins the router base and the template; unmatched without a route', () => {
    expect(routeLabel({ baseUrl: '', route: { path: '/v1/rooms/:roomId' } })).toBe('/v1/rooms/:roomId');
    expect(routeLabel({ baseUrl: '/admin', route: { path: '/x/:id' } })).toBe('/admin/x/:id');
    expect(routeLabel({ baseUrl: '' })).toBe('unmatched');
  });

  it('classes attempts by status', () => {
    expect([200, 301, 404, 503, null].map(outcomeOf)).toEqual(['2xx', '3xx', '4xx', '5xx', 'error']);
  });
});
