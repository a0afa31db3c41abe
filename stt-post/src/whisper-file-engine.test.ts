import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineUnavailableError, WhisperFileEngine } from './whisper-file-engine.js';

const FAKE = fileURLToPath(new URL('../test/fake-whisper-python.mjs', import.meta.url));
const logger = pino({ level: 'silent' });
const engines: WhisperFileEngine[] = [];
function engine(modelDir = 'fake', restartDelayMs = 50): WhisperFileEngine {
  const e = new WhisperFileEngine({ python: FAKE, modelDir, device: 'cpu', threads: 1, logger, restartDelayMs, startTimeoutMs: 10_000 });
  engines.push(e);
  return e;
}

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

describe('WhisperFileEngine', () => {
  it('starts, reports what loaded, and answers requests in order with progress', async () => {
    const e = engine();
    expect(e.healthy()).toBe(false);
    await e.start();
    expect(e.healthy()).toBe(true);
    expect(e.info).toEqual({ model: 'fake', device: 'cpu', computeType: 'int8' });
    const progress: number[] = [];
    const [a, b] = await Promise.all([e.transcribeFile('/a.wav', { language: 'en', onProgress: (p) => progress.push(p) }), e.transcribeFile('/b.wav', { language: null })]);
    expect(a).toEqual({ language: 'en', durationSeconds: 2, segments: [{ start: 0, end: 1.5, text: 'said /a.wav' }] });
    expect(b.segments[0]?.text).toBe('said /b.wav');
    expect(progress).toEqual([0.5]);
  });

  it('rejects a worker error without harming the next request', async () => {
    const e = engine();
    await e.start();
    await expect(e.transcribeFile('/error.wav', { language: 'en' })).rejects.toThrow('whisper: ValueError: bad file');
    await expect(e.transcribeFile('/ok.wav', { language: 'en' })).resolves.toMatchObject({ language: 'en' });
  });

  it('cancels a request when its signal aborts', async () => {
    const e = engine();
    await e.start();
    const abort = new AbortController();
    const seen: number[] = [];
    const pending = e.transcribeFile('/slow.wav', { language: 'en', signal: abort.signal, onProgress: (p) => seen.push(p) });
    await new Promise((r) => setTimeout(r, 100));
    abort.abort(new Error('deadline'));
    await expect(pending).rejects.toThrow('deadline');
    expect(seen.length).toBeGreaterThan(0);
    await expect(e.transcribeFile('/after.wav', { language: 'en' })).resolves.toMatchObject({ segments: [{ text: 'said /after.wav' }] });
  });

  it('rejects pending requests when the worker dies, then restarts it', async () => {
    const e = engine();
    await e.start();
    const queued = e.transcribeFile('/queued.wav', { language: 'en' });
    await expect(e.transcribeFile('/die.wav', { language: 'en' })).rejects.toBeInstanceOf(EngineUnavailableError);
    expect(e.healthy()).toBe(false);
    await expect(queued).resolves.toBeDefined(); // answered before the worker read the fatal request
    await expect(e.transcribeFile('/x.wav', { language: 'en' })).rejects.toThrow('not running');
    await expect.poll(() => e.healthy(), { timeout: 5000 }).toBe(true);
    await expect(e.transcribeFile('/back.wav', { language: 'en' })).resolves.toMatchObject({ segments: [{ text: 'said /back.wav' }] });
  });

  it('fails start when the worker exits before it is ready', async () => {
    const e = engine('fail-load', 60_000);
    await expect(e.start()).rejects.toThrow(/exited .* before it was ready/);
    expect(e.healthy()).toBe(false);
  });
});
