// The real control plane, configured as in production against the stack's Postgres, serving the
// live events (GET /v1/events as SSE) and taking LiveKit webhooks that raise them. Run by
// events-bench.ts, which reads its RSS over IPC.
import { createApp, createDeps, createServices } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrateLatest } from '../src/db/knex.js';
import { attachWebSocket } from '../src/events/events-socket.js';
import { createLogger } from '../src/http/logging.js';

// 500 subscribers connect at once: a per-key rate limit would count them, which is not what is measured.
const config = loadConfig({ ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_BOOTSTRAP_PER_MINUTE: '0' });
const deps = createDeps(config, createLogger(config.logLevel));
await migrateLatest(deps.db);
const app = createApp(deps, createServices(deps));
const server = app.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
attachWebSocket(server, app);
process.on('message', (m) => m === 'rss' && process.send?.({ rss: process.memoryUsage().rss }));
