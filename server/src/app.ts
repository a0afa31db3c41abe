import express, { type Express } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { registerApiKeyRoutes } from './api-keys/api-keys-routes.js';
import { ApiKeysService } from './api-keys/api-keys-service.js';
import { ApiKeysStore } from './api-keys/api-keys-store.js';
import { ApiKeyUsageRecorder } from './api-keys/api-key-usage-recorder.js';
import { AuditService } from './audit/audit-service.js';
import { registerAuditRoutes } from './audit/audit-routes.js';
import { AuditStore } from './audit/audit-store.js';
import type { Config } from './config.js';
import { createDatabase, pingDatabase } from './db/knex.js';
import { registerHealthRoutes } from './health/health-routes.js';
import { HealthService } from './health/health-service.js';
import { SidecarProbe } from './health/sidecar-probe.js';
import { keyAuthenticator } from './http/auth.js';
import { requestLogger } from './http/logging.js';
import { securityHeaders } from './http/security-headers.js';
import { buildOpenApiDocument, createApiRegistry } from './http/openapi.js';
import { notFoundHandler, problemHandler, requireJsonBody } from './http/problem-middleware.js';
import { defineRoute, type RouteContext } from './http/route.js';
import { createLiveKitClients, type LiveKitClients } from './livekit/livekit-clients.js';
import { registerParticipantRoutes } from './participants/participants-routes.js';
import { ParticipantsService } from './participants/participants-service.js';
import { registerRoomRoutes } from './rooms/rooms-routes.js';
import { RoomsService } from './rooms/rooms-service.js';
import { registerTokenRoutes } from './tokens/tokens-routes.js';
import { TokensService } from './tokens/tokens-service.js';
import { registerIngressRoutes } from './ingress/ingress-routes.js';
import { IngressService } from './ingress/ingress-service.js';
import { LIVEKIT_WEBHOOK_PATH, registerLiveKitEventRoutes } from './livekit-events/livekit-events-routes.js';
import { LiveKitEventsService } from './livekit-events/livekit-events-service.js';
import { LiveKitEventsStore } from './livekit-events/livekit-events-store.js';
import { DeliveryWorker } from './webhooks/delivery-worker.js';
import { registerWebhookRoutes } from './webhooks/webhooks-routes.js';
import { WebhooksService } from './webhooks/webhooks-service.js';
import { WebhooksStore } from './webhooks/webhooks-store.js';
import { EventHub } from './events/event-hub.js';
import { registerEventRoutes } from './events/events-routes.js';
import { LiveEventsService } from './events/events-service.js';
import { provideEventsSocket } from './events/events-socket.js';
import { EventsStore } from './events/events-store.js';
import { WsTicketsStore } from './events/ws-tickets-store.js';
import { registerRecordingRoutes } from './recordings/recordings-routes.js';
import { RecordingsService } from './recordings/recordings-service.js';
import { RecordingsStore } from './recordings/recordings-store.js';
import { S3Storage } from './storage/s3-storage.js';
import { ParticipantAudioRecorder } from './recordings/participant-audio.js';
import { RecordingTracksStore } from './recordings/recording-tracks-store.js';
import { UnitOfWork } from './db/unit-of-work.js';
import { LiveTranscriptionMonitor } from './live-transcription/live-transcription-monitor.js';
import { registerLiveTranscriptionRoutes } from './live-transcription/live-transcription-routes.js';
import { LiveTranscriptionService } from './live-transcription/live-transcription-service.js';
import { SttLiveClient } from './live-transcription/stt-live-client.js';
import { TranscriptionsStore } from './transcriptions/transcriptions-store.js';
import { registerPostTranscriptionRoutes } from './post-transcription/post-transcription-routes.js';
import { PostTranscriptionService } from './post-transcription/post-transcription-service.js';
import { TranscriptionQueue } from './post-transcription/transcription-queue.js';
import { registerDocsRoutes } from './docs/docs-routes.js';
import { Metrics } from './metrics/metrics.js';
import { httpMetrics } from './metrics/metrics-middleware.js';
import { registerMetricsRoutes } from './metrics/metrics-routes.js';
import { MetricsStore } from './metrics/metrics-store.js';
import { idempotencyMiddleware } from './idempotency/idempotency-middleware.js';
import { IdempotencyStore } from './idempotency/idempotency-store.js';
import { IdempotencySweeper } from './idempotency/idempotency-sweeper.js';
import { createRedisClient } from './db/redis.js';
import { RateLimits } from './rate-limits/rate-limits.js';
import { rateLimitMiddleware } from './rate-limits/rate-limit-middleware.js';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** Everything the routes need, built once at start-up. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Knex;
  livekit: LiveKitClients;
  storage: S3Storage;
  /** Shared by every replica (rate-limit counters); the API keeps working while it is down. */
  redis: Redis;
}

/** Builds the long-lived clients from config: Postgres pool and LiveKit API clients. */
export function createDeps(config: Config, logger: Logger): AppDeps {
  return {
    config,
    logger,
    db: createDatabase({ url: config.database.url, poolMax: config.database.poolMax, timeoutMs: config.upstreamTimeoutMs, logger }),
    livekit: createLiveKitClients({
      url: config.livekit.url,
      apiKey: config.livekit.apiKey,
      apiSecret: config.livekit.apiSecret,
      timeoutMs: config.upstreamTimeoutMs,
    }),
    storage: new S3Storage({ ...config.s3, timeoutMs: config.upstreamTimeoutMs }),
    redis: createRedisClient({ url: config.redis.url, connectTimeoutMs: config.upstreamTimeoutMs, commandTimeoutMs: config.redis.timeoutMs, logger }),
  };
}

/** Builds the services once; createApp wires them to routes. */
export function createServices(deps: AppDeps) {
  const { config, logger, db, livekit, storage } = deps;
  const auditStore = new AuditStore(db);
  const audit = new AuditService(auditStore);
  const apiKeysStore = new ApiKeysStore(db);
  const apiKeys = new ApiKeysService(apiKeysStore);
  const apiKeyUsage = new ApiKeyUsageRecorder(apiKeysStore, { flushIntervalMs: 1000 }, logger);
  const tokens = new TokensService({
    apiKey: config.livekit.apiKey,
    apiSecret: config.livekit.apiSecret,
    publicUrl: config.livekit.publicUrl,
    ttlSeconds: config.tokenTtlSeconds,
  });
  const rooms = new RoomsService(livekit.rooms, audit);
  const participants = new ParticipantsService(livekit.rooms, rooms, audit);
  const recordings = new RecordingsService(
    livekit.egress,
    rooms,
    new RecordingsStore(db),
    storage,
    audit,
    { ...config.recording, s3: { ...config.s3, timeoutMs: config.upstreamTimeoutMs } },
    logger,
    new ParticipantAudioRecorder(livekit.egress, livekit.rooms, new RecordingTracksStore(db), { ...config.s3, timeoutMs: config.upstreamTimeoutMs }, logger),
  );
  const ingress = new IngressService(livekit.ingress);
  const probeOpts = { timeoutMs: config.sidecars.healthTimeoutMs, cacheMs: config.sidecars.healthCacheMs };
  const sttPostProbe = new SidecarProbe(config.sidecars.sttPostUrl, probeOpts);
  const sttLiveProbe = new SidecarProbe(config.sidecars.sttLiveUrl, probeOpts);
  const health = new HealthService({
    version: config.version,
    pingDatabase: () => pingDatabase(db),
    livekit: livekit.rooms,
    sttLive: sttLiveProbe,
    sttPost: sttPostProbe,
  });
  const events = new LiveKitEventsStore(db);
  // Live events: every event the outbox records is also stored; once its transaction commits, the
  // hub of this replica reads it at once and every other replica's on NOTIFY.
  const liveEventsStore = new EventsStore(db);
  const eventHub = new EventHub(liveEventsStore, { databaseUrl: config.database.url, pollMs: config.events.pollMs }, logger);
  const announce = () => eventHub.announce();
  const liveEvents = new LiveEventsService(liveEventsStore, new WsTicketsStore(db), eventHub, config.events, logger);
  const webhooksStore = new WebhooksStore(db);
  const webhooks = new WebhooksService(webhooksStore, config.webhooks);
  const livekitEvents = new LiveKitEventsService(
    new UnitOfWork(db, (trx) => ({ events: new LiveKitEventsStore(trx), outbox: new WebhooksStore(trx, new EventsStore(trx, announce)), recordings: new RecordingsStore(trx), tracks: new RecordingTracksStore(trx) })),
    () => webhooks.notifyWorkers(),
  );
  const deliveryWorker = new DeliveryWorker(webhooksStore, { ...config.webhooks, databaseUrl: config.database.url }, logger);
  const transcriptionsStore = new TranscriptionsStore(db);
  const sttLive = new SttLiveClient({ url: config.sidecars.sttLiveUrl, secret: config.sidecars.internalSecret, timeoutMs: config.sidecars.sttLiveTimeoutMs });
  const liveTranscription = new LiveTranscriptionService(transcriptionsStore, sttLive, rooms, { callbackUrl: config.sidecars.internalUrl }, logger);
  const liveTranscriptionMonitor = new LiveTranscriptionMonitor(liveTranscription, { intervalMs: config.sidecars.sttLiveMonitorMs }, logger);
  const transcriptionQueue = new TranscriptionQueue({
    databaseUrl: config.database.url,
    retryLimit: config.sidecars.sttPostRetryLimit,
    expireInSeconds: config.sidecars.sttPostJobExpireSeconds,
    maintenanceIntervalSeconds: config.sidecars.sttPostMaintenanceSeconds,
    logger,
  });
  const postTranscription = new PostTranscriptionService(
    new UnitOfWork(db, (trx) => ({ transcriptions: new TranscriptionsStore(trx), outbox: new WebhooksStore(trx, new EventsStore(trx, announce)) })),
    transcriptionsStore,
    recordings,
    transcriptionQueue,
    sttPostProbe,
    webhooks,
    { callbackUrl: config.sidecars.internalUrl, configured: Boolean(config.sidecars.sttPostUrl) },
    logger,
  );
  const idempotency = new IdempotencyStore(db);
  const idempotencySweeper = new IdempotencySweeper(idempotency, { intervalSeconds: config.idempotency.sweepIntervalSeconds }, logger);
  const rateLimits = new RateLimits(deps.redis, config.rateLimits, logger);
  const metrics = new Metrics(
    {
      store: new MetricsStore(db),
      listRooms: () => livekit.rooms.listRooms(),
      sidecars: { 'stt-live': sttLiveProbe, 'stt-post': sttPostProbe },
      rateLimits: () => rateLimits.stats(),
    },
    { version: config.version, cacheMs: config.metrics.cacheMs, timeoutMs: Math.min(1000, config.upstreamTimeoutMs) },
    logger,
  );
  return {
    audit,
    idempotency,
    idempotencySweeper,
    apiKeys,
    apiKeyUsage,
    tokens,
    rooms,
    participants,
    recordings,
    ingress,
    health,
    events,
    webhooks,
    livekitEvents,
    liveEvents,
    deliveryWorker,
    metrics,
    transcriptionsStore,
    liveTranscription,
    liveTranscriptionMonitor,
    transcriptionQueue,
    postTranscription,
    rateLimits,
  };
}

/** Wires services and routes into an Express app. Holds no global state; call it as often as tests like. */
export function createApp(deps: AppDeps, services: ReturnType<typeof createServices> = createServices(deps)): Express {
  const { config, logger } = deps;
  const { audit, tokens, rooms, participants, recordings, ingress, health, webhooks, livekitEvents, liveTranscription, postTranscription } = services;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // JSON API responses are not conditionally fetched; hashing every body costs
  app.set('trust proxy', config.http.trustProxy);
  app.set('query parser', 'simple');
  app.use(httpMetrics(services.metrics));
  app.use(requestLogger(logger));
  // Ahead of every route, so that a key's refusals (a missing scope, a rate limit) are counted too.
  app.use(services.apiKeyUsage.middleware);
  app.use(securityHeaders()); // helmet's defaults, worked out once
  app.use(requireJsonBody);
  const json = express.json({ limit: config.http.bodyLimit, strict: true, type: ['application/json', 'application/*+json'] });
  // Sidecars hand in whole transcripts on the internal routes, which therefore take larger bodies.
  const internalJson = express.json({ limit: config.sidecars.internalBodyLimit, strict: true });
  // LiveKit's webhooks are verified over their raw bytes, so that one route parses its own body.
  app.use((req, res, next) => {
    if (req.path === LIVEKIT_WEBHOOK_PATH) return next();
    return (req.path.startsWith('/internal/') ? internalJson : json)(req, res, next);
  });

  const router = express.Router({ strict: false });
  const registry = createApiRegistry();
  // Under NODE_ENV=test every JSON response is checked against its schema (a mismatch is a 500 there).
  const ctx: RouteContext = {
    router,
    registry,
    authenticate: keyAuthenticator(config.apiSecret, (key) => services.apiKeys.resolve(key)),
    // Rate limits first: a request over its key's limit does no other work.
    afterAuth: [rateLimitMiddleware(services.rateLimits)],
    validateResponses: config.env === 'test',
  };

  // Idempotency-Key on POST, after the rate limit (a request over its key's limit claims no key).
  ctx.afterAuth = [...(ctx.afterAuth ?? []), idempotencyMiddleware(services.idempotency, { lockSeconds: config.idempotency.lockSeconds })];
  registerHealthRoutes(ctx, health);
  registerApiKeyRoutes(ctx, services.apiKeys);
  registerTokenRoutes(ctx, tokens);
  registerRoomRoutes(ctx, rooms);
  registerParticipantRoutes(ctx, participants, { tokens });
  registerAuditRoutes(ctx, audit);
  registerRecordingRoutes(ctx, recordings);
  registerIngressRoutes(ctx, ingress);
  registerLiveKitEventRoutes(ctx, { apiKey: config.livekit.apiKey, apiSecret: config.livekit.apiSecret, livekitEvents, bodyLimit: config.http.bodyLimit });
  registerWebhookRoutes(ctx, webhooks);
  registerLiveTranscriptionRoutes(ctx, liveTranscription, { internalSecret: config.sidecars.internalSecret });
  registerPostTranscriptionRoutes(ctx, postTranscription, { internalSecret: config.sidecars.internalSecret });
  // GET /v1/ws is served on the HTTP server's upgrade event: attachWebSocket(server, app) picks it up.
  provideEventsSocket(app, registerEventRoutes(ctx, services.liveEvents, logger));

  let document: unknown;
  defineRoute(ctx, {
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document',
    tag: 'Meta',
    auth: 'public',
    responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.object({ openapi: z.string() }).loose() } },
    handler: (_input, _req, res) => {
      document ??= buildOpenApiDocument(registry, config.version);
      res.json(document as { openapi: string });
    },
  });
  registerDocsRoutes(ctx, { openApiPath: '/v1/openapi.json' });
  registerMetricsRoutes(ctx, services.metrics, { token: config.metrics.token });

  app.use(router);
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}
