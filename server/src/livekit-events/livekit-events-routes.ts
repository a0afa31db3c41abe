import express, { type RequestHandler } from 'express';
import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import { z } from 'zod';
import { UnauthorizedError } from '../http/errors.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import type { LiveKitEventsService } from './livekit-events-service.js';

/** Where livekit-server posts its webhooks (configure it in livekit's `webhook.urls`). */
export const LIVEKIT_WEBHOOK_PATH = '/v1/livekit/webhook';

const WebhookEventSchema = z
  .object({ event: z.string(), id: z.string(), createdAt: z.string().optional() })
  .loose()
  .openapi('LiveKitWebhookEvent', { description: "livekit-server's WebhookEvent (protobuf JSON)" });

/** Receives livekit-server's signed webhooks, stores each event once and feeds the recordings index. */
export function registerLiveKitEventRoutes(
  ctx: RouteContext,
  deps: { apiKey: string; apiSecret: string; livekitEvents: LiveKitEventsService; bodyLimit: string },
): void {
  defineRoute(ctx, {
    method: 'post',
    path: LIVEKIT_WEBHOOK_PATH,
    summary: "livekit-server's webhooks (signed with the LiveKit API secret)",
    description:
      'Not for API clients: livekit-server posts here. The Authorization header is a JWT signed with the LiveKit API secret whose sha256 claim covers the raw body; anything else is a 401.',
    tag: 'LiveKit events',
    auth: { guard: verifiedWebhook(deps), security: [] },
    body: WebhookEventSchema,
    responses: {
      200: { description: 'Accepted (`duplicate` when this event id was already received)', schema: z.object({ received: z.literal(true), duplicate: z.boolean() }) },
    },
    handler: async (_input, _req, res) => {
      const event = res.locals.webhookEvent as WebhookEvent;
      // LiveKit retries deliveries: each event is stored, fanned out to webhooks and acted on once,
      // by its id, all in one transaction (a failure leaves it unseen, so the retry applies it).
      const isNew = await deps.livekitEvents.receive(event);
      res.json({ received: true, duplicate: !isNew });
    },
  });
}

/** Reads the raw body (only on this route) and verifies it with livekit-server-sdk's WebhookReceiver. */
function verifiedWebhook(deps: { apiKey: string; apiSecret: string; bodyLimit: string }): RequestHandler {
  const raw = express.raw({ type: () => true, limit: deps.bodyLimit });
  const receiver = new WebhookReceiver(deps.apiKey, deps.apiSecret);
  return (req, res, next) => {
    raw(req, res, (err?: unknown) => {
      if (err) return next(err);
      const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      receiver
        .receive(body, req.get('authorization'))
        .then((event) => {
          res.locals.webhookEvent = event;
          req.body = event.toJson();
          next();
        })
        .catch((e: unknown) => next(new UnauthorizedError(`LiveKit webhook rejected: ${(e as Error).message}`)));
    });
  };
}
