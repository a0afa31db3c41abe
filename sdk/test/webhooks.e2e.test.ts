import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../server/test/wait.js';
import { startReceiver, type Received } from '../../server/test/webhook-receiver.js';
import { createClient, EVENT_ID_HEADER, verifyWebhook, WebhookVerificationError } from '../src/index.js';
import { verifyWebhookWebCrypto } from '../src/webhooks-web-crypto.js';
import { sendLiveKitEvent } from './livekit-webhook.js';

const { url, apiKey } = inject('controlPlane');
const rtc = createClient({ baseUrl: url, apiKey });
const tag = randomBytes(4).toString('hex');

describe('verifyWebhook on a real delivery from the outbox', () => {
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let hook: { id: string; secret: string };
  let delivery: Received;
  const eventId = `EV_sdk_${tag}`;

  beforeAll(async () => {
    rx = await startReceiver();
    ({ data: hook } = await rtc.POST('/v1/webhooks', { body: { url: rx.url, events: ['room_created'] } }));
    await sendLiveKitEvent(url, { event: 'room_started', id: eventId, room: { name: `sdk-hook-${tag}` } });
    delivery = await waitFor('the delivery at the receiver', async () => rx.received.find((r) => r.headers[EVENT_ID_HEADER.toLowerCase()] === eventId), 30_000);
  });
  afterAll(async () => {
    await rtc.DELETE('/v1/webhooks/{webhookId}', { params: { path: { webhookId: hook.id } } }).catch(() => undefined);
    await rx.close();
  });

  it('accepts it, and returns the event it carries', async () => {
    const event = verifyWebhook({ body: delivery.body, headers: delivery.headers, secret: hook.secret });
    expect(event).toMatchObject({ id: eventId, type: 'room_created' });
    expect(JSON.stringify(event.data)).toContain(`sdk-hook-${tag}`);
    expect((await verifyWebhookWebCrypto({ body: Buffer.from(delivery.body), headers: delivery.headers, secret: hook.secret })).id).toBe(eventId);
  });

  it('refuses it with the body altered, with another secret, or once it is stale', () => {
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as WebhookVerificationError).reason;
      }
      return 'accepted';
    };
    const tampered = delivery.body.replace(`sdk-hook-${tag}`, `sdk-hook-${tag}x`);
    expect(tampered).not.toBe(delivery.body);
    expect(refused(() => verifyWebhook({ body: tampered, headers: delivery.headers, secret: hook.secret }))).toBe('signature-mismatch');
    expect(refused(() => verifyWebhook({ body: delivery.body, headers: delivery.headers, secret: `${hook.secret}x` }))).toBe('signature-mismatch');
    const later = Math.floor(delivery.at / 1000) + 301;
    expect(refused(() => verifyWebhook({ body: delivery.body, headers: delivery.headers, secret: hook.secret, nowSeconds: later }))).toBe('stale-timestamp');
  });
});
