import { createHash } from 'node:crypto';
import { WebhookEvent } from '@livekit/protocol';
import { AccessToken } from 'livekit-server-sdk';
import { e2eEnv } from '../../server/test/e2e-env.js';

/**
 * POSTs a LiveKit webhook to the control plane, signed with the stack's LiveKit key exactly as
 * livekit-server signs its own (the native livekit-server posts to the default port's control plane,
 * not to the one a test started). The control plane turns it into a catalogue event: a row in its
 * outbox for every webhook, and an event on /v1/events.
 */
export async function sendLiveKitEvent(baseUrl: string, event: { event: string; id: string; room?: { name: string } }): Promise<void> {
  const stack = e2eEnv();
  const body = new WebhookEvent({ ...event, createdAt: BigInt(Math.floor(Date.now() / 1000)) } as never).toJsonString();
  const at = new AccessToken(stack.livekitApiKey, stack.livekitApiSecret);
  at.sha256 = createHash('sha256').update(body).digest('base64');
  const res = await fetch(`${baseUrl}/v1/livekit/webhook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/webhook+json', Authorization: await at.toJwt() },
    body,
  });
  if (res.status !== 200) throw new Error(`the control plane refused the LiveKit webhook: ${res.status} ${await res.text()}`);
}
