import type { Server } from 'node:http';
import { expect } from 'vitest';
import { freePort, startSidecar, type SidecarProcess } from './sidecar-process.js';
import { createTestApp, type TestApp } from './test-app.js';
import { waitFor } from './wait.js';
import { startReceiver } from './webhook-receiver.js';

/** The control plane serving on a port (stt-post calls it back), a real stt-post, and a webhook receiver. */
export interface PostCallRig {
  t: TestApp;
  server: Server;
  worker: SidecarProcess;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  hookSecret: string;
  /** Restarts stt-post on its port (after a kill). */
  restartWorker(): Promise<void>;
  close(): Promise<void>;
}

/** Sets up a {@link PostCallRig}; `env` overrides the control plane's configuration. */
export async function startPostCallRig(env: Record<string, string> = {}): Promise<PostCallRig> {
  const receiver = await startReceiver();
  const port = await freePort();
  const workerPort = await freePort();
  const t = await createTestApp({
    STT_POST_URL: `http://127.0.0.1:${workerPort}`,
    INTERNAL_URL: `http://127.0.0.1:${port}`,
    SIDECAR_HEALTH_CACHE_MS: '0',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ...env,
  });
  const server = await new Promise<Server>((r) => {
    const s = t.app.listen(port, '127.0.0.1', () => r(s));
  });
  const startWorker = () => startSidecar('stt-post', { DATABASE_URL: t.config.database.url }, { port: workerPort });
  const rig: PostCallRig = {
    t,
    server,
    worker: await startWorker(),
    receiver,
    hookSecret: '',
    async restartWorker() {
      rig.worker = await startWorker();
    },
    async close() {
      await rig.worker.stop();
      server.close();
      await receiver.close();
      await t.close();
    },
  };
  await t.services.deliveryWorker.start();
  const hook = await t.api.post('/v1/webhooks', { url: receiver.url, events: ['transcription_completed'] }).expect(201);
  rig.hookSecret = hook.body.secret;
  return rig;
}

/** Polls a transcription until it is completed or failed; `seen` collects the states passed through. */
export async function transcriptionFinished(t: TestApp, id: string, seen?: Set<string>) {
  return waitFor(`transcription ${id} to finish`, async () => {
    const res = await t.api.get(`/v1/transcriptions/${id}`).expect(200);
    seen?.add(`${res.body.status}:${res.body.progress > 0 && res.body.progress < 1 ? 'partial' : res.body.progress}`);
    return res.body.status === 'completed' || res.body.status === 'failed' ? res.body : undefined;
  }, 120_000, 100);
}

/** Checks a WebVTT export the way a player would read it; returns its cues. */
export function expectValidVtt(doc: string, cueCount: number) {
  const cues = parseVtt(doc);
  expect(cues).toHaveLength(cueCount);
  expect(cues.every((c, i) => c.end >= c.start && (i === 0 || c.start >= cues[i - 1]!.start))).toBe(true);
  return cues;
}

/** Cues of a WebVTT document: start/end seconds and text; throws on anything malformed. */
export function parseVtt(doc: string): { start: number; end: number; text: string }[] {
  const [header, ...blocks] = doc.trim().split(/\n\n+/);
  if (header !== 'WEBVTT') throw new Error('missing WEBVTT header');
  const seconds = (ts: string) => ts.split(':').reduce((acc, p) => acc * 60 + Number(p), 0);
  return blocks.map((b) => {
    const lines = b.split('\n');
    const timing = lines.findIndex((l) => l.includes('-->'));
    const m = /^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})$/.exec(lines[timing] ?? '');
    if (!m) throw new Error(`bad cue timing: ${lines[timing]}`);
    return { start: seconds(m[1]!), end: seconds(m[2]!), text: lines.slice(timing + 1).join('\n') };
  });
}
