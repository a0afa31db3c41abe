// The real control plane (createApp: helmet, request ids, pino-http logging, zod validation,
// problem middleware), configured as in production, serving POST /v1/token.
import { createApp, createDeps } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/http/logging.js';
import { BENCH_ENV } from './bench-env.js';

const config = loadConfig({ ...BENCH_ENV });
const app = createApp(createDeps(config, createLogger(config.logLevel)));
const server = app.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
