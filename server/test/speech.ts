import { spawn } from 'node:child_process';
import { AudioFrame, AudioSource, LocalAudioTrack, TrackPublishOptions, TrackSource, type LocalTrackPublication, type Room } from '@livekit/rtc-node';

/** Sample rate of the speech tests publish (WebRTC's native rate). */
export const SPEECH_RATE = 48_000;

/** Real speech at {@link SPEECH_RATE}, and the word error rate transcripts are judged by (shared by every workspace's tests). */
export { synthesize, wordErrorRate } from '@rtcstack/test-utils';

/**
 * A microphone track that sends silence until told to say something, then the speech, in real time
 * (AudioSource's queue applies the back-pressure that paces it).
 */
export class Microphone {
  private readonly source = new AudioSource(SPEECH_RATE, 1, 200);
  private readonly queue: { pcm: Int16Array; done: () => void }[] = [];
  private offset = 0;
  private stopped = false;
  private pump?: Promise<void>;
  publication?: LocalTrackPublication;

  /** Publishes the track into the room and starts sending silence. */
  async publish(room: Room, name = 'microphone'): Promise<LocalTrackPublication> {
    const track = LocalAudioTrack.createAudioTrack(name, this.source);
    const opts = new TrackPublishOptions();
    opts.source = TrackSource.SOURCE_MICROPHONE;
    this.publication = await room.localParticipant!.publishTrack(track, opts);
    this.pump = this.run();
    return this.publication;
  }

  /** Resolves once the whole utterance has been sent. */
  say(pcm: Int16Array): Promise<void> {
    return new Promise((done) => this.queue.push({ pcm, done }));
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.pump;
    await this.source.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const frame = SPEECH_RATE / 50; // 20 ms
    while (!this.stopped) {
      const data = new Int16Array(frame);
      const current = this.queue[0];
      if (current) {
        const part = current.pcm.subarray(this.offset, this.offset + frame);
        data.set(part);
        this.offset += part.length;
        if (this.offset >= current.pcm.length) {
          this.queue.shift();
          this.offset = 0;
          current.done();
        }
      }
      await this.source.captureFrame(new AudioFrame(data, SPEECH_RATE, 1, frame)).catch(() => undefined);
    }
  }
}

/** A track of `totalMs` silence with each utterance placed at its start time (48 kHz mono). */
export function placeSpeech(totalMs: number, parts: { atMs: number; pcm: Int16Array }[]): Int16Array {
  const out = new Int16Array(Math.ceil((totalMs * SPEECH_RATE) / 1000));
  for (const p of parts) out.set(p.pcm.subarray(0, Math.max(0, out.length - Math.floor((p.atMs * SPEECH_RATE) / 1000))), Math.floor((p.atMs * SPEECH_RATE) / 1000));
  return out;
}

/** Encodes 48 kHz mono PCM as egress writes audio tracks: Opus in Ogg. */
export async function encodeOggOpus(pcm: Int16Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', String(SPEECH_RATE), '-ac', '1', '-i', 'pipe:0', '-c:a', 'libopus', '-b:a', '48k', '-f', 'ogg', 'pipe:1']);
    const chunks: Buffer[] = [];
    ff.stdout.on('data', (c: Buffer) => chunks.push(c));
    ff.on('error', reject);
    ff.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exited ${code}`))));
    ff.stdin.end(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  });
}

/** Mixes tracks sample by sample (what a room composite's audio is). */
export function mix(...tracks: Int16Array[]): Int16Array {
  const out = new Int16Array(Math.max(...tracks.map((t) => t.length)));
  for (const t of tracks) for (let i = 0; i < t.length; i++) out[i] = Math.max(-32768, Math.min(32767, out[i]! + t[i]!));
  return out;
}
