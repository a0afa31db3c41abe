import type { Server } from 'node:http';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { createEngine } from './engines/create-engine.js';
import { createApp } from './http/app.js';
import { SessionManager } from './sessions/session-manager.js';

/** stt-live entry point: load the engine, serve the internal API, stop sessions cleanly on SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'stt-live' } });
  const engine = createEngine(config, logger);
  await engine.start();
  logger.info({ engine: engine.name }, 'speech engine ready');

  const sessions = new SessionManager({
    engine,
    livekit: config.livekit,
    identity: config.identity,
    internalSecret: config.internalSecret,
    callbackTimeoutMs: config.callbackTimeoutMs,
    stopFlushMs: config.stopFlushMs,
    logger,
  });
  const app = createApp({ sessions, engine, secret: config.internalSecret, logger });
  const server: Server = app.listen(config.port, config.host, () => logger.info({ host: config.host, port: config.port }, 'stt-live listening'));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing sessions');
    server.close();
    await sessions.stopAll('stt-live was shut down');
    await engine.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
