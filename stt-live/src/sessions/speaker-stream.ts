import { randomBytes } from 'node:crypto';
import { AudioStream, type RemoteAudioTrack } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import { ENGINE_SAMPLE_RATE, type EngineSegment, type EngineStream, type SpeechEngine, type StreamOptions } from '../engines/engine.js';

/** Who a stream's audio belongs to. */
export interface Speaker {
  identity: string;
  participantSid: string;
  trackSid: string;
}

/** A segment of one speaker, with wall-clock times and a stable id per utterance. */
export interface SpeakerSegment extends EngineSegment {
  /** Same for a partial and the final that replaces it. */
  utteranceId: string;
  speaker: Speaker;
  startAt: Date;
  endAt: Date;
}

/**
 * One participant's microphone → 16 kHz mono PCM (rtc-node resamples in its native layer) → one
 * engine stream. One stream per participant is what lets every segment carry its speaker.
 */
export class SpeakerStream {
  private readonly audio: AudioStream;
  private readonly engineStream: EngineStream;
  private pump?: Promise<void>;
  /** Wall clock of the first sample the engine received; engine times are offsets from it. */
  private origin?: number;
  private utterance = 0;
  /**
   * Makes utterance ids unique for the life of the session: a track that is unsubscribed and
   * subscribed again gets a new stream whose counter restarts at 0, and the control plane ignores a
   * segment whose key it has stored (redeliveries), so `${trackSid}-0` again would drop new words.
   */
  private readonly streamId = randomBytes(4).toString('hex');

  constructor(
    readonly speaker: Speaker,
    track: RemoteAudioTrack,
    engine: SpeechEngine,
    options: StreamOptions,
    private readonly onSegment: (segment: SpeakerSegment) => void,
    private readonly logger: Logger,
  ) {
    this.audio = new AudioStream(track, { sampleRate: ENGINE_SAMPLE_RATE, numChannels: 1 });
    this.engineStream = engine.openStream(options, {
      onSegment: (s) => this.emit(s),
      onError: (err) => this.logger.warn({ err, ...speaker }, 'speech engine stream failed'),
    });
  }

  /** Starts pulling audio; returns at once. */
  start(): void {
    this.pump ??= this.run().catch((err: unknown) => this.logger.warn({ err, ...this.speaker }, 'audio stream ended with an error'));
  }

  /** Stops pulling audio and waits for the engine's last finals. */
  async end(): Promise<void> {
    await this.audio.cancel().catch(() => undefined);
    await this.pump;
    await this.engineStream.end();
  }

  private async run(): Promise<void> {
    for await (const frame of this.audio) {
      if (this.origin === undefined) this.origin = Date.now() - (frame.samplesPerChannel * 1000) / frame.sampleRate;
      this.engineStream.write(frame.data);
    }
  }

  private emit(s: EngineSegment): void {
    const origin = this.origin ?? Date.now();
    const utteranceId = `${this.speaker.trackSid}-${this.streamId}-${this.utterance}`;
    if (s.final) this.utterance++;
    this.onSegment({ ...s, utteranceId, speaker: this.speaker, startAt: new Date(origin + s.startMs), endAt: new Date(origin + s.endMs) });
  }
}
