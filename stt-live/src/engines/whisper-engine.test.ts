// WhisperEngine's process handling and stream logic against a fake worker (a Node script speaking the
// worker's JSON-lines protocol), so these run without Python or a model.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EngineSegment, StreamOptions } from './engine.js';
import { whisperLanguage, WhisperEngine, type WhisperEngineOptions } from './whisper-engine.js';

// The --model-dir argument picks the fake's behaviour: ok | slow | crash | flaky | no-start | multi.
const FAKE_WORKER = `
import { createInterface } from 'node:readline';
const mode = process.argv[process.argv.indexOf('--model-dir') + 1];
if (mode === 'no-start') process.exit(3);
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
send({ ready: true, model: mode, device: 'cpu', multilingual: mode === 'multi', languages: mode === 'multi' ? ['en', 'de', 'zh'] : ['en'] });
let count = 0, busy = false, overlap = false;
createInterface({ input: process.stdin }).on('line', (line) => {
  const r = JSON.parse(line);
  if (busy) overlap = true;
  busy = true;
  count++;
  if (mode === 'crash') process.exit(1);
  const samples = Buffer.from(r.pcm, 'base64').length / 2;
  const reply = () => {
    busy = false;
    if (mode === 'flaky' && count === 1) return send({ id: r.id, error: 'bad window' });
    const text = 'req' + count + ' lang=' + r.language + ' prompt=' + (r.prompt ? 'y' : 'n') + ' overlap=' + overlap;
    send({ id: r.id, text, language: r.language ?? 'de', segments: [], audioSeconds: samples / 16000, elapsedSeconds: 0 });
  };
  if (mode === 'slow') setTimeout(reply, 150); else reply();
});
`;

const RATE = 16_000;
const OPTIONS: StreamOptions = { language: 'en-US', partialResults: false, punctuation: true, profanityFilter: false };

/** A 220 Hz tone with a 4 Hz syllable-like swell: speech to the segmenter. */
const voice = (ms: number) =>
  Int16Array.from({ length: (ms * RATE) / 1000 }, (_, i) => {
    const swell = 0.65 + 0.35 * Math.sin((2 * Math.PI * 4 * i) / RATE);
    return Math.round(3000 * swell * Math.sin((2 * Math.PI * 220 * i) / RATE));
  });
const silence = (ms: number) => new Int16Array((ms * RATE) / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let script: string;
const engines: WhisperEngine[] = [];

function engine(mode: string, extra: Partial<Pick<WhisperEngineOptions, 'partialIntervalMs' | 'logger'>> = {}) {
  const e = new WhisperEngine({ pythonPath: process.execPath, workerScript: script, modelDir: mode, ...extra });
  engines.push(e);
  return e;
}

function collect() {
  const segments: EngineSegment[] = [];
  const errors: Error[] = [];
  return { segments, errors, listener: { onSegment: (s: EngineSegment) => segments.push(s), onError: (e: Error) => errors.push(e) } };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fake-whisper-'));
  script = join(dir, 'worker.mjs');
  writeFileSync(script, FAKE_WORKER);
});
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('whisperLanguage', () => {
  const multi = { multilingual: true, languages: ['en', 'de', 'zh'] };
  it('maps BCP-47 tags to whisper codes, and anything unknown to detection', () => {
    expect(whisperLanguage('en-US', multi)).toBe('en');
    expect(whisperLanguage('de', multi)).toBe('de');
    expect(whisperLanguage('zh_TW', multi)).toBe('zh');
    expect(whisperLanguage('xx-YY', multi)).toBeNull();
  });
  it('always answers "en" for an English-only model', () => {
    expect(whisperLanguage('de-DE', { multilingual: false, languages: ['en'] })).toBe('en');
  });
});

describe('WhisperEngine (fake worker)', () => {
  it('emits one final per utterance, timed from the stream start, and flushes on end()', async () => {
    const e = engine('ok');
    expect(e.healthy()).toBe(false);
    await e.start();
    expect(e.healthy()).toBe(true);
    const { segments, errors, listener } = collect();
    const stream = e.openStream(OPTIONS, listener);
    stream.write(silence(1000));
    stream.write(voice(1000));
    stream.write(silence(1000));
    stream.write(voice(800)); // still speaking when the stream ends
    await stream.end();
    expect(errors).toEqual([]);
    expect(segments.map((s) => [s.final, s.language, s.text])).toEqual([
      [true, 'en-US', 'req1 lang=en prompt=n overlap=false'],
      [true, 'en-US', 'req2 lang=en prompt=n overlap=false'],
    ]);
    expect(segments[0]!.startMs).toBeGreaterThanOrEqual(750);
    expect(segments[0]!.startMs).toBeLessThanOrEqual(1000);
    expect(segments[0]!.endMs).toBeGreaterThan(2000);
    expect(segments[1]!.startMs).toBeGreaterThan(segments[0]!.endMs);
    expect(segments[1]!.endMs).toBe(3800);
  });

  it('sends interim windows only to an idle worker, and drops them once the utterance is final', async () => {
    const e = engine('slow', { partialIntervalMs: 400 });
    await e.start();
    const a = collect();
    const b = collect();
    const streamA = e.openStream({ ...OPTIONS, partialResults: true }, a.listener);
    const streamB = e.openStream({ ...OPTIONS, partialResults: true }, b.listener);
    streamA.write(silence(600));
    streamB.write(silence(600));
    for (let i = 0; i < 30; i++) {
      streamA.write(voice(100));
      streamB.write(voice(100));
      await sleep(20);
    }
    streamA.write(silence(700));
    streamB.write(silence(700));
    await Promise.all([streamA.end(), streamB.end()]);
    for (const { segments, errors } of [a, b]) {
      expect(errors).toEqual([]);
      expect(segments.every((s) => s.text.endsWith('overlap=false'))).toBe(true);
      const finalAt = segments.findIndex((s) => s.final);
      expect(finalAt).toBe(segments.length - 1);
      expect(segments.slice(0, finalAt).every((s) => s.endMs <= segments[finalAt]!.endMs)).toBe(true);
    }
    expect(a.segments.length + b.segments.length).toBeGreaterThan(2);
  });

  it('continues the prompt after a window cut at the maximum length', async () => {
    const e = engine('ok');
    await e.start();
    const { segments, listener } = collect();
    const stream = e.openStream(OPTIONS, listener);
    stream.write(silence(600));
    stream.write(voice(7000));
    await sleep(50);
    stream.write(silence(1000));
    await stream.end();
    expect(segments.map((s) => s.text.split(' ')[2])).toEqual(['prompt=n', 'prompt=y']);
  });

  it('drops a window the worker rejects and goes on', async () => {
    const warn = vi.fn();
    const e = engine('flaky', { logger: { info: () => {}, warn, error: () => {} } });
    await e.start();
    const { segments, errors, listener } = collect();
    const stream = e.openStream(OPTIONS, listener);
    stream.write(silence(600));
    stream.write(voice(800));
    stream.write(silence(800));
    stream.write(voice(800));
    await stream.end();
    expect(errors).toEqual([]);
    expect(segments.map((s) => s.text.split(' ')[0])).toEqual(['req2']);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('bad window'));
  });

  it('reports the language whisper detected when the requested one is unknown to it', async () => {
    const e = engine('multi');
    await e.start();
    const { segments, listener } = collect();
    const stream = e.openStream({ ...OPTIONS, language: 'xx-YY' }, listener);
    stream.write(concat(silence(600), voice(800)));
    await stream.end();
    expect(segments.map((s) => [s.language, s.text.split(' ')[1]])).toEqual([['de', 'lang=null']]);
  });

  it('reports a dead worker to every open stream, once, and turns unhealthy', async () => {
    const e = engine('crash');
    await e.start();
    const a = collect();
    const b = collect();
    const streamA = e.openStream(OPTIONS, a.listener);
    e.openStream(OPTIONS, b.listener);
    streamA.write(concat(silence(600), voice(800), silence(800)));
    await vi.waitFor(() => expect(e.healthy()).toBe(false));
    await streamA.end();
    expect(a.errors).toHaveLength(1);
    expect(b.errors).toHaveLength(1);
    expect(a.errors[0]!.message).toMatch(/exited/);
    expect(a.segments).toEqual([]);
    expect(() => e.openStream(OPTIONS, collect().listener)).toThrow(/not running/);
  });

  it('rejects start() when the Python cannot be run', async () => {
    const e = new WhisperEngine({ pythonPath: join(dir, 'no-such-python'), workerScript: script, modelDir: 'ok' });
    engines.push(e);
    await expect(e.start()).rejects.toThrow(/could not start: spawn .*ENOENT/);
    expect(e.healthy()).toBe(false);
  });

  it('rejects start() when the worker exits before it is ready', async () => {
    const e = engine('no-start');
    await expect(e.start()).rejects.toThrow(/exited \(code 3\)/);
    expect(e.healthy()).toBe(false);
  });
});

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
