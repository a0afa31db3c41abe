import { describe, expect, it } from 'vitest';
import { frameDb, VoiceActivitySegmenter, type Utterance } from './voice-activity.js';

const RATE = 16_000;
const ms = (n: number) => Math.round((n * RATE) / 1000);

/** A 220 Hz tone with a 4 Hz syllable-like swell standing in for a voice (peak 3000: about -24 dBFS). */
function tone(durationMs: number, amplitude = 3000): Int16Array {
  return Int16Array.from({ length: ms(durationMs) }, (_, i) => {
    const swell = 0.65 + 0.35 * Math.sin((2 * Math.PI * 4 * i) / RATE);
    return Math.round(amplitude * swell * Math.sin((2 * Math.PI * 220 * i) / RATE));
  });
}

/** Deterministic white noise (amplitude 100 is about -55 dBFS). */
function noise(durationMs: number, amplitude: number, seed = 1): Int16Array {
  let state = seed;
  return Int16Array.from({ length: ms(durationMs) }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return Math.round(((state / 2 ** 31) * 2 - 1) * amplitude * Math.sqrt(3));
  });
}

const silence = (durationMs: number) => new Int16Array(ms(durationMs));

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Mixes `b` into `a` (same length or shorter), clamping to int16. */
function mix(a: Int16Array, b: Int16Array): Int16Array {
  return a.map((s, i) => Math.max(-32768, Math.min(32767, s + (b[i] ?? 0))));
}

/** Feeds `audio` in 20 ms chunks of uneven size, as a network source would, then flushes. */
function segment(audio: Int16Array, segmenter = new VoiceActivitySegmenter()): Utterance[] {
  const out: Utterance[] = [];
  for (let at = 0, i = 0; at < audio.length; i++) {
    const size = i % 2 ? 300 : 340;
    out.push(...segmenter.push(audio.subarray(at, at + size)));
    at += size;
  }
  const last = segmenter.flush();
  if (last) out.push(last);
  return out;
}

const toMs = (sample: number) => (sample * 1000) / RATE;

describe('frameDb', () => {
  it('measures full-scale, quiet and silent frames', () => {
    expect(frameDb(new Int16Array(320).fill(32767))).toBeCloseTo(0, 0);
    const sine = Int16Array.from({ length: 320 }, (_, i) => Math.round(3000 * Math.sin((2 * Math.PI * 220 * i) / RATE)));
    expect(frameDb(sine)).toBeCloseTo(-23.8, 0);
    expect(frameDb(new Int16Array(320))).toBe(-100);
  });
});

describe('VoiceActivitySegmenter', () => {
  it('finds utterances separated by pauses, with pre-roll and a little trailing silence', () => {
    const audio = concat(silence(1000), tone(1200), silence(1000), tone(800), silence(1000));
    const found = segment(audio);
    expect(found).toHaveLength(2);
    const [first, second] = found as [Utterance, Utterance];
    expect(toMs(first.startSample)).toBeGreaterThanOrEqual(760);
    expect(toMs(first.startSample)).toBeLessThanOrEqual(1000);
    expect(toMs(first.endSample)).toBeGreaterThanOrEqual(2200);
    expect(toMs(first.endSample)).toBeLessThanOrEqual(2500);
    expect(toMs(second.startSample)).toBeGreaterThanOrEqual(2960);
    expect(toMs(second.endSample)).toBeGreaterThanOrEqual(4000);
    expect(found.every((u) => !u.cut && u.samples.length === u.endSample - u.startSample)).toBe(true);
  });

  it('keeps short pauses inside one utterance', () => {
    const found = segment(concat(silence(600), tone(700), silence(300), tone(700), silence(800)));
    expect(found).toHaveLength(1);
    expect(toMs(found[0]!.endSample - found[0]!.startSample)).toBeGreaterThan(1700);
  });

  it('drops clicks shorter than the minimum speech length', () => {
    expect(segment(concat(silence(1000), tone(60), silence(1000), tone(100), silence(1000)))).toEqual([]);
  });

  it('cuts long speech at the quietest point of the second half, without losing samples', () => {
    // 3.6 s of voice, a soft 100 ms dip, then 7 s more: the first cut lands on the dip.
    const audio = concat(silence(600), tone(3600), tone(100, 200), tone(7000), silence(800));
    const found = segment(audio);
    expect(found.length).toBeGreaterThanOrEqual(3);
    expect(found[0]!.cut).toBe(true);
    expect(toMs(found[0]!.endSample)).toBeGreaterThanOrEqual(4200);
    expect(toMs(found[0]!.endSample)).toBeLessThanOrEqual(4320);
    for (let i = 1; i < found.length; i++) {
      if (found[i - 1]!.cut) expect(found[i]!.startSample).toBe(found[i - 1]!.endSample);
    }
    expect(found.every((u) => u.samples.length <= ms(5000))).toBe(true);
    expect(found.at(-1)!.cut).toBe(false);
  });

  it('adapts to steady background noise louder than the absolute speech minimum', () => {
    // Noise at about -40 dBFS from the very first sample, a voice 20 dB above it for 1 s.
    const bed = noise(6000, 330);
    const voice = concat(silence(2500), tone(1000), silence(2500));
    const found = segment(mix(bed, voice));
    expect(found).toHaveLength(1);
    expect(toMs(found[0]!.startSample)).toBeGreaterThanOrEqual(2200);
    expect(toMs(found[0]!.endSample)).toBeLessThanOrEqual(4000);
  });

  it('catches speech that starts with the stream, before the noise floor is known', () => {
    const found = segment(concat(tone(900), silence(1500)));
    expect(found).toHaveLength(1);
    expect(found[0]!.startSample).toBe(0);
  });

  it('reports the ongoing utterance for interim results', () => {
    const segmenter = new VoiceActivitySegmenter();
    segmenter.push(concat(silence(1000), tone(1500)));
    const pending = segmenter.pending();
    expect(pending).not.toBeNull();
    expect(toMs(pending!.endSample - pending!.startSample)).toBeGreaterThan(1500);
    segmenter.push(silence(1000));
    expect(segmenter.pending()).toBeNull();
  });

  it('flushes an utterance the stream ended in', () => {
    const segmenter = new VoiceActivitySegmenter();
    expect(segmenter.push(concat(silence(800), tone(900)))).toEqual([]);
    const last = segmenter.flush();
    expect(last).not.toBeNull();
    expect(last!.cut).toBe(false);
    expect(segmenter.flush()).toBeNull();
  });
});
