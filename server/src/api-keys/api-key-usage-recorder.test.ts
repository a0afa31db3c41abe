import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_PRINCIPAL, type Principal } from '../http/principal.js';
import { ApiKeyUsageRecorder } from './api-key-usage-recorder.js';
import type { UsageCount } from './api-keys-store.js';

/** A store that records each batch, and fails while `down` is set. */
class FakeUsageStore {
  batches: Array<{ counts: UsageCount[]; lastUsed: Array<{ keyId: string; at: string }> }> = [];
  down = false;
  async addUsage(counts: UsageCount[], lastUsed: Array<{ keyId: string; at: string }>): Promise<void> {
    if (this.down) throw new Error('connection refused');
    this.batches.push({ counts, lastUsed });
  }
}

const logger = pino({ level: 'silent' });
const at = new Date('2026-12-01T10:00:00Z');

describe('ApiKeyUsageRecorder', () => {
  it('adds up counts by key, day and status class and writes them as one batch', async () => {
    const store = new FakeUsageStore();
    const r = new ApiKeyUsageRecorder(store, { flushIntervalMs: 60_000 }, logger);
    r.count('key_a', 200, at);
    r.count('key_a', 201, at);
    r.count('key_a', 404, at);
    r.count('key_b', 503, new Date('2026-12-02T00:00:01Z'));
    await r.flush();
    expect(store.batches).toHaveLength(1);
    expect(store.batches[0]!.counts).toEqual([
      { keyId: 'key_a', day: '2026-12-01', statusClass: '2xx', count: 2 },
      { keyId: 'key_a', day: '2026-12-01', statusClass: '4xx', count: 1 },
      { keyId: 'key_b', day: '2026-12-02', statusClass: '5xx', count: 1 },
    ]);
    expect(store.batches[0]!.lastUsed).toEqual([
      { keyId: 'key_a', at: at.toISOString() },
      { keyId: 'key_b', at: '2026-12-02T00:00:01.000Z' },
    ]);
    await r.flush();
    expect(store.batches).toHaveLength(1); // nothing new, nothing written
    await r.stop();
  });

  it('keeps a batch that failed to write and adds it to the next one', async () => {
    const store = new FakeUsageStore();
    const r = new ApiKeyUsageRecorder(store, { flushIntervalMs: 60_000 }, logger);
    r.count('key_a', 200, at);
    store.down = true;
    await r.flush();
    store.down = false;
    r.count('key_a', 200, at);
    await r.stop();
    expect(store.batches.map((b) => b.counts)).toEqual([[{ keyId: 'key_a', day: '2026-12-01', statusClass: '2xx', count: 2 }]]);
  });

  it('counts each finished response under its stored key, not the bootstrap key nor unauthenticated ones, and nothing after stop', async () => {
    const store = new FakeUsageStore();
    const r = new ApiKeyUsageRecorder(store, { flushIntervalMs: 60_000 }, logger);
    const stored: Principal = { keyId: 'key_a', prefix: 'rtc_live_a', name: 'a', scopes: ['rooms:read'], bootstrap: false };
    const respond = (principal: Principal | undefined, statusCode: number) => {
      const req = {} as Request;
      const res = Object.assign(new EventEmitter(), { statusCode }) as unknown as Response;
      r.middleware(req, res, () => undefined);
      req.principal = principal; // set by the guard after this middleware ran
      res.emit('finish');
    };
    respond(stored, 403);
    respond(BOOTSTRAP_PRINCIPAL, 200);
    respond(undefined, 401);
    await r.stop();
    respond(stored, 200);
    await r.flush();
    expect(store.batches.map((b) => b.counts.map((c) => [c.keyId, c.statusClass, c.count]))).toEqual([[['key_a', '4xx', 1]]]);
  });
});
