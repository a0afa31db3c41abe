// The real control plane (createApp: helmet, request ids, logs, the API-key and scope guards, the
// Redis rate limit, the idempotency middleware, zod validation, problem middleware), configured as
// in production, serving POST /v1/token. With the stack's DATABASE_URL (scripts/bench exports it)
// idempotency keys are claimed in the real Postgres; without it only keyless requests work.
import { createApp, createDeps } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrateLatest } from '../src/db/knex.js';
import { createLogger } from '../src/http/logging.js';
import { serveBench } from './bench-child.js';
import { BENCH_ENV } from './bench-env.js';

const config = loadConfig({ ...BENCH_ENV, DATABASE_URL: process.env.DATABASE_URL ?? BENCH_ENV.DATABASE_URL });
const deps = createDeps(config, createLogger(config.logLevel));
if (process.env.DATABASE_URL) await migrateLatest(deps.db);
const app = createApp(deps);
serveBench(app.listen(0, '127.0.0.1'));
