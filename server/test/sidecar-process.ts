import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A free loopback port (closed again, for a child process to take). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A real sidecar process (stt-live or stt-post), started from source with the real offline engine. */
export interface SidecarProcess {
  url: string;
  proc: ChildProcess;
  output(): string;
  /** SIGKILL: the sidecar dies without a word, as in a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Which sidecar, and the variable that sets its port. */
const SIDECARS = { 'stt-live': 'STT_LIVE_PORT', 'stt-post': 'STT_POST_PORT' } as const;

/**
 * Starts a sidecar (`<name>/src/main.ts`) on a free port and waits for /health. The stack's
 * addresses and the whisper install come from the environment `scripts/test` exports.
 */
export async function startSidecar(
  name: keyof typeof SIDECARS,
  env: Record<string, string> = {},
  opts: { port?: number; readyTimeoutMs?: number } = {},
): Promise<SidecarProcess> {
  const port = opts.port ?? (await freePort());
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
  const main = join(import.meta.dirname, '..', '..', name, 'src', 'main.ts');
  const proc = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, HOST: '127.0.0.1', [SIDECARS[name]]: String(port), LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode} before it was ready:\n${output}`);
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${name} was not healthy within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    proc,
    output: () => output,
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** stt-live with the real offline engine. */
export const startSttLive = (env: Record<string, string> = {}, opts: { port?: number; readyTimeoutMs?: number } = {}) => startSidecar('stt-live', env, opts);
