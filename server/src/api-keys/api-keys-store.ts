import type { Knex } from 'knex';

/** A stored API key as the API shows it: never its secret or hash. */
export interface ApiKey {
  id: string;
  lookupId: string;
  name: string;
  scopes: string[];
  rateLimitPerMinute: number | null;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  /** Until when the secret replaced by the last rotation is still accepted. */
  previousKeyExpiresAt: string | null;
}

/** What authenticating a request needs: the key, its hashes, and whether each is valid now (by the database's clock). */
export interface KeyCredentials extends ApiKey {
  secretHash: Buffer;
  previousSecretHash: Buffer | null;
  /** Not revoked and not past expires_at. */
  active: boolean;
  /** The previous secret exists and its grace has not run out. */
  previousActive: boolean;
}

/** A new key's row. `expiresInSeconds` is counted from the database's clock, like every check of it. */
export interface NewApiKey {
  id: string;
  lookupId: string;
  name: string;
  scopes: string[];
  secretHash: Buffer;
  rateLimitPerMinute: number | null;
  createdBy: string;
  expiresAt?: string;
  expiresInSeconds?: number;
}

/** A keyset position in the list: created_at in microseconds since the epoch (a decimal string) and id. */
export interface KeyListPosition {
  createdAtUs: string;
  id: string;
}

/** Requests by one key on one day (UTC) with one status class. */
export interface UsageCount {
  keyId: string;
  day: string;
  statusClass: string;
  count: number;
}

type Row = Record<string, unknown>;
const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : null);
// created_at to the microsecond, as Postgres keeps it: a JS Date keeps milliseconds, which could skip or
// repeat rows at a page boundary. An integer, so that any cursor value is a valid time (never a 500).
const CURSOR_TIME = `(extract(epoch FROM created_at) * 1000000)::bigint::text AS cursor_time`;
const FROM_CURSOR_TIME = `'epoch'::timestamptz + ?::bigint * interval '1 microsecond'`;

function toApiKey(r: Row): ApiKey {
  return {
    id: r.id as string,
    lookupId: r.lookup_id as string,
    name: r.name as string,
    scopes: r.scopes as string[],
    rateLimitPerMinute: (r.rate_limit_per_minute as number | null) ?? null,
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by as string,
    lastUsedAt: iso(r.last_used_at),
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    previousKeyExpiresAt: iso(r.previous_expires_at),
  };
}

/** Postgres access for API keys and their usage counts. */
export class ApiKeysStore {
  constructor(private readonly db: Knex) {}

  async insert(k: NewApiKey): Promise<ApiKey> {
    const expiresAt = k.expiresInSeconds !== undefined ? this.db.raw(`now() + make_interval(secs => ?)`, [k.expiresInSeconds]) : (k.expiresAt ?? null);
    const [row] = await this.db('api_keys')
      .insert({
        id: k.id,
        lookup_id: k.lookupId,
        name: k.name,
        scopes: k.scopes,
        secret_hash: k.secretHash,
        rate_limit_per_minute: k.rateLimitPerMinute,
        created_by: k.createdBy,
        expires_at: expiresAt,
      })
      .returning('*');
    return toApiKey(row);
  }

  async get(id: string): Promise<ApiKey | undefined> {
    const row = await this.db('api_keys').where({ id }).first();
    return row && toApiKey(row);
  }

  /** Newest first, `limit` keys after `after` (keyset on created_at, id). */
  async list(opts: { limit: number; after?: KeyListPosition }): Promise<Array<ApiKey & { position: KeyListPosition }>> {
    const q = this.db('api_keys').select('*', this.db.raw(CURSOR_TIME)).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(opts.limit);
    if (opts.after) q.whereRaw(`(created_at, id) < (${FROM_CURSOR_TIME}, ?)`, [opts.after.createdAtUs, opts.after.id]);
    const rows: Row[] = await q;
    return rows.map((r) => ({ ...toApiKey(r), position: { createdAtUs: r.cursor_time as string, id: r.id as string } }));
  }

  /** The key found by the lookup id in its text (a unique index: no scan), with what it takes to check its secret. */
  async credentials(lookupId: string): Promise<KeyCredentials | undefined> {
    const row: Row | undefined = await this.db('api_keys')
      .select(
        '*',
        this.db.raw('(revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS active'),
        this.db.raw('(previous_secret_hash IS NOT NULL AND previous_expires_at > now()) AS previous_active'),
      )
      .where({ lookup_id: lookupId })
      .first();
    if (!row) return undefined;
    return {
      ...toApiKey(row),
      secretHash: row.secret_hash as Buffer,
      previousSecretHash: (row.previous_secret_hash as Buffer | null) ?? null,
      active: row.active as boolean,
      previousActive: row.previous_active as boolean,
    };
  }

  /** Marks the key revoked (keeping the first revocation time); undefined when there is no such key. */
  async revoke(id: string): Promise<ApiKey | undefined> {
    const [row] = await this.db('api_keys').where({ id }).update({ revoked_at: this.db.raw('coalesce(revoked_at, now())') }).returning('*');
    return row && toApiKey(row);
  }

  /**
   * Replaces the secret, keeping the current one valid for `graceSeconds` more (one previous secret
   * at most). Undefined when the key is unknown, revoked or expired.
   */
  async rotate(id: string, secretHash: Buffer, graceSeconds: number): Promise<ApiKey | undefined> {
    const [row] = await this.db('api_keys')
      .where({ id })
      .whereNull('revoked_at')
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', this.db.fn.now()))
      .update({
        previous_secret_hash: this.db.ref('secret_hash'),
        previous_expires_at: this.db.raw('now() + make_interval(secs => ?)', [graceSeconds]),
        secret_hash: secretHash,
      })
      .returning('*');
    return row && toApiKey(row);
  }

  /** One key's counts from `days` days ago (UTC) through today, oldest day first. */
  async usage(keyId: string, days: number): Promise<UsageCount[]> {
    const rows: Row[] = await this.db('api_key_usage')
      .select('key_id', this.db.raw(`to_char(day, 'YYYY-MM-DD') AS day`), 'status_class', 'count')
      .where('key_id', keyId)
      .andWhereRaw(`day > (now() AT TIME ZONE 'UTC')::date - ?::int`, [days])
      .orderBy([{ column: 'day' }, { column: 'status_class' }]);
    return rows.map((r) => ({ keyId: r.key_id as string, day: r.day as string, statusClass: r.status_class as string, count: Number(r.count) }));
  }

  /**
   * Adds a batch of counts and moves each key's last_used_at forward, in one statement. Counts for a
   * key id with no row are dropped (the bootstrap key never gets here).
   */
  async addUsage(counts: UsageCount[], lastUsed: Array<{ keyId: string; at: string }>): Promise<void> {
    await this.db.raw(
      `WITH counts AS (
         SELECT * FROM unnest(?::text[], ?::date[], ?::text[], ?::bigint[]) AS c(key_id, day, status_class, count)
       ), added AS (
         INSERT INTO api_key_usage (key_id, day, status_class, count)
         SELECT c.key_id, c.day, c.status_class, c.count FROM counts c JOIN api_keys k ON k.id = c.key_id
         ON CONFLICT (key_id, day, status_class) DO UPDATE SET count = api_key_usage.count + EXCLUDED.count
       )
       UPDATE api_keys k SET last_used_at = GREATEST(k.last_used_at, u.at)
         FROM unnest(?::text[], ?::timestamptz[]) AS u(key_id, at)
        WHERE k.id = u.key_id`,
      [
        counts.map((c) => c.keyId),
        counts.map((c) => c.day),
        counts.map((c) => c.statusClass),
        counts.map((c) => c.count),
        lastUsed.map((u) => u.keyId),
        lastUsed.map((u) => u.at),
      ],
    );
  }
}
