import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SidecarProbe } from './sidecar-probe.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((req, res) => {
    hits++;
    handler!(req, res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits: () => hits };
}

describe('SidecarProbe', () => {
  it('is false when no URL is configured', async () => {
    expect(await new SidecarProbe(undefined, { timeoutMs: 100, cacheMs: 0 }).isUp()).toBe(false);
  });

  it('is true on 2xx from /health and caches the answer', async () => {
    let now = 0;
    const s = await serve((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end('ok'));
    const probe = new SidecarProbe(s.url, { timeoutMs: 500, cacheMs: 1000 }, () => now);
    expect(await probe.isUp()).toBe(true);
    expect(await probe.isUp()).toBe(true);
    expect(s.hits()).toBe(1);
    now = 2000;
    await probe.isUp();
    expect(s.hits()).toBe(2);
  });

  it('is false on 5xx and when the sidecar is too slow', async () => {
    const s = await serve((req, res) => (req.url === '/health' ? setTimeout(() => res.end('late'), 300) : res.end()));
    const start = performance.now();
    expect(await new SidecarProbe(s.url, { timeoutMs: 50, cacheMs: 0 }).isUp()).toBe(false);
    expect(performance.now() - start).toBeLessThan(250);
  });
});
