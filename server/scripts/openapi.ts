/**
 * Writes the control plane's OpenAPI document to a file (or stdout) without the stack: the app is
 * built from a fixed, harmless configuration (nothing connects at construction: knex, pg-boss and
 * the S3 client connect on first use) and asked for GET /v1/openapi.json in-process on an
 * ephemeral loopback port. The configuration is fixed, not read from the environment, so the
 * document is the same on every machine; sdk/ generates its types from it.
 *   tsx server/scripts/openapi.ts [out.json]
 */
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApp, createDeps } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const HARMLESS_ENV = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  API_SECRET: 'openapi-document-only',
  DATABASE_URL: 'postgres://openapi:openapi@127.0.0.1:1/openapi',
  REDIS_URL: 'redis://127.0.0.1:1',
  LIVEKIT_URL: 'http://127.0.0.1:1',
  LIVEKIT_API_KEY: 'openapi',
  LIVEKIT_API_SECRET: 'openapi-document-only-not-a-real-secret',
  S3_ENDPOINT: 'http://127.0.0.1:1',
  S3_BUCKET: 'openapi',
  S3_ACCESS_KEY: 'openapi',
  S3_SECRET_KEY: 'openapi-document-only',
};

async function main(): Promise<void> {
  const config = loadConfig(HARMLESS_ENV);
  const app = createApp(createDeps(config, pino({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/v1/openapi.json`);
    if (!res.ok) throw new Error(`GET /v1/openapi.json answered ${res.status}: ${await res.text()}`);
    const text = `${JSON.stringify(await res.json(), null, 2)}\n`;
    const out = process.argv[2];
    if (out) await writeFile(out, text);
    else process.stdout.write(text);
  } finally {
    server.close();
  }
}

main().then(
  // Exit explicitly: a client built at construction (a Redis connection, a pool) must not keep us alive.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`openapi: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
