import type { Knex } from 'knex';

/** How many rows have one status (or one kind and status). */
export interface StatusCount {
  kind?: string;
  status: string;
  count: number;
}

/** One recorded webhook attempt, as the latency histogram needs it. */
export interface AttemptSample {
  /** The row's bigserial id, as Postgres returns int8: a decimal string. */
  id: string;
  statusCode: number | null;
  latencyMs: number;
}

/** The outbox's backlog: deliveries not yet done, and how long the oldest of them has waited. */
export interface OutboxDepth {
  byStatus: StatusCount[];
  oldestAgeSeconds: number | null;
}

/**
 * The aggregate queries that /metrics runs at scrape time. Each is one grouped count over an
 * indexed column, so a scrape stays cheap however many rows there are.
 */
export class MetricsStore {
  constructor(private readonly db: Knex) {}

  async recordingsByStatus(): Promise<StatusCount[]> {
    const rows: Array<{ status: string; count: string }> = await this.db('recordings').select('status').count({ count: '*' }).groupBy('status');
    return rows.map((r) => ({ status: String(r.status), count: Number(r.count) }));
  }

  async transcriptionsByKindAndStatus(): Promise<StatusCount[]> {
    const rows: Array<{ kind: string; status: string; count: string }> = await this.db('transcriptions').select('kind', 'status').count({ count: '*' }).groupBy('kind', 'status');
    return rows.map((r) => ({ kind: String(r.kind), status: String(r.status), count: Number(r.count) }));
  }

  /** Deliveries still pending or being delivered (the partial index `webhook_deliveries_due` covers them). */
  async outboxDepth(): Promise<OutboxDepth> {
    // Ages are measured by Postgres's clock, so a skewed replica clock does not distort them.
    const rows = await this.db('webhook_deliveries')
      .select('status', this.db.raw('count(*)::int AS count'), this.db.raw('extract(epoch FROM now() - min(created_at))::float8 AS age'))
      .whereIn('status', ['pending', 'delivering'])
      .groupBy('status');
    const ages = rows.map((r) => Number(r.age));
    return {
      byStatus: rows.map((r) => ({ status: String(r.status), count: Number(r.count) })),
      oldestAgeSeconds: ages.length > 0 ? Math.max(0, ...ages) : null,
    };
  }

  /** The id of the newest recorded attempt ('0' when there is none): where a fresh histogram starts. */
  async latestAttemptId(): Promise<string> {
    const row = await this.db('webhook_attempts').max({ id: 'id' }).first();
    return row?.id == null ? '0' : String(row.id);
  }

  /** Attempts recorded after `afterId`, oldest first, at most `limit` (read by primary key). */
  async attemptsAfter(afterId: string, limit: number): Promise<AttemptSample[]> {
    const rows = await this.db('webhook_attempts').select('id', 'status_code', 'latency_ms').where('id', '>', afterId).orderBy('id').limit(limit);
    return rows.map((r) => ({ id: String(r.id), statusCode: (r.status_code as number | null) ?? null, latencyMs: Number(r.latency_ms) }));
  }
}
