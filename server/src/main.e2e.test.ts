import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/test-app.js';
import { createHash, randomBytes } from 'node:crypto';
import { WebhookEvent } from '@livekit/protocol';
import { AccessToken } from 'livekit-server-sdk';
import { waitFor } from '../test/wait.js';
import { startReceiver } from '../test/webhook-receiver.js';
import { EVENT_ID_HEADER } from './webhooks/signature.js';

/** The real entry point (src/main.ts) as its own process, configured for the test's database. */
function startServer(env: Record<string, string>): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts')], {
    // A rate-limit bucket of its own: API_SECRET's default one is shared by every process on this Redis.
    env: { ...process.env, RATE_LIMIT_KEY_PREFIX: `rtcstack-test:${randomBytes(6).toString('hex')}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, output: () => output, exited };
}

describe('the control plane process', () => {
  let t: TestApp;
  let hole: Server;
  let holePort: number;
  beforeAll(async () => {
    t = await createTestApp();
    // A sidecar that never answers makes GET /v1/health take exactly the probe timeout: a slow request.
    hole = createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
    holePort = (hole.address() as { port: number }).port;
  });
  afterAll(async () => {
    hole.close();
    await t.close();
  });

  it('refuses to start on bad configuration, naming the variable', async () => {
    const s = startServer({ API_SECRET: '', PORT: 'not-a-port' });
    expect(await s.exited).toBe(78);
    expect(s.output()).toMatch(/API_SECRET/);
    expect(s.output()).toMatch(/PORT/);
  });

  it('on SIGTERM stops accepting, finishes in-flight requests, then exits 0', async () => {
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const s = startServer({
      DATABASE_URL: t.config.database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      STT_LIVE_URL: `http://127.0.0.1:${holePort}`,
      SIDECAR_HEALTH_TIMEOUT_MS: '1500',
      SIDECAR_HEALTH_CACHE_MS: '0',
      LOG_LEVEL: 'info',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the server to listen', async () => (await fetch(`${base}/v1/openapi.json`)).ok, 30_000);

    const inFlight = fetch(`${base}/v1/health`); // takes ~1.5 s
    await new Promise((r) => setTimeout(r, 300));
    s.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    await expect(fetch(`${base}/v1/openapi.json`)).rejects.toThrow(); // no longer accepting

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { capabilities: { transcriptionLive: boolean } }).capabilities.transcriptionLive).toBe(false);
    expect(await s.exited).toBe(0);
    expect(s.output()).toMatch(/"msg":"stopped"/);
    // Every request line carries its request id.
    const lines = s.output().split('\n').filter((l) => l.includes('"request completed"'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(JSON.parse(l).reqId).toMatch(/^[0-9a-f-]{36}$/);
  }, 60_000);

  it('killed with SIGKILL while deliveries are pending, a restarted server still delivers every one, once', async () => {
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const rxPort = 30_000 + Math.floor(Math.random() * 20_000);
    const env = {
      DATABASE_URL: t.config.database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_MS: '100',
      WEBHOOK_RETRY_MAX_MS: '500',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_POLL_MS: '50',
      LOG_LEVEL: 'warn',
    };
    const base = `http://127.0.0.1:${port}`;
    const key = { 'X-API-Key': t.apiKey, 'Content-Type': 'application/json' };
    const first = startServer(env);
    await waitFor('the first server', async () => (await fetch(`${base}/v1/openapi.json`)).ok, 30_000);
    // The receiver is down for now: every attempt fails and is retried.
    const hook = (await (await fetch(`${base}/v1/webhooks`, { method: 'POST', headers: key, body: JSON.stringify({ url: `http://127.0.0.1:${rxPort}/hook` }) })).json()) as { id: string };
    const ids = Array.from({ length: 5 }, (_, i) => `EV_kill_${port}_${i}`);
    for (const id of ids) {
      const body = new WebhookEvent({ event: 'room_started', id, room: { name: `kill-${port}` } } as never).toJsonString();
      const at = new AccessToken(t.config.livekit.apiKey, t.config.livekit.apiSecret);
      at.sha256 = createHash('sha256').update(body).digest('base64');
      const res = await fetch(`${base}/v1/livekit/webhook`, { method: 'POST', headers: { 'Content-Type': 'application/webhook+json', Authorization: await at.toJwt() }, body });
      expect(res.status).toBe(200);
    }
    await waitFor('failed attempts to pile up', async () => {
      const d = (await (await fetch(`${base}/v1/webhooks/${hook.id}/deliveries`, { headers: key })).json()) as { deliveries: Array<{ attempts: number; status: string }> };
      return d.deliveries.length === 5 && d.deliveries.every((x) => x.attempts >= 1 && x.status !== 'succeeded');
    }, 15_000);
    first.proc.kill('SIGKILL');
    await first.exited;

    const rx = await startReceiver(() => 200, rxPort);
    const second = startServer(env);
    try {
      await waitFor('every event at the receiver', async () => new Set(rx.received.map((r) => r.headers[EVENT_ID_HEADER.toLowerCase()])).size === 5, 30_000);
      await new Promise((r) => setTimeout(r, 1000)); // time for any duplicate to show up
      const got = rx.received.map((r) => r.headers[EVENT_ID_HEADER.toLowerCase()] as string).sort();
      expect(got).toEqual([...ids].sort());
    } finally {
      second.proc.kill('SIGTERM');
      await second.exited;
      await rx.close();
    }
  }, 90_000);
});
