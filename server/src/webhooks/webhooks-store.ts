import { randomBytes } from 'node:crypto';
import type { EventFilter, EventType } from '../livekit-events/event-catalogue.js';
import { failureStreaks } from './failure-streaks.js';
import { EventsStore } from '../events/events-store.js';

const randomId = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`;
import type { Knex } from 'knex';
import { createdAtPositionOf, keysetByCreatedAt } from '../db/keyset.js';
import type { CreatedAtPosition, CreatedAtWindow } from '../http/pagination.js';

/** A registered webhook. */
export interface Webhook {
  id: string;
  url: string;
  /** Catalogue event types, or '*' for all of them. */
  events: EventFilter[];
  secret: string;
  enabled: boolean;
  consecutiveFailures: number;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One event on its way to one webhook. */
/** Where a delivery is (the one declaration; the API schema takes it from here). */
export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed'] as const;
/** Where a delivery is. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  body: Record<string, unknown>;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/**
 * A CTE that makes the one statement it heads commit without waiting for the WAL to reach disk
 * (`SET LOCAL synchronous_commit` without a transaction's extra round trips: a lone statement is its
 * own transaction). Fit for the outbox's claims and attempt records only: losing one in a crash
 * means an attempt made once more after its lease, which at-least-once delivery already allows
 * (receivers dedupe by event id). The statement must reference it (`EXISTS (SELECT FROM
 * async_commit)`), which Postgres evaluates once, before the first row changes.
 */
const ASYNC_COMMIT = `async_commit AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))`;

/** A delivery claimed by a worker, with where it goes and how long it has waited so far. */
export type ClaimedDelivery = Delivery & { url: string; secret: string; queuedMs: number };

/** One finished attempt and where it leaves its delivery. */
export interface RecordedAttempt {
  deliveryId: string;
  webhookId: string;
  /** The delivery's attempt number this claim made (its `attempts` after the claim). */
  attempt: number;
  result: { statusCode: number | null; latencyMs: number; error: string | null };
  next: { status: 'succeeded' | 'failed' | 'pending'; retryInMs?: number };
}

type Row = Record<string, unknown>;
const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : null);

function toWebhook(r: Row): Webhook {
  return {
    id: r.id as string,
    url: r.url as string,
    events: r.events as EventFilter[],
    secret: r.secret as string,
    enabled: r.enabled as boolean,
    consecutiveFailures: r.consecutive_failures as number,
    disabledReason: (r.disabled_reason as string | null) ?? null,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

function toDelivery(r: Row): Delivery {
  return {
    id: r.id as string,
    webhookId: r.webhook_id as string,
    eventId: r.event_id as string,
    eventType: r.event_type as string,
    body: r.body as Record<string, unknown>,
    status: r.status as Delivery['status'],
    attempts: r.attempts as number,
    nextAttemptAt: iso(r.next_attempt_at)!,
    lastStatusCode: (r.last_status_code as number | null) ?? null,
    lastLatencyMs: (r.last_latency_ms as number | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    createdAt: iso(r.created_at)!,
    deliveredAt: iso(r.delivered_at),
  };
}

/** Postgres access for webhooks and their outbox. */
export class WebhooksStore {
  /** `events` keeps every enqueued event for live streams; bound to the same transaction as the outbox. */
  constructor(
    private readonly db: Knex,
    private readonly events: EventsStore = new EventsStore(db),
  ) {}

  async create(w: Pick<Webhook, 'id' | 'url' | 'events' | 'secret'>): Promise<Webhook> {
    const [row] = await this.db('webhooks').insert(w).returning('*');
    return toWebhook(row);
  }

  /** Oldest first (a webhook registered while a client pages lands after it): the window's rows with their keyset positions. */
  async list(w: CreatedAtWindow): Promise<Array<{ item: Webhook; position: CreatedAtPosition }>> {
    const rows = await keysetByCreatedAt(this.db, this.db('webhooks').select('webhooks.*'), 'webhooks', 'asc', w);
    return rows.map((r: Row) => ({ item: toWebhook(r), position: createdAtPositionOf(r) }));
  }

  async get(id: string): Promise<Webhook | undefined> {
    const row = await this.db('webhooks').where({ id }).first();
    return row && toWebhook(row);
  }

  async update(id: string, patch: Partial<Pick<Webhook, 'url' | 'events' | 'enabled'>>): Promise<Webhook | undefined> {
    const row: Row = { updated_at: this.db.fn.now() };
    if (patch.url !== undefined) row.url = patch.url;
    if (patch.events !== undefined) row.events = patch.events;
    if (patch.enabled !== undefined) {
      row.enabled = patch.enabled;
      if (patch.enabled) Object.assign(row, { consecutive_failures: 0, disabled_reason: null });
    }
    const [r] = await this.db('webhooks').where({ id }).update(row).returning('*');
    return r && toWebhook(r);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db('webhooks').where({ id }).delete()) > 0;
  }

  /**
   * Wakes the delivery workers. Sent after the queuing transaction commits, on its own: a NOTIFY
   * inside a transaction holds a global lock through its commit and so serializes every writer.
   */
  async notifyWorkers(): Promise<void> {
    await this.db.raw('NOTIFY rtcstack_webhook_deliveries');
  }

  /**
   * Queues one delivery per enabled webhook subscribed to the event. Call it on a store bound to
   * the transaction that records the event (UnitOfWork), so both commit together.
   */
  async enqueue(event: { id: string; type: string; body: Record<string, unknown> }): Promise<number> {
    // Every event is also kept for /v1/events and /v1/ws, whether or not a webhook wants it.
    await this.events.append(event);
    const hooks = await this.db('webhooks').where({ enabled: true }).andWhere((q) => q.whereRaw('? = ANY(events)', [event.type]).orWhereRaw(`'*' = ANY(events)`));
    if (hooks.length === 0) return 0;
    const rows = hooks.map((h: Row) => ({ id: randomId('dl'), webhook_id: h.id, event_id: event.id, event_type: event.type, body: event.body }));
    const inserted = await this.db('webhook_deliveries').insert(rows).onConflict(['webhook_id', 'event_id']).ignore().returning('id');
    return inserted.length;
  }

  /**
   * Queues one of rtcstack's own events (not LiveKit's, e.g. `transcription_completed`) for every
   * subscribed webhook. Call it on a store bound to the transaction of the event's cause
   * (UnitOfWork), so both commit together; wake the delivery workers after the commit.
   */
  async publish(event: { type: EventType; data: Record<string, unknown> }): Promise<number> {
    const eventId = randomId('ev');
    const body = { id: eventId, type: event.type, createdAt: new Date().toISOString(), data: event.data };
    return this.enqueue({ id: eventId, type: event.type, body });
  }

  /**
   * Claims up to `limit` due deliveries of enabled webhooks for this worker (a disabled webhook's
   * queue waits until PATCH re-enables it). SKIP LOCKED lets several replicas claim side by side
   * without taking the same row; a claim whose worker died expires after `leaseMs`. Each claim
   * bumps `attempts`, which therefore also names the claim (see recordAttempts).
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const { rows } = (await this.db.raw(
      `WITH ${ASYNC_COMMIT}
       UPDATE webhook_deliveries d
          SET status = 'delivering', attempts = d.attempts + 1, locked_until = now() + (? * interval '1 millisecond')
         FROM webhooks w
        WHERE EXISTS (SELECT FROM async_commit)
          AND d.webhook_id = w.id
          AND w.enabled
          AND d.id IN (SELECT id FROM webhook_deliveries
                        WHERE ((status = 'pending' AND next_attempt_at <= now())
                           OR (status = 'delivering' AND locked_until < now()))
                          AND webhook_id IN (SELECT id FROM webhooks WHERE enabled)
                        ORDER BY next_attempt_at
                        LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING d.*, w.url, w.secret, (extract(epoch FROM now() - d.created_at) * 1000)::float8 AS queued_ms`,
      [leaseMs, limit],
    )) as { rows: Row[] };
    return rows.map((r) => ({ ...toDelivery(r), url: r.url as string, secret: r.secret as string, queuedMs: r.queued_ms as number }));
  }

  /**
   * Records a batch of attempts in one statement, in the order they finished: every attempt gets
   * its row, each delivery moves on, and each webhook's failure streak (and disabling) comes out as
   * if the attempts had been recorded one by one. A delivery is moved only if it is still the claim
   * that made the attempt (`delivering` with that attempt number): an attempt that outlived its lease
   * and was claimed again elsewhere, or was put back by redeliver, is recorded without undoing that.
   */
  async recordAttempts(attempts: RecordedAttempt[], disableAfter: number): Promise<void> {
    if (attempts.length === 0) return;
    const streaks = failureStreaks(attempts);
    const reason = `disabled after ${disableAfter} consecutive failed attempts; re-enable with PATCH {"enabled": true}`;
    await this.db.raw(
      `WITH ${ASYNC_COMMIT},
       a AS (
         SELECT * FROM jsonb_to_recordset(?::jsonb)
                    AS a(id text, attempt int, status text, status_code int, latency_ms int, error text, retry_ms int)
       ), logged AS (
         -- joined so that a delivery deleted meanwhile (its webhook was) is skipped, not a foreign-key error
         INSERT INTO webhook_attempts (delivery_id, status_code, latency_ms, error)
         SELECT a.id, a.status_code, a.latency_ms, a.error FROM a JOIN webhook_deliveries d ON d.id = a.id
       ), moved AS (
         UPDATE webhook_deliveries d
            SET status = a.status, locked_until = NULL,
                last_status_code = a.status_code, last_latency_ms = a.latency_ms, last_error = a.error,
                delivered_at = CASE WHEN a.status = 'succeeded' THEN now() END,
                next_attempt_at = CASE WHEN a.status = 'pending' THEN now() + a.retry_ms * interval '1 millisecond' ELSE now() END
           FROM a
          WHERE d.id = a.id AND d.status = 'delivering' AND d.attempts = a.attempt
       )
       UPDATE webhooks w
          SET consecutive_failures = CASE WHEN s.reset THEN s.tail ELSE w.consecutive_failures + s.lead END,
              enabled = CASE WHEN (s.lead > 0 AND w.consecutive_failures + s.lead >= ?) OR s.peak >= ? THEN false ELSE w.enabled END,
              disabled_reason = CASE WHEN (s.lead > 0 AND w.consecutive_failures + s.lead >= ?) OR s.peak >= ? THEN ? ELSE w.disabled_reason END
         FROM jsonb_to_recordset(?::jsonb) AS s(webhook_id text, lead int, reset bool, tail int, peak int)
        WHERE EXISTS (SELECT FROM async_commit)
          -- a success touches the webhook only when there is a streak to reset: every replica shares the row's lock
          AND w.id = s.webhook_id AND (s.lead > 0 OR s.peak > 0 OR (s.reset AND w.consecutive_failures > 0))`,
      [
        // One JSON parameter each: knex would spread a JS array binding into a list of parameters.
        JSON.stringify(
          attempts.map((x) => ({
            id: x.deliveryId,
            attempt: x.attempt,
            status: x.next.status,
            status_code: x.result.statusCode,
            latency_ms: x.result.latencyMs,
            error: x.result.error,
            retry_ms: x.next.retryInMs ?? 0,
          })),
        ),
        disableAfter,
        disableAfter,
        disableAfter,
        disableAfter,
        reason,
        JSON.stringify(streaks.map((s) => ({ webhook_id: s.webhookId, lead: s.lead, reset: s.reset, tail: s.tail, peak: s.peak }))),
      ],
    );
  }

  /** A webhook's deliveries, newest first: the window's rows with their keyset positions. */
  async listDeliveries(webhookId: string, w: CreatedAtWindow): Promise<Array<{ item: Delivery; position: CreatedAtPosition }>> {
    const q = this.db('webhook_deliveries').select('webhook_deliveries.*').where({ webhook_id: webhookId });
    const rows = await keysetByCreatedAt(this.db, q, 'webhook_deliveries', 'desc', w);
    return rows.map((r: Row) => ({ item: toDelivery(r), position: createdAtPositionOf(r) }));
  }

  /** Puts a delivery back in the queue, due now. */
  async redeliver(webhookId: string, deliveryId: string): Promise<Delivery | undefined> {
    const [r] = await this.db('webhook_deliveries')
      .where({ id: deliveryId, webhook_id: webhookId })
      .update({ status: 'pending', next_attempt_at: this.db.fn.now(), locked_until: null })
      .returning('*');
    if (r) await this.notifyWorkers();
    return r && toDelivery(r);
  }
}
