import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import knexFactory from 'knex';
import { pino, type Logger } from 'pino';
import type { Redis } from 'ioredis';
import { createApp, createDeps, createServices, type AppDeps } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { closeRedis } from '../src/db/redis.js';
import { e2eEnv, TEMPLATE_DB, withDatabase } from './e2e-env.js';

/** An app wired to the real stack, with a database of its own cloned from the migrated template. */
export interface TestApp {
  app: Express;
  deps: AppDeps;
  services: ReturnType<typeof createServices>;
  config: Config;
  apiKey: string;
  /** A prefix that makes names (rooms, identities) unique to this test file. */
  prefix: string;
  /** supertest calls that carry the API key. */
  api: {
    get(path: string): request.Test;
    post(path: string, body?: object): request.Test;
    del(path: string): request.Test;
  };
  close(): Promise<void>;
}

/** Options of createTestApp. */
export interface TestAppOptions {
  /** Attach to this TestApp's database instead of cloning a new one: a second replica of the same deployment. Close it before the TestApp it shares with. */
  replicaOf?: TestApp;
  /** Where the app logs (a test that reads log lines passes a pino writing to a stream); silent by default. */
  logger?: Logger;
}

/** Creates a TestApp; `env` overrides any configuration variable (e.g. to point at a dead dependency). */
export async function createTestApp(env: Record<string, string> = {}, opts: TestAppOptions = {}): Promise<TestApp> {
  const stack = e2eEnv();
  // A replica shares its primary's database, which the primary alone creates and drops.
  const ownsDatabase = opts.replicaOf === undefined;
  const dbName = ownsDatabase ? `rtcstack_e2e_${randomBytes(6).toString('hex')}` : new URL(opts.replicaOf!.config.database.url).pathname.slice(1);
  if (ownsDatabase) {
    const admin = knexFactory({ client: 'pg', connection: withDatabase(stack.databaseUrl, 'postgres') });
    try {
      await admin.raw(`CREATE DATABASE ${dbName} TEMPLATE ${TEMPLATE_DB}`);
    } finally {
      await admin.destroy();
    }
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    API_SECRET: stack.apiSecret,
    DATABASE_URL: withDatabase(stack.databaseUrl, dbName),
    LIVEKIT_URL: stack.livekitUrl,
    LIVEKIT_PUBLIC_URL: stack.livekitPublicUrl,
    LIVEKIT_API_KEY: stack.livekitApiKey,
    LIVEKIT_API_SECRET: stack.livekitApiSecret,
    ...stack.passthrough,
    // Rate-limit counters of their own, so that test files running at once do not share the API_SECRET's
    // count; a replica shares its primary's, as replicas of one deployment do.
    RATE_LIMIT_KEY_PREFIX: opts.replicaOf?.config.rateLimits.keyPrefix ?? `rtcstack-test:${randomBytes(6).toString('hex')}`,
    ...env,
  });
  const deps = createDeps(config, opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  const services = createServices(deps);
  const app = createApp(deps, services);
  await redisSettled(deps.redis);
  return {
    app,
    services,
    api: {
      get: (path) => request(app).get(path).set('X-API-Key', stack.apiSecret),
      post: (path, body = {}) => request(app).post(path).set('X-API-Key', stack.apiSecret).send(body),
      del: (path) => request(app).delete(path).set('X-API-Key', stack.apiSecret),
    },
    deps,
    config,
    apiKey: stack.apiSecret,
    prefix: `t${randomBytes(4).toString('hex')}`,
    async close() {
      await services.deliveryWorker.stop();
      await services.liveEvents.stop();
      await services.liveTranscriptionMonitor.stop();
      await services.transcriptionQueue.stop();
      await services.idempotencySweeper.stop();
      await services.apiKeyUsage.stop();
      await deps.db.destroy();
      await closeRedis(deps.redis);
      if (!ownsDatabase) return;
      const dropper = knexFactory({ client: 'pg', connection: withDatabase(stack.databaseUrl, 'postgres') });
      try {
        await dropper.raw(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      } finally {
        await dropper.destroy();
      }
    },
  };
}

/**
 * Waits until Redis is connected, or has refused a connection once (a test pointing REDIS_URL at a
 * dead port), so that a test's first request is not counted as a Redis outage.
 */
function redisSettled(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, 5000);
    redis.once('ready', done);
    redis.once('error', done);
  });
}
