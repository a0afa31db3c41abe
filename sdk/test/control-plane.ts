import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { e2eEnv, withDatabase } from '../../server/test/e2e-env.js';
import { freePort } from '../../server/test/sidecar-process.js';

/** A real control plane (server/src/main.ts) as its own process, on a free loopback port. */
export interface ControlPlane {
  url: string;
  output(): string;
  /** SIGTERM, then wait for it to exit. */
  stop(): Promise<void>;
}

const SERVER_DIR = join(import.meta.dirname, '..', '..', 'server');

/**
 * Starts the control plane on the native stack (the environment `scripts/stack env` exports) with
 * `env` on top, and waits until it serves. Each process counts rate limits under its own Redis
 * prefix, so other test runs sharing API_SECRET do not eat into its quota.
 */
export async function startControlPlane(env: Record<string, string>): Promise<ControlPlane> {
  e2eEnv(); // fails loudly, naming the variables, when the stack is not described
  const port = await freePort();
  let output = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', join(SERVER_DIR, 'src', 'main.ts')], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      RATE_LIMIT_KEY_PREFIX: `rtcstack:sdk-test:${randomBytes(4).toString('hex')}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the control plane exited with ${proc.exitCode} before it served:\n${output}`);
    if (await fetch(`${url}/v1/openapi.json`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`the control plane did not serve within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Creates an empty database on the stack's Postgres (the control plane migrates it on boot); returns its URL. */
export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const stack = e2eEnv();
  const name = `rtcstack_sdk_${randomBytes(6).toString('hex')}`;
  await admin(stack.databaseUrl, `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(stack.databaseUrl, name),
    drop: () => admin(stack.databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
