import type { z } from 'zod';
import type { CreateWebhookSchema, UpdateWebhookSchema } from './webhooks-schemas.js';
import { randomBytes } from 'node:crypto';
import { BadRequestError, NotFoundError } from '../http/errors.js';
import { createdAtWindow, pageOf, type Page, type PageRequest } from '../http/pagination.js';
import { attemptDelivery, type AttemptResult } from './delivery-worker.js';
import { destinationProblem } from './destination-guard.js';
import type { Delivery, Webhook, WebhooksStore } from './webhooks-store.js';

const id = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`;

/** Webhook registrations, event fan-out into the outbox, and test deliveries. */
export class WebhooksService {
  constructor(
    private readonly store: WebhooksStore,
    private readonly opts: { allowPrivate: boolean; timeoutMs: number },
  ) {}

  async create(req: z.output<typeof CreateWebhookSchema>): Promise<Webhook> {
    await this.checkDestination(req.url);
    return this.store.create({ id: id('wh'), url: req.url, events: [...new Set(req.events)], secret: req.secret ?? `whsec_${randomBytes(24).toString('base64url')}` });
  }

  /** Oldest first, a page after the cursor. */
  async list(req: PageRequest): Promise<Page<Webhook>> {
    const rows = await this.store.list(createdAtWindow(req, 'wh'));
    const page = pageOf(rows, req.limit, (r) => r.position);
    return { items: page.items.map((r) => r.item), nextCursor: page.nextCursor };
  }

  async get(webhookId: string): Promise<Webhook> {
    const w = await this.store.get(webhookId);
    if (!w) throw new NotFoundError(`Webhook ${webhookId} not found`);
    return w;
  }

  async update(webhookId: string, patch: z.output<typeof UpdateWebhookSchema>): Promise<Webhook> {
    if (patch.url) await this.checkDestination(patch.url);
    const w = await this.store.update(webhookId, { ...patch, events: patch.events && [...new Set(patch.events)] });
    if (!w) throw new NotFoundError(`Webhook ${webhookId} not found`);
    return w;
  }

  async delete(webhookId: string): Promise<void> {
    if (!(await this.store.delete(webhookId))) throw new NotFoundError(`Webhook ${webhookId} not found`);
  }

  /** Sends a signed `test` event right now and reports what the endpoint answered. */
  async test(webhookId: string): Promise<AttemptResult & { delivered: boolean }> {
    const w = await this.get(webhookId);
    const eventId = id('EV_test');
    const body = JSON.stringify({ id: eventId, type: 'test', createdAt: new Date().toISOString(), data: { webhookId } });
    const r = await attemptDelivery(w.url, w.secret, { id: eventId, type: 'test', deliveryId: id('dl'), body }, this.opts);
    return { ...r, delivered: r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300 };
  }

  /** The webhook's deliveries, newest first, a page after the cursor (404 for an unknown webhook). */
  async deliveries(webhookId: string, req: PageRequest): Promise<Page<Delivery>> {
    await this.get(webhookId);
    const rows = await this.store.listDeliveries(webhookId, createdAtWindow(req, 'dl'));
    const page = pageOf(rows, req.limit, (r) => r.position);
    return { items: page.items.map((r) => r.item), nextCursor: page.nextCursor };
  }

  async redeliver(webhookId: string, deliveryId: string): Promise<Delivery> {
    const d = await this.store.redeliver(webhookId, deliveryId);
    if (!d) throw new NotFoundError(`Delivery ${deliveryId} of webhook ${webhookId} not found`);
    return d;
  }

  /** Wakes the delivery workers (they poll too, so a lost wake-up costs one poll interval). */
  async notifyWorkers(): Promise<void> {
    await this.store.notifyWorkers().catch(() => undefined);
  }

  private async checkDestination(url: string): Promise<void> {
    const problem = await destinationProblem(url, this.opts.allowPrivate);
    if (problem) throw new BadRequestError(`Webhook url ${problem}`, { errors: [{ field: 'body.url', message: problem }] });
  }
}
