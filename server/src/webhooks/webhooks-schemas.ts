import { z } from 'zod';
import { IsoDateSchema } from '../http/schemas.js';
import { EVENT_TYPES } from '../livekit-events/event-catalogue.js';
import { DELIVERY_STATUSES } from './webhooks-store.js';

const EventFilterSchema = z.enum([...EVENT_TYPES, '*']);

/** A webhook as the API shows it (the secret masked, except once at creation). */
export const WebhookSchema = z
  .object({
    id: z.string().openapi({ example: 'wh_3kq9v0x1' }),
    url: z.string(),
    events: z.array(EventFilterSchema),
    secret: z.string().openapi({ description: '`***`, except in the response to POST /v1/webhooks' }),
    enabled: z.boolean(),
    consecutiveFailures: z.number().int(),
    disabledReason: z.string().nullable(),
    createdAt: IsoDateSchema,
    updatedAt: IsoDateSchema,
  })
  .openapi('Webhook');

/** A delivery endpoint: an http(s) URL (the pattern says so in the document, as `format: uri` alone does not). */
const WebhookUrlSchema = z.url({ protocol: /^https?$/ }).max(2048).openapi({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?:' });

/** Body of POST /v1/webhooks. */
export const CreateWebhookSchema = z
  .object({
    url: WebhookUrlSchema.openapi({ description: 'Delivery endpoint' }),
    events: z.array(EventFilterSchema).min(1).default(['*']).openapi({ description: 'Event filter (defaults to ["*"])' }),
    secret: z.string().min(16).max(256).optional().openapi({ description: 'HMAC signing secret (generated when omitted)' }),
  })
  .strict()
  .openapi('CreateWebhookRequest');

/** Body of PATCH /v1/webhooks/:webhookId. */
export const UpdateWebhookSchema = z
  .object({
    url: WebhookUrlSchema.optional(),
    events: z.array(EventFilterSchema).min(1).optional(),
    enabled: z.boolean().optional().openapi({ description: 'true re-enables a webhook that was disabled after repeated failures' }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one of url, events, enabled')
  .openapi('UpdateWebhookRequest', { minProperties: 1 });

/** Path parameters naming a webhook. */
export const WebhookParamsSchema = z.object({ webhookId: z.string().regex(/^wh_[A-Za-z0-9_-]{6,64}$/, 'is not a webhook id') });
/** Path parameters naming a delivery of a webhook. */
export const DeliveryParamsSchema = WebhookParamsSchema.extend({ deliveryId: z.string().regex(/^dl_[A-Za-z0-9_-]{6,64}$/, 'is not a delivery id') });

/** One delivery in the log. */
export const DeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastLatencyMs: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: IsoDateSchema,
    createdAt: IsoDateSchema,
    deliveredAt: IsoDateSchema.nullable(),
  })
  .openapi('WebhookDelivery');

/** Response of POST /v1/webhooks/:webhookId/test. */
export const TestResultSchema = z
  .object({ delivered: z.boolean(), statusCode: z.number().int().nullable(), latencyMs: z.number().int(), error: z.string().nullable() })
  .openapi('WebhookTestResult');
