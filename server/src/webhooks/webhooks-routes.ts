import { z } from 'zod';
import { CursorQueryShape, limitWithDefault, MAX_PAGE_LIMIT, NextCursorSchema } from '../http/pagination.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import {
  CreateWebhookSchema,
  DeliveryParamsSchema,
  DeliverySchema,
  TestResultSchema,
  UpdateWebhookSchema,
  WebhookParamsSchema,
  WebhookSchema,
} from './webhooks-schemas.js';
import type { WebhooksService } from './webhooks-service.js';
import type { Delivery, Webhook } from './webhooks-store.js';

const masked = (w: Webhook) => ({ ...w, secret: '***' });
const deliveryJson = ({ body: _body, webhookId: _w, ...d }: Delivery) => d;

/** /v1/webhooks: registrations, test deliveries, the delivery log and redelivery. */
export function registerWebhookRoutes(ctx: RouteContext, webhooks: WebhooksService): void {
  defineRoute(ctx, {
    method: 'get',
    path: '/v1/webhooks',
    summary: 'List all registered webhooks (secrets masked as ***)',
    tag: 'Webhooks',
    scope: 'webhooks:read',
    description: 'Oldest first, a page at a time: follow `nextCursor` until it is null. The default `limit` (200) keeps one page for a list that holds up to that many.',
    query: z.object({ ...CursorQueryShape, limit: limitWithDefault(MAX_PAGE_LIMIT) }),
    responses: { 200: { description: 'Webhooks', schema: z.object({ webhooks: z.array(WebhookSchema), nextCursor: NextCursorSchema }).openapi('WebhookList') } },
    handler: async ({ query }, _req, res) => {
      const page = await webhooks.list(query);
      res.json({ webhooks: page.items.map(masked), nextCursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/v1/webhooks',
    summary: 'Register a webhook; the response carries the plaintext secret, only this once',
    description: 'Destinations in private or loopback ranges are refused unless WEBHOOK_ALLOW_PRIVATE=true.',
    tag: 'Webhooks',
    scope: 'webhooks:write',
    body: CreateWebhookSchema,
    responses: { 201: { description: 'The webhook, with its secret in plaintext', schema: WebhookSchema } },
    handler: async ({ body }, _req, res) => {
      res.status(201).json(await webhooks.create(body));
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/webhooks/:webhookId',
    summary: 'Get a webhook (secret masked)',
    tag: 'Webhooks',
    scope: 'webhooks:read',
    params: WebhookParamsSchema,
    errors: [404],
    responses: { 200: { description: 'The webhook', schema: WebhookSchema } },
    handler: async ({ params }, _req, res) => {
      res.json(masked(await webhooks.get(params.webhookId)));
    },
  });

  defineRoute(ctx, {
    method: 'patch',
    path: '/v1/webhooks/:webhookId',
    summary: 'Update url and/or events, or re-enable a disabled webhook',
    tag: 'Webhooks',
    scope: 'webhooks:write',
    params: WebhookParamsSchema,
    body: UpdateWebhookSchema,
    errors: [404],
    responses: { 200: { description: 'The updated webhook', schema: WebhookSchema } },
    handler: async ({ params, body }, _req, res) => {
      res.json(masked(await webhooks.update(params.webhookId, body)));
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/v1/webhooks/:webhookId',
    summary: 'Delete a webhook and its delivery log',
    tag: 'Webhooks',
    scope: 'webhooks:write',
    params: WebhookParamsSchema,
    errors: [404],
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params }, _req, res) => {
      await webhooks.delete(params.webhookId);
      res.status(204).end();
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/v1/webhooks/:webhookId/test',
    summary: 'Send a signed test delivery now',
    description: 'A dead endpoint answers quickly with `delivered: false` (bounded by WEBHOOK_TIMEOUT_MS).',
    tag: 'Webhooks',
    scope: 'webhooks:write',
    params: WebhookParamsSchema,
    errors: [404],
    responses: { 200: { description: 'What the endpoint answered', schema: TestResultSchema } },
    handler: async ({ params }, _req, res) => {
      const r = await webhooks.test(params.webhookId);
      res.json({ delivered: r.delivered, statusCode: r.statusCode, latencyMs: r.latencyMs, error: r.error });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/webhooks/:webhookId/deliveries',
    summary: 'The delivery log, newest first: status, response code, latency, error',
    description: 'The first page is the last 50 deliveries (`limit` changes it); follow `nextCursor` for older ones.',
    tag: 'Webhooks',
    scope: 'webhooks:read',
    params: WebhookParamsSchema,
    query: z.object(CursorQueryShape),
    errors: [404],
    responses: {
      200: { description: 'Deliveries, newest first', schema: z.object({ deliveries: z.array(DeliverySchema), nextCursor: NextCursorSchema }).openapi('WebhookDeliveryList') },
    },
    handler: async ({ params, query }, _req, res) => {
      const page = await webhooks.deliveries(params.webhookId, query);
      res.json({ deliveries: page.items.map(deliveryJson), nextCursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/v1/webhooks/:webhookId/deliveries/:deliveryId/redeliver',
    summary: 'Queue a delivery again, due now',
    tag: 'Webhooks',
    scope: 'webhooks:write',
    params: DeliveryParamsSchema,
    body: z.object({}).strict().openapi('RedeliverRequest'),
    errors: [404],
    responses: { 202: { description: 'Queued', schema: DeliverySchema } },
    handler: async ({ params }, _req, res) => {
      res.status(202).json(deliveryJson(await webhooks.redeliver(params.webhookId, params.deliveryId)));
    },
  });
}
