import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * ffmpeg pushing a test pattern with a 440 Hz tone over RTMP, as OBS would. Like OBS's
 * auto-reconnect, a push that ends early (e.g. ingress refused it while the box was busy) is
 * retried every second until `stop()`.
 */
export function pushRtmp(url: string, seconds: number): { stop: () => Promise<void>; log: () => string } {
  let log = '';
  let stopped = false;
  let proc: ChildProcess | undefined;
  const deadline = Date.now() + seconds * 1000;
  const launch = () => {
    const remaining = Math.ceil((deadline - Date.now()) / 1000);
    if (stopped || remaining <= 0) return;
    proc = spawn(
      'ffmpeg',
      [
        '-hide_banner', '-loglevel', 'warning', '-re',
        '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30',
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-t', String(remaining),
        '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '60', '-b:v', '800k',
        '-c:a', 'aac', '-b:a', '128k', '-ar', '48000',
        '-f', 'flv', url,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proc.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    proc.once('exit', () => {
      if (!stopped) setTimeout(launch, 1000);
    });
  };
  launch();
  return {
    log: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        stopped = true;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGINT');
      }),
  };
}

/** The streams and duration of a media file, from ffprobe. */
export interface Probe {
  streams: Array<{ codec_type: string; codec_name: string }>;
  format: { duration: string; format_name: string };
}

/** Runs ffprobe on a file. */
export async function ffprobe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(stdout) as Probe;
}
