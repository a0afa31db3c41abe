import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackError, HttpReporter, TranscriptionGoneError } from './reporter.js';

interface Seen {
  url: string;
  auth: string | undefined;
  body: unknown;
}
const seen: Seen[] = [];
let status = 204;
let delayMs = 0;
let server: Server;
let base: string;

const read = async (req: IncomingMessage) => {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
};

beforeAll(async () => {
  server = createServer((req, res) => {
    void read(req).then((body) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(body) as unknown });
      setTimeout(() => res.writeHead(status).end(status >= 400 ? 'nope' : ''), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const reporter = (timeoutMs = 2000) => new HttpReporter({ callbackUrl: base, transcriptionId: 'tr/1', secret: 's3cret-0123456789', timeoutMs });

describe('HttpReporter', () => {
  it('posts progress, result and failed to the internal endpoints with the bearer secret', async () => {
    status = 204;
    seen.length = 0;
    const r = reporter();
    await r.progress(1.7);
    await r.result({ language: 'en-US', durationMs: 1000, segments: [] });
    await r.failed('x'.repeat(5000));
    expect(seen.map((s) => s.url)).toEqual(['/internal/v1/transcriptions/tr%2F1/progress', '/internal/v1/transcriptions/tr%2F1/result', '/internal/v1/transcriptions/tr%2F1/failed']);
    expect(seen.every((s) => s.auth === 'Bearer s3cret-0123456789')).toBe(true);
    expect(seen[0]?.body).toEqual({ progress: 1 });
    expect(seen[1]?.body).toEqual({ language: 'en-US', durationMs: 1000, segments: [] });
    expect((seen[2]?.body as { reason: string }).reason).toHaveLength(1000);
  });

  it('treats 404 as a deleted transcription and 5xx as retryable', async () => {
    status = 404;
    await expect(reporter().result({ language: null, durationMs: 0, segments: [] })).rejects.toBeInstanceOf(TranscriptionGoneError);
    status = 503;
    await expect(reporter().result({ language: null, durationMs: 0, segments: [] })).rejects.toThrow(CallbackError);
    await expect(reporter().result({ language: null, durationMs: 0, segments: [] })).rejects.toThrow(/answered 503: nope/);
  });

  it('gives up after its timeout', async () => {
    status = 204;
    delayMs = 500;
    await expect(reporter(100).progress(0.5)).rejects.toThrow(/progress callback .* no answer within 100 ms/);
    delayMs = 0;
  });

  it('reports an unreachable control plane as retryable', async () => {
    const r = new HttpReporter({ callbackUrl: 'http://127.0.0.1:1', transcriptionId: 't', secret: 's', timeoutMs: 1000 });
    await expect(r.failed('x')).rejects.toBeInstanceOf(CallbackError);
  });
});
