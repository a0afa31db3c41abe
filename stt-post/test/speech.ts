import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

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
 * Real speech in a recording container: espeak-ng says `text` (with `leadSeconds` of silence first),
 * ffmpeg encodes it. Returns the file's bytes.
 */
export async function speechRecording(text: string, kind: MediaKind, leadSeconds = 0): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'stt-post-speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    const out = join(dir, 'out');
    await run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text]);
    const video = kind === 'mp4-video' ? ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15'] : [];
    const pad = `adelay=${Math.round(leadSeconds * 1000)}:all=1`;
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...video, '-i', wav, '-af', pad, '-ar', '48000', '-ac', '1', ...ENCODE[kind], out], { maxBuffer: 16 << 20 });
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
