/**
 * Energy-based voice-activity segmentation for engines that transcribe whole utterances (whisper):
 * 20 ms frames compared against an adaptive noise floor, utterances closed by a pause or cut at a
 * maximum length. Pure: no timers, no I/O, so it is unit-tested with synthetic audio.
 */

import { ENGINE_SAMPLE_RATE } from './engine.js';

/** Tunables of {@link VoiceActivitySegmenter}; every field has a default. */
export interface VoiceActivityOptions {
  /** A pause this long ends an utterance. */
  silenceMs: number;
  /** An utterance is cut here, at its quietest frame in the second half. */
  maxUtteranceMs: number;
  /** Utterances with less speech than this (clicks, coughs) are dropped. */
  minSpeechMs: number;
  /** Audio kept before the detected onset, so soft word beginnings are not clipped. */
  preRollMs: number;
  /** Frame energy above the noise floor that starts speech (dB). */
  onsetDb: number;
  /** Frame energy above the noise floor that keeps speech going (dB); lower than onsetDb. */
  holdDb: number;
  /** Nothing quieter than this is speech, whatever the floor (dBFS). */
  minSpeechDb: number;
}

/** One detected utterance; sample indexes count from the start of the stream. */
export interface Utterance {
  samples: Int16Array;
  startSample: number;
  endSample: number;
  /** True when the utterance was cut at the maximum length rather than ended by a pause. */
  cut: boolean;
}

const FRAME = ENGINE_SAMPLE_RATE / 50; // 20 ms
const FLOOR_WINDOW_FRAMES = 250; // minimum statistics over the last 5 s
const WARMUP_FRAMES = 25; // 0.5 s before the floor is trusted
const WARMUP_FLOOR_DB = -50; // assumed during the warm-up, in case it held nothing but speech
const ONSET_FRAMES = 2;

const DEFAULTS: VoiceActivityOptions = {
  silenceMs: 500,
  maxUtteranceMs: 5_000,
  minSpeechMs: 200,
  preRollMs: 200,
  onsetDb: 12,
  holdDb: 6,
  minSpeechDb: -50,
};

/** Energy of one frame in dBFS (digital silence is -100). */
export function frameDb(frame: Int16Array): number {
  let sum = 0;
  for (const s of frame) sum += s * s;
  const meanSquare = sum / Math.max(1, frame.length) / (32768 * 32768);
  return Math.max(-100, 10 * Math.log10(meanSquare + 1e-12));
}

/** Splits a 16 kHz int16 stream into utterances. */
export class VoiceActivitySegmenter {
  private readonly opts: VoiceActivityOptions;
  private readonly history: number[] = [];
  private remainder = new Int16Array(0);
  private nextSample = 0;
  private preRoll: { frame: Int16Array; db: number }[] = [];
  private frames: { frame: Int16Array; db: number }[] = [];
  private utteranceStart = 0;
  private inSpeech = false;
  private framesSeen = 0;
  private onsetCount = 0;
  private silentFrames = 0;
  private speechFrames = 0;

  constructor(options: Partial<VoiceActivityOptions> = {}) {
    this.opts = { ...DEFAULTS, ...options };
  }

  /** The current noise-floor estimate in dBFS. */
  get noiseFloorDb(): number {
    // Minimum statistics: speech always has quiet gaps, so the lowest recent frame is the noise, and
    // the floor follows a fan switched on within one window.
    return this.history.length ? Math.min(...this.history) : -100;
  }

  /** Feeds audio; returns the utterances it completed. */
  push(samples: Int16Array): Utterance[] {
    const all = new Int16Array(this.remainder.length + samples.length);
    all.set(this.remainder);
    all.set(samples, this.remainder.length);
    const out: Utterance[] = [];
    let offset = 0;
    for (; offset + FRAME <= all.length; offset += FRAME) {
      const done = this.frame(all.slice(offset, offset + FRAME));
      if (done) out.push(done);
    }
    this.remainder = all.slice(offset);
    return out;
  }

  /** The ongoing utterance so far (for interim results), or null outside speech. */
  pending(): Utterance | null {
    return this.inSpeech ? this.build(this.frames, false) : null;
  }

  /** Ends the stream: the unfinished utterance, if it holds enough speech. */
  flush(): Utterance | null {
    if (this.remainder.length && this.inSpeech) this.frames.push({ frame: this.remainder, db: -100 });
    this.remainder = new Int16Array(0);
    const last = this.inSpeech && this.enoughSpeech() ? this.build(this.frames, false) : null;
    this.reset();
    return last;
  }

  private frame(frame: Int16Array): Utterance | null {
    const db = frameDb(frame);
    const floor = this.noiseFloorDb;
    this.history.push(db);
    if (this.history.length > FLOOR_WINDOW_FRAMES) this.history.shift();
    this.nextSample += frame.length;
    const entry = { frame, db };
    if (!this.inSpeech) return this.idle(entry, this.isLoud(db, floor));

    this.frames.push(entry);
    if (this.isHeld(db, floor)) {
      this.silentFrames = 0;
      this.speechFrames++;
    } else {
      this.silentFrames++;
    }
    if (this.silentFrames * 20 >= this.opts.silenceMs) {
      // Keep a little of the pause: whisper mishears words whose ending is clipped.
      const keep = Math.max(0, this.frames.length - this.silentFrames + 10);
      const done = this.enoughSpeech() ? this.build(this.frames.slice(0, keep), false) : null;
      this.reset();
      return done;
    }
    if (this.frames.length * 20 >= this.opts.maxUtteranceMs) return this.cut();
    return null;
  }

  private idle(entry: { frame: Int16Array; db: number }, loud: boolean): null {
    this.preRoll.push(entry);
    const preRollFrames = Math.round(this.opts.preRollMs / 20);
    if (this.framesSeen < WARMUP_FRAMES) {
      // No floor yet: buffer the warm-up, then look back through it once the floor is known, so that
      // a speaker who starts at once is neither missed nor preceded by noise taken for speech.
      if (++this.framesSeen < WARMUP_FRAMES) return null;
      const floor = Math.min(this.noiseFloorDb, WARMUP_FLOOR_DB);
      const loudFrames = this.preRoll.map((f) => this.isLoud(f.db, floor));
      const onset = loudFrames.findIndex((l, i) => l && loudFrames[i + 1]);
      if (onset >= 0) this.start(this.preRoll.slice(Math.max(0, onset - preRollFrames)), floor);
      else this.preRoll = this.preRoll.slice(-(preRollFrames + ONSET_FRAMES));
      return null;
    }
    if (this.preRoll.length > preRollFrames + ONSET_FRAMES) this.preRoll.shift();
    this.onsetCount = loud ? this.onsetCount + 1 : 0;
    if (this.onsetCount >= ONSET_FRAMES) this.start(this.preRoll);
    return null;
  }

  private start(frames: { frame: Int16Array; db: number }[], floor = this.noiseFloorDb): void {
    this.inSpeech = true;
    this.preRoll = [];
    this.utteranceStart = this.nextSample - frames.length * FRAME;
    this.resume(frames, floor);
  }

  /** Makes `frames` the utterance so far, recounting its speech and its trailing silence. */
  private resume(frames: { frame: Int16Array; db: number }[], floor = this.noiseFloorDb): void {
    this.frames = frames;
    const held = frames.map((f) => this.isHeld(f.db, floor));
    this.speechFrames = held.filter(Boolean).length;
    this.silentFrames = held.length - 1 - held.lastIndexOf(true);
  }

  private cut(): Utterance {
    // Cut where the speaker is quietest in the second half: most likely between words.
    const from = Math.floor(this.frames.length / 2);
    let at = from;
    for (let i = from; i < this.frames.length; i++) if (this.frames[i]!.db <= this.frames[at]!.db) at = i;
    const head = this.build(this.frames.slice(0, at + 1), true);
    this.utteranceStart = head.endSample;
    this.resume(this.frames.slice(at + 1));
    return head;
  }

  private isLoud(db: number, floor = this.noiseFloorDb): boolean {
    return db > Math.max(floor + this.opts.onsetDb, this.opts.minSpeechDb);
  }

  private isHeld(db: number, floor = this.noiseFloorDb): boolean {
    return db > Math.max(floor + this.opts.holdDb, this.opts.minSpeechDb);
  }

  private enoughSpeech(): boolean {
    return this.speechFrames * 20 >= this.opts.minSpeechMs;
  }

  private build(frames: { frame: Int16Array }[], cut: boolean): Utterance {
    const length = frames.reduce((n, f) => n + f.frame.length, 0);
    const samples = new Int16Array(length);
    let at = 0;
    for (const f of frames) {
      samples.set(f.frame, at);
      at += f.frame.length;
    }
    return { samples, startSample: this.utteranceStart, endSample: this.utteranceStart + length, cut };
  }

  private reset(): void {
    this.inSpeech = false;
    this.frames = [];
    this.onsetCount = 0;
    this.silentFrames = 0;
    this.speechFrames = 0;
  }
}
