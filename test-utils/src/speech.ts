import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Real speech: espeak-ng says `text` in `voice` at 150 words a minute, and ffmpeg resamples it to
 * `sampleRate` mono int16 (48 kHz, WebRTC's rate, by default; 16 kHz is what the engines take).
 */
export async function synthesize(text: string, voice = 'en-us', sampleRate = 48_000): Promise<Int16Array> {
  const { stdout: wav } = await run('espeak-ng', ['-v', voice, '-s', '150', '--stdout', text], { encoding: 'buffer', maxBuffer: 64 << 20 });
  const pcm = await new Promise<Buffer>((resolve, reject) => {
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'wav', '-i', 'pipe:0', '-ac', '1', '-ar', String(sampleRate), '-f', 's16le', 'pipe:1']);
    const chunks: Buffer[] = [];
    ff.stdout.on('data', (c: Buffer) => chunks.push(c));
    ff.on('error', reject);
    ff.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exited ${code}`))));
    ff.stdin.end(wav);
  });
  return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2).slice();
}
