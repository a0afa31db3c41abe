import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { synthesize } from '@rtcstack/test-utils';

const run = promisify(execFile);

/** Container a recording is encoded into, as egress writes them. */
export type MediaKind = 'ogg' | 'mp4-audio' | 'mp4-video';

const ENCODE: Record<MediaKind, string[]> = {
  ogg: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg'],
  'mp4-audio': ['-c:a', 'aac', '-b:a', '64k', '-f', 'mp4'],
  // moov at the end (no +faststart), audio interleaved with video: what a pipe cannot demux.
  'mp4-video': ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-shortest', '-f', 'mp4'],
};

/**
 * Real speech in a recording container: espeak-ng says `text` (@rtcstack/test-utils' synthesize,
 * with `leadSeconds` of silence first), ffmpeg encodes it. Returns the file's bytes.
 */
export async function speechRecording(text: string, kind: MediaKind, leadSeconds = 0): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'stt-post-speech-'));
  try {
    const speech = await synthesize(text, 'en-us', 48_000);
    const pcm = new Int16Array(Math.round(leadSeconds * 48_000) + speech.length);
    pcm.set(speech, pcm.length - speech.length);
    const raw = join(dir, 'speech.raw');
    const out = join(dir, 'out');
    await writeFile(raw, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    const video = kind === 'mp4-video' ? ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15'] : [];
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...video, '-f', 's16le', '-ar', '48000', '-ac', '1', '-i', raw, ...ENCODE[kind], out], { maxBuffer: 16 << 20 });
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
