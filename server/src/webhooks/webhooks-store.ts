import { randomBytes } from 'node:crypto';
import type { EventFilter, EventType } from '../livekit-events/event-catalogue.js';
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
   * without taking the same row; a claim whose worker died expires after `leaseMs`.
   */
  async claimDue(limit: number, leaseMs: number): Promise<Array<Delivery & { url: string; secret: string }>> {
    const { rows } = (await this.db.transaction(async (trx) => {
      // A claim lost in a crash only delays a retry until its lease expires: no need to wait for fsync.
      await trx.raw('SET LOCAL synchronous_commit TO OFF');
      return trx.raw(
      `UPDATE webhook_deliveries d
          SET status = 'delivering', attempts = d.attempts + 1, locked_until = now() + (? * interval '1 millisecond')
         FROM webhooks w
        WHERE d.webhook_id = w.id
          AND w.enabled
          AND d.id IN (SELECT id FROM webhook_deliveries
                        WHERE ((status = 'pending' AND next_attempt_at <= now())
                           OR (status = 'delivering' AND locked_until < now()))
                          AND webhook_id IN (SELECT id FROM webhooks WHERE enabled)
                        ORDER BY next_attempt_at
                        LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING d.*, w.url, w.secret`,
        [leaseMs, limit],
      );
    })) as { rows: Row[] };
    return rows.map((r) => ({ ...toDelivery(r), url: r.url as string, secret: r.secret as string }));
  }

  /** Records one attempt and moves the delivery (and its webhook's failure count) on. */
  async recordAttempt(
    d: Pick<Delivery, 'id' | 'webhookId'>,
    a: { statusCode: number | null; latencyMs: number; error: string | null },
    next: { status: 'succeeded' | 'failed' | 'pending'; retryInMs?: number },
    disableAfter: number,
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      // Losing this record in a crash means one more attempt later (deliveries are at-least-once and
      // carry the event id for the receiver's idempotency), so it need not wait for fsync.
      await trx.raw('SET LOCAL synchronous_commit TO OFF');
      await trx('webhook_attempts').insert({ delivery_id: d.id, status_code: a.statusCode, latency_ms: a.latencyMs, error: a.error });
      await trx('webhook_deliveries')
        .where({ id: d.id })
        .update({
          status: next.status,
          locked_until: null,
          last_status_code: a.statusCode,
          last_latency_ms: a.latencyMs,
          last_error: a.error,
          delivered_at: next.status === 'succeeded' ? trx.fn.now() : null,
          next_attempt_at: next.status === 'pending' ? trx.raw(`now() + (? * interval '1 millisecond')`, [next.retryInMs ?? 0]) : trx.fn.now(),
        });
      if (next.status === 'succeeded') {
        // Only touch the webhook row when there is a streak to reset: concurrent successes would
        // otherwise all queue on that one row's lock.
        await trx('webhooks').where({ id: d.webhookId }).andWhere('consecutive_failures', '>', 0).update({ consecutive_failures: 0 });
      } else {
        await trx('webhooks')
          .where({ id: d.webhookId })
          .update({
            consecutive_failures: trx.raw('consecutive_failures + 1'),
            enabled: trx.raw('CASE WHEN consecutive_failures + 1 >= ? THEN false ELSE enabled END', [disableAfter]),
            disabled_reason: trx.raw(`CASE WHEN consecutive_failures + 1 >= ? THEN ? ELSE disabled_reason END`, [
              disableAfter,
              `disabled after ${disableAfter} consecutive failed attempts; re-enable with PATCH {"enabled": true}`,
            ]),
          });
      }
    });
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
