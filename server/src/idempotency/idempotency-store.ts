import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { RequestFingerprint } from './request-fingerprint.js';

/** A stored response: what a replay sends back. The body is sealed (see response-seal.ts). */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  sealedBody: Buffer;
}

/** An Idempotency-Key as stored: the request it was first used for, and its response once there is one. */
export interface IdempotencyRecord {
  keyId: string;
  keyHash: string;
  fingerprint: RequestFingerprint;
  state: 'in_flight' | 'completed';
  claimId: string;
  response: StoredResponse | null;
  createdAt: string;
  expiresAt: string;
  lockedUntil: string | null;
}

/** The outcome of a claim: ours to run (with the claim's id), or someone else's record. */
export type ClaimResult = { claimed: true; claimId: string } | { claimed: false; record: IdempotencyRecord };

interface Row {
  key_id: string;
  key_hash: string;
  request_method: string;
  request_path: string;
  body_sha256: string;
  state: 'in_flight' | 'completed';
  claim_id: string;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: Buffer | null;
  created_at: Date;
  completed_at: Date | null;
  expires_at: Date;
  locked_until: Date | null;
}

/** One replica sweeps at a time: the others find the lock taken and skip that round. */
const SWEEP_LOCK = `hashtext('rtcstack.idempotency-sweep')`;

/** Postgres access for idempotency keys; the only place that knows their table. */
export class IdempotencyStore {
  constructor(private readonly db: Knex) {}

  /**
   * Claims a key for a request, atomically: of any number of concurrent claims (on any replica)
   * exactly one wins. A row whose 24 hours have passed is taken over whatever it held; an in-flight
   * row whose lock has passed (its request crashed) is taken over by the same request only.
   */
  async claim(c: { keyId: string; keyHash: string; fingerprint: RequestFingerprint; lockSeconds: number; ttlSeconds: number }): Promise<ClaimResult> {
    const claimId = randomUUID();
    // A row released between our insert and our read is gone: claim again (at most a few times, as each round needs a racing release).
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows } = await this.db.raw<{ rows: unknown[] }>(
        `INSERT INTO idempotency_keys AS k (key_id, key_hash, request_method, request_path, body_sha256, state, claim_id, created_at, expires_at, locked_until)
         VALUES (:keyId, :keyHash, :method, :path, :bodySha256, 'in_flight', :claimId, now(), now() + make_interval(secs => :ttl), now() + make_interval(secs => :lock))
         ON CONFLICT (key_id, key_hash) DO UPDATE SET
           request_method = excluded.request_method, request_path = excluded.request_path, body_sha256 = excluded.body_sha256,
           state = 'in_flight', claim_id = excluded.claim_id, response_status = NULL, response_headers = NULL, response_body = NULL,
           created_at = excluded.created_at, completed_at = NULL, expires_at = excluded.expires_at, locked_until = excluded.locked_until
         WHERE k.expires_at <= now()
            OR (k.state = 'in_flight' AND k.locked_until <= now()
                AND k.request_method = excluded.request_method AND k.request_path = excluded.request_path AND k.body_sha256 = excluded.body_sha256)
         RETURNING 1`,
        { keyId: c.keyId, keyHash: c.keyHash, ...c.fingerprint, claimId, ttl: c.ttlSeconds, lock: c.lockSeconds },
      );
      if (rows.length === 1) return { claimed: true, claimId };
      const record = await this.find(c.keyId, c.keyHash);
      if (record) return { claimed: false, record };
    }
    throw new Error('could not claim the idempotency key: it was released three times while claiming it');
  }

  /** Stores the response of the request holding `claimId`; false when the claim was lost (taken over). */
  async complete(keyId: string, keyHash: string, claimId: string, response: StoredResponse): Promise<boolean> {
    const n = await this.db<Row>('idempotency_keys')
      .where({ key_id: keyId, key_hash: keyHash, claim_id: claimId, state: 'in_flight' })
      .update({
        state: 'completed',
        response_status: response.status,
        response_headers: response.headers,
        response_body: response.sealedBody,
        completed_at: this.db.fn.now() as never,
        locked_until: null,
      });
    return n === 1;
  }

  /** Forgets an in-flight claim (its request failed), so that a retry with the key does the work. */
  async release(keyId: string, keyHash: string, claimId: string): Promise<void> {
    await this.db<Row>('idempotency_keys').where({ key_id: keyId, key_hash: keyHash, claim_id: claimId, state: 'in_flight' }).delete();
  }

  /** The record of a key, if it has one that has not expired. */
  async find(keyId: string, keyHash: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.db<Row>('idempotency_keys').where({ key_id: keyId, key_hash: keyHash }).andWhere('expires_at', '>', this.db.fn.now()).first();
    return row && toRecord(row);
  }

  /**
   * Deletes up to `limit` expired rows, unless another replica is sweeping (then `swept` is false).
   * Correctness never waits on it: an expired row is ignored by `find` and taken over by `claim`.
   */
  async deleteExpired(limit: number): Promise<{ swept: boolean; deleted: number }> {
    return this.db.transaction(async (trx) => {
      const { rows } = await trx.raw<{ rows: { locked: boolean }[] }>(`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK}) AS locked`);
      if (!rows[0]?.locked) return { swept: false, deleted: 0 };
      const deleted = await trx.raw<{ rowCount: number }>(
        `DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT ?))`,
        [limit],
      );
      return { swept: true, deleted: deleted.rowCount };
    });
  }
}

function toRecord(r: Row): IdempotencyRecord {
  return {
    keyId: r.key_id,
    keyHash: r.key_hash,
    fingerprint: { method: r.request_method, path: r.request_path, bodySha256: r.body_sha256 },
    state: r.state,
    claimId: r.claim_id,
    response: r.state === 'completed' && r.response_status !== null ? { status: r.response_status, headers: r.response_headers ?? {}, sealedBody: r.response_body ?? Buffer.alloc(0) } : null,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    lockedUntil: r.locked_until?.toISOString() ?? null,
  };
}
