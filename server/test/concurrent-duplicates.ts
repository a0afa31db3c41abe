import type { Express } from 'express';
import type request from 'supertest';
import { expect } from 'vitest';

/** Fires `n` copies of a request at once, spread round-robin over `apps` (replicas of one deployment). */
export function concurrently(n: number, apps: Express[], send: (app: Express) => request.Test): Promise<request.Response[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => send(apps[i % apps.length]!).then((r) => r)));
}

/**
 * What concurrent duplicates with one Idempotency-Key must come to: exactly one ran (answered
 * `status`, not marked replayed); every other was a 409 in flight (with Retry-After) or replayed
 * that response byte for byte. Returns the one that ran.
 */
export function expectOneRun(responses: request.Response[], status: number): request.Response {
  const ran = responses.filter((r) => r.status === status && r.headers['idempotent-replayed'] === undefined);
  const seen = responses.map((r) => `${r.status} ${r.headers['idempotent-replayed'] ? 'replayed' : ''} ${r.body?.type ?? ''}`).join('\n');
  expect(ran, seen).toHaveLength(1);
  for (const r of responses) {
    if (r === ran[0]) continue;
    if (r.status === 409) {
      expect(r.body.type, seen).toBe('https://rtcstack.dev/errors/idempotency-key-in-flight');
      expect(r.headers['retry-after']).toBe('1');
    } else {
      expect(r.status, seen).toBe(status);
      expect(r.headers['idempotent-replayed']).toBe('true');
      expect(r.body).toEqual(ran[0]!.body);
    }
  }
  return ran[0]!;
}
