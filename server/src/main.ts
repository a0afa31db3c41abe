import type { Server } from 'node:http';
import { createApp, createDeps, createServices } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { migrateLatest } from './db/knex.js';
import { attachWebSocket } from './events/events-socket.js';
import { closeRedis } from './db/redis.js';
import { createLogger } from './http/logging.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`rtcstack-server: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const deps = createDeps(config, logger);
  await migrateWithRetry(() => migrateLatest(deps.db, logger), logger);

  const services = createServices(deps);
  const app = createApp(deps, services);
  await services.deliveryWorker.start();
  services.liveEvents.start();
  services.idempotencySweeper.start();
  if (config.sidecars.sttLiveUrl) services.liveTranscriptionMonitor.start();
  const server: Server = app.listen(config.http.port, config.http.host, () => {
    logger.info({ host: config.http.host, port: config.http.port, version: config.version }, 'control plane listening');
    // Recordings that changed while we were down (or whose webhooks were missed) are caught up here.
    services.recordings
      .reconcile()
      .then((r) => logger.info(r, 'recordings reconciled with egress'))
      .catch((err: unknown) => logger.warn({ err }, 'reconciling recordings with egress failed; will catch up on reads and events'));
  });
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
  server.headersTimeout = 66_000;
  const eventsSocket = attachWebSocket(server, app);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('grace period over; closing remaining connections');
      server.closeAllConnections();
    }, config.http.shutdownGraceMs);
    force.unref();
    // Live-event streams never finish by themselves: end them now, so that their clients resume on
    // another replica from their last id (and the server can close).
    services.liveEvents.closeStreams();
    eventsSocket.close();
    server.close(async () => {
      clearTimeout(force);
      await services.deliveryWorker.stop();
      await services.liveEvents.stop();
      await services.liveTranscriptionMonitor.stop();
      await services.transcriptionQueue.stop();
      await services.idempotencySweeper.stop();
      await services.apiKeyUsage.stop(); // writes the last counts before the pool closes
      await deps.db.destroy().catch((err: unknown) => logger.error({ err }, 'closing the Postgres pool failed'));
      await closeRedis(deps.redis);
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Postgres may still be starting (compose, systemd): retry migrations for a while before giving up. */
async function migrateWithRetry(migrate: () => Promise<void>, logger: { warn: (o: object, m: string) => void }): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      logger.warn({ err, attempt }, 'database not ready; retrying migrations');
      await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 3000)));
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`rtcstack-server: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
