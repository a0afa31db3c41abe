import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import express from 'express';
import PgBoss from 'pg-boss';
import { pino } from 'pino';
import { createS3Client } from './audio-input.js';
import { ConfigError, loadConfig } from './config.js';
import { createJobHandler } from './job-handler.js';
import { sweepStaleJobDirs } from './transcribe-job.js';
import { PGBOSS_SCHEMA, QUEUE } from './queue.js';
import { WhisperFileEngine } from './whisper-file-engine.js';

/** stt-post entry point: load whisper, take jobs from pg-boss, serve /health, stop cleanly on SIGTERM. */
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
  const logger = pino({ level: config.logLevel, base: { service: 'stt-post' } });

  // One whisper process per concurrent job: a worker decodes one file at a time.
  const threads = config.whisper.threads ?? Math.max(1, Math.floor(availableParallelism() / config.concurrency));
  const engines = Array.from(
    { length: config.concurrency },
    (_, i) => new WhisperFileEngine({ python: config.whisper.python, modelDir: config.whisper.modelDir, device: config.whisper.device, threads, logger: logger.child({ engine: i }) }),
  );
  for (const engine of engines) await engine.start();
  logger.info({ model: config.whisper.model, device: engines[0]!.info.device, threads, workers: engines.length }, 'whisper ready');

  const boss = new PgBoss({ connectionString: config.databaseUrl, schema: PGBOSS_SCHEMA, max: 2 + config.concurrency, schedule: false });
  boss.on('error', (err) => logger.error({ err }, 'pg-boss error'));
  await boss.start();
  // Idempotent (ON CONFLICT DO NOTHING): whichever side starts first creates it; jobs carry their own retry and expiry options.
  await boss.createQueue(QUEUE, { name: QUEUE, policy: 'standard', retryLimit: 3, retryBackoff: true });

  const swept = await sweepStaleJobDirs();
  if (swept > 0) logger.info({ swept }, 'removed temporary folders of jobs a killed worker left behind');
  let stopping = false;
  const shutdownJobs = new AbortController();
  const s3 = createS3Client(config.s3);
  for (const engine of engines) {
    const handler = createJobHandler({ s3, engine, logger, secret: config.internalSecret, callbackTimeoutMs: config.callbackTimeoutMs, signal: shutdownJobs.signal });
    await boss.work(QUEUE, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 1 }, handler);
  }
  logger.info({ queue: QUEUE, concurrency: config.concurrency }, 'taking transcription jobs');

  // The only HTTP surface: the control plane probes /health to report the capability; jobs come through pg-boss.
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    const ok = !stopping && engines.every((e) => e.healthy());
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', model: config.whisper.model, device: engines[0]!.info.device });
  });
  const server: Server = app.listen(config.port, config.host, () => logger.info({ host: config.host, port: config.port }, 'stt-post listening'));

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: finishing the running jobs');
    server.close();
    // Abort a job just before pg-boss gives up on it, so the job settles itself (retry, or failed on its last attempt).
    const abortTimer = setTimeout(() => shutdownJobs.abort(new Error('stt-post shut down during the transcription')), Math.max(0, config.shutdownTimeoutMs - 2000));
    await boss.stop({ graceful: true, wait: true, timeout: config.shutdownTimeoutMs }).catch((err: unknown) => logger.error({ err }, 'pg-boss did not stop cleanly'));
    clearTimeout(abortTimer);
    await Promise.all(engines.map((e) => e.stop()));
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
