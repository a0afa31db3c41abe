import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BadGatewayError } from '../http/errors.js';
import { SttLiveClient } from './stt-live-client.js';

/** A throwaway HTTP server standing in for a misbehaving stt-live, to see what the client accepts. */
async function answering(status: number, body: unknown): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('SttLiveClient validates what stt-live answers against @rtcstack/contracts', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  const request = { roomName: 'r', language: 'en-US', callbackUrl: 'http://127.0.0.1:3000' };

  it('takes a session that fits the contract', async () => {
    const s = await answering(201, { id: 'tr_1', roomName: 'r', startedAt: '2026-01-01T00:00:00.000Z', speakers: 0, segmentsSent: 0 });
    server = s.server;
    const client = new SttLiveClient({ url: s.url, secret: 'x'.repeat(16), timeoutMs: 1000 });
    await expect(client.startSession('tr_1', request)).resolves.toMatchObject({ id: 'tr_1', speakers: 0 });
  });

  it('answers 502 for a body that does not (a sidecar of another version)', async () => {
    const s = await answering(201, { id: 'tr_1', room: 'r' });
    server = s.server;
    const client = new SttLiveClient({ url: s.url, secret: 'x'.repeat(16), timeoutMs: 1000 });
    const err = await client.startSession('tr_1', request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadGatewayError);
    expect((err as Error).message).toMatch(/stt-live sidecar answered an unexpected body/);
  });
});
