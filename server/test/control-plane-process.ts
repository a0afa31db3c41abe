import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './sidecar-process.js';

/** A control plane running as its own process (`node --import tsx src/main.ts`): one replica of a deployment. */
export interface ControlPlaneProcess {
  url: string;
  port: number;
  output(): string;
  /** SIGTERM, and the exit code once it has exited. */
  stop(): Promise<number | null>;
}

/**
 * Starts a control plane from source on a free port with the stack's environment (as
 * `scripts/stack env` exports it) overridden by `env` (e.g. DATABASE_URL to share one database
 * between replicas), and waits until it answers.
 */
export async function startControlPlane(env: Record<string, string>, readyTimeoutMs = 90_000): Promise<ControlPlaneProcess> {
  const port = await freePort();
  const main = join(import.meta.dirname, '..', 'src', 'main.ts');
  const proc = spawn(process.execPath, ['--import', 'tsx', main], {
    // A rate-limit bucket of its own (API_SECRET's default one is shared by every process on this Redis).
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', RATE_LIMIT_KEY_PREFIX: `rtcstack-test:${randomBytes(6).toString('hex')}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the control plane exited with ${proc.exitCode} before it was ready:\n${output}`);
    const ok = await fetch(`${url}/v1/openapi.json`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`the control plane did not answer within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    output: () => output,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}
