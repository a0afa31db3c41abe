// The offline engine against real speech: espeak-ng reads a known script, the audio goes through
// WhisperEngine (the real worker and model), and the final segments must match the script.
// Needs scripts/install-whisper (WHISPER_PYTHON, and WHISPER_MODEL_DIR or WHISPER_MODELS_DIR plus
// WHISPER_MODEL) and espeak-ng and ffmpeg on PATH.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineSegment } from './engine.js';
import { WhisperEngine } from './whisper-engine.js';
import { synthesize, wordErrorRate } from '@rtcstack/test-utils';

const RATE = 16_000;
const python = process.env.WHISPER_PYTHON;
const modelDir =
  process.env.WHISPER_MODEL_DIR ??
  (process.env.WHISPER_MODELS_DIR ? join(process.env.WHISPER_MODELS_DIR, process.env.WHISPER_MODEL ?? 'base') : undefined);

/** Two speakers at once: a US voice (whose last sentence is longer than one 5 s window) and a British one. */
const SPEAKERS = [
  {
    voice: 'en-us',
    sentences: [
      'Good morning everyone, thank you for joining the weekly planning meeting.',
      'Please remember to send your status updates before the end of the day.',
      'After the break we will review the budget for the next quarter and decide which projects should get more engineers.',
    ],
  },
  {
    voice: 'en',
    sentences: [
      'The new office will open in the city centre next month.',
      'I think we should ask the customers what they need before we build it.',
    ],
  },
];

/** The sentences with pauses between them, over faint noise (a real microphone is never silent). */
async function script(voice: string, sentences: string[]): Promise<Int16Array> {
  const parts: Int16Array[] = [new Int16Array(RATE / 2)];
  for (const sentence of sentences) parts.push(await synthesize(sentence, voice, RATE), new Int16Array(RATE));
  const audio = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    audio.set(p, at);
    at += p.length;
  }
  let seed = 7;
  return audio.map((s) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.max(-32768, Math.min(32767, s + Math.round((seed / 2 ** 31 - 0.5) * 120)));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WhisperEngine with real speech', () => {
  let engine: WhisperEngine;

  beforeAll(async () => {
    if (!python || !modelDir) throw new Error('set WHISPER_PYTHON and WHISPER_MODEL_DIR (scripts/install-whisper installs both)');
    engine = new WhisperEngine({ pythonPath: python, modelDir, device: 'cpu', threads: 2 });
    await engine.start();
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('transcribes two speakers at once, in order, within the audio', async () => {
    const audio = await Promise.all(SPEAKERS.map((s) => script(s.voice, s.sentences)));
    const segments: EngineSegment[][] = SPEAKERS.map(() => []);
    const errors: Error[] = [];
    const streams = SPEAKERS.map((_, i) =>
      engine.openStream(
        { language: 'en-US', partialResults: true, punctuation: true, profanityFilter: false },
        { onSegment: (s) => segments[i]!.push(s), onError: (e) => errors.push(e) },
      ),
    );
    // 100 ms chunks, four times faster than real time.
    const chunk = RATE / 10;
    for (let at = 0; at < Math.max(...audio.map((a) => a.length)); at += chunk) {
      audio.forEach((a, i) => at < a.length && streams[i]!.write(a.subarray(at, at + chunk)));
      await sleep(25);
    }
    await Promise.all(streams.map((s) => s.end()));

    expect(errors).toEqual([]);
    expect(engine.healthy()).toBe(true);
    SPEAKERS.forEach((speaker, i) => {
      const finals = segments[i]!.filter((s) => s.final);
      const heard = finals.map((s) => s.text).join(' ');
      const wer = wordErrorRate(speaker.sentences.join(' '), heard);
      const partials = segments[i]!.length - finals.length;
      console.log(`${speaker.voice}: WER ${(wer * 100).toFixed(1)}%, ${finals.length} finals, ${partials} partials: ${heard}`);
      expect(wer).toBeLessThanOrEqual(0.25);
      expect(finals.length).toBeGreaterThanOrEqual(speaker.sentences.length);
      const durationMs = (audio[i]!.length * 1000) / RATE;
      let previousEnd = 0;
      for (const s of finals) {
        expect(s.language).toBe('en-US');
        expect(s.startMs).toBeGreaterThanOrEqual(previousEnd);
        expect(s.endMs).toBeGreaterThan(s.startMs);
        expect(s.endMs).toBeLessThanOrEqual(durationMs);
        previousEnd = s.endMs;
      }
    });
  });

  it('a worker that dies is started again: the engine is unhealthy meanwhile, then transcribes again', async () => {
    const first = engine.workerPid!;
    process.kill(first, 'SIGKILL');
    const deadline = Date.now() + 5_000;
    while (engine.healthy() && Date.now() < deadline) await sleep(20);
    expect(engine.healthy()).toBe(false);
    const back = Date.now() + 60_000;
    while (!engine.healthy() && Date.now() < back) await sleep(100);
    expect(engine.healthy()).toBe(true);
    expect(engine.workerPid).not.toBe(first);
    const sentence = 'Please remember to send your status updates before the end of the day.';
    const finals: EngineSegment[] = [];
    const stream = engine.openStream({ language: 'en-US', partialResults: false, punctuation: true, profanityFilter: false }, { onSegment: (s) => s.final && finals.push(s), onError: () => {} });
    const audio = await script('en-us', [sentence]);
    for (let at = 0; at < audio.length; at += RATE / 10) {
      stream.write(audio.subarray(at, at + RATE / 10));
      await sleep(25);
    }
    await stream.end();
    expect(wordErrorRate(sentence, finals.map((f) => f.text).join(' '))).toBeLessThanOrEqual(0.25);
  }, 90_000);

  it('stops: the worker is gone and the engine reports unhealthy', async () => {
    await engine.stop();
    expect(engine.healthy()).toBe(false);
    const options = { language: 'en-US', partialResults: false, punctuation: true, profanityFilter: false };
    expect(() => engine.openStream(options, { onSegment: () => {}, onError: () => {} })).toThrow(/not running/);
  });
});
