import { z } from 'zod';

/** Thrown when the environment does not describe a runnable control plane; names every bad variable. */
export class ConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const secret = (name: string, minLength: number, why = '') =>
  z
    .string({ error: `${name} is required (secrets have no default; run scripts/init to generate one)` })
    .min(minLength, `${name} must be at least ${minLength} characters${why}`);

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const wsUrl = z.url({ protocol: /^(wss?|https?)$/, error: 'must be a ws(s) or http(s) URL' });
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v))
  .pipe(httpUrl.optional());
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  HOST: z.string().default('0.0.0.0'),
  PORT: port.default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  API_SECRET: secret('API_SECRET', 16),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  DATABASE_POOL_MAX: positiveInt.default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).default('redis://127.0.0.1:6379'),
  REDIS_TIMEOUT_MS: positiveInt.max(10_000).default(250),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  // Unset (or empty) follows RATE_LIMIT_PER_MINUTE.
  RATE_LIMIT_BOOTSTRAP_PER_MINUTE: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().int().min(0).optional()),
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).max(100).default('rtcstack:rl'),
  LIVEKIT_URL: httpUrl,
  LIVEKIT_PUBLIC_URL: wsUrl.optional(),
  LIVEKIT_API_KEY: z.string().min(1, 'LIVEKIT_API_KEY is required'),
  LIVEKIT_API_SECRET: secret('LIVEKIT_API_SECRET', 32, ' (livekit-server refuses shorter)'),
  TOKEN_TTL_SECONDS: positiveInt.max(86_400).default(3600),
  UPSTREAM_TIMEOUT_MS: positiveInt.max(30_000).default(1500),
  STT_LIVE_URL: optionalUrl,
  STT_POST_URL: optionalUrl,
  SIDECAR_HEALTH_TIMEOUT_MS: positiveInt.default(500),
  SIDECAR_HEALTH_CACHE_MS: z.coerce.number().int().min(0).default(5000),
  STT_INTERNAL_SECRET: z.string().optional(),
  INTERNAL_URL: optionalUrl,
  STT_LIVE_TIMEOUT_MS: positiveInt.max(60_000).default(8000),
  STT_LIVE_MONITOR_MS: positiveInt.default(5000),
  STT_POST_RETRY_LIMIT: z.coerce.number().int().min(0).max(20).default(3),
  STT_POST_JOB_EXPIRE_SECONDS: positiveInt.default(1800),
  STT_POST_MAINTENANCE_SECONDS: positiveInt.default(30),
  INTERNAL_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 20mb').default('20mb'),
  S3_ENDPOINT: httpUrl,
  S3_PUBLIC_ENDPOINT: optionalUrl,
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
  S3_ACCESS_KEY: z.string({ error: 'S3_ACCESS_KEY is required' }).min(3, 'S3_ACCESS_KEY is required'),
  S3_SECRET_KEY: secret('S3_SECRET_KEY', 8),
  S3_FORCE_PATH_STYLE: bool.default(true),
  RECORDING_AUDIO_CODEC: z.enum(['aac', 'opus']).default('aac'),
  RECORDING_LAYOUT: z.string().min(1).default('grid'),
  DOWNLOAD_URL_TTL_SECONDS: positiveInt.max(7 * 86_400).default(900),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_TIMEOUT_MS: positiveInt.max(60_000).default(5000),
  WEBHOOK_MAX_ATTEMPTS: positiveInt.max(50).default(8),
  WEBHOOK_RETRY_BASE_MS: positiveInt.default(1000),
  WEBHOOK_RETRY_MAX_MS: positiveInt.default(300_000),
  WEBHOOK_DISABLE_AFTER: positiveInt.default(20),
  WEBHOOK_CONCURRENCY: positiveInt.max(256).default(32),
  WEBHOOK_POLL_MS: positiveInt.default(250),
  EVENTS_RETENTION_HOURS: positiveInt.max(24 * 365).default(72),
  EVENTS_HEARTBEAT_MS: positiveInt.max(300_000).default(15_000),
  EVENTS_POLL_MS: positiveInt.max(60_000).default(2000),
  EVENTS_PRUNE_INTERVAL_MS: positiveInt.default(600_000),
  WS_TICKET_TTL_SECONDS: positiveInt.max(3600).default(60),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb').default('100kb'),
  SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  IDEMPOTENCY_LOCK_SECONDS: positiveInt.max(3600).default(60),
  IDEMPOTENCY_SWEEP_SECONDS: positiveInt.default(600),
  TRUST_PROXY: bool.default(false),
  METRICS_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v))
    .pipe(z.string().min(16, 'METRICS_TOKEN must be at least 16 characters (or unset, which turns /metrics off)').optional()),
  METRICS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
}).superRefine((e, ctx) => {
  // Sidecars and the control plane authenticate each other with this secret, so it must exist once one is configured.
  if ((e.STT_LIVE_URL?.trim() || e.STT_POST_URL?.trim()) && (e.STT_INTERNAL_SECRET ?? '').length < 16) {
    ctx.addIssue({ code: 'custom', path: ['STT_INTERNAL_SECRET'], message: 'STT_INTERNAL_SECRET (at least 16 characters) is required when STT_LIVE_URL or STT_POST_URL is set; run scripts/init to generate one' });
  }
});

/** The control plane's configuration, parsed once at boot and frozen. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly version: string;
  readonly http: { readonly host: string; readonly port: number; readonly bodyLimit: string; readonly trustProxy: boolean; readonly shutdownGraceMs: number };
  readonly logLevel: string;
  readonly apiSecret: string;
  readonly database: { readonly url: string; readonly poolMax: number };
  /** Shared by every replica: rate-limit counters (live events fan out through Postgres). Down means degraded, not dead. */
  readonly redis: {
    readonly url: string;
    /** How long one Redis command may take before the caller gives up on it (a rate-limit check fails open). */
    readonly timeoutMs: number;
  };
  /** Requests per minute per API key, counted in Redis across replicas; 0 means unlimited. */
  readonly rateLimits: {
    /** Every stored key without a limit of its own. */
    readonly perMinute: number;
    /** API_SECRET (the bootstrap key), in a bucket of its own; defaults to perMinute. */
    readonly bootstrapPerMinute: number;
    /** Prefix of the counters' Redis keys (deployments or test files sharing one Redis keep apart). */
    readonly keyPrefix: string;
  };
  readonly livekit: { readonly url: string; readonly publicUrl: string; readonly apiKey: string; readonly apiSecret: string };
  readonly tokenTtlSeconds: number;
  /**
   * Idempotency-Key: how long a claim blocks duplicates (longer than any request runs; a crashed
   * request's key is free again after it), and how often expired keys are deleted.
   */
  readonly idempotency: { readonly lockSeconds: number; readonly sweepIntervalSeconds: number };
  readonly upstreamTimeoutMs: number;
  readonly s3: {
    readonly endpoint: string;
    /** Endpoint used in presigned URLs handed to clients (may differ from the one we reach). */
    readonly publicEndpoint: string;
    readonly region: string;
    readonly bucket: string;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly forcePathStyle: boolean;
  };
  readonly recording: { readonly audioCodec: 'aac' | 'opus'; readonly layout: string; readonly downloadUrlTtlSeconds: number };
  readonly webhooks: {
    readonly allowPrivate: boolean;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly retryBaseMs: number;
    readonly retryMaxMs: number;
    readonly disableAfter: number;
    readonly concurrency: number;
    readonly pollMs: number;
  };
  /** Live events (/v1/events, /v1/ws). */
  readonly events: {
    /** How long events are kept for replays and the list; older ones are pruned. */
    readonly retentionHours: number;
    readonly pruneIntervalMs: number;
    /** SSE `: ping` and WebSocket ping interval. */
    readonly heartbeatMs: number;
    /** How often a replica's hub reads new events without a notification (the safety net under NOTIFY). */
    readonly pollMs: number;
    /** Lifetime of a single-use /v1/ws ticket. */
    readonly ticketTtlSeconds: number;
  };
  readonly sidecars: {
    readonly sttLiveUrl?: string;
    readonly sttPostUrl?: string;
    readonly healthTimeoutMs: number;
    readonly healthCacheMs: number;
    /** Shared by the control plane and the sidecars (Bearer token both ways). */
    readonly internalSecret: string;
    /** Where sidecars reach this control plane's internal endpoints. */
    readonly internalUrl: string;
    readonly sttLiveTimeoutMs: number;
    readonly sttLiveMonitorMs: number;
    /** pg-boss retries of a post-call job, and how long one attempt may run before it is retried. */
    readonly sttPostRetryLimit: number;
    readonly sttPostJobExpireSeconds: number;
    /** How often pg-boss looks for expired jobs (a worker that died) to retry them. */
    readonly sttPostMaintenanceSeconds: number;
    /** Body limit of the internal endpoints (a long transcript arrives in one result). */
    readonly internalBodyLimit: string;
  };
  readonly metrics: {
    /** Bearer token a Prometheus scrape of /metrics must present; undefined refuses every scrape. */
    readonly token?: string;
    /** How long values read at scrape time (Postgres counts, LiveKit rooms) are reused. */
    readonly cacheMs: number;
  };
}

/** Service version reported by /v1/health and the OpenAPI document. */
export const VERSION = '0.1.0';

/** Parses an environment (normally `process.env`) into a frozen Config, or throws a ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const config: Config = {
    env: e.NODE_ENV,
    version: VERSION,
    http: { host: e.HOST, port: e.PORT, bodyLimit: e.BODY_LIMIT, trustProxy: e.TRUST_PROXY, shutdownGraceMs: e.SHUTDOWN_GRACE_MS },
    logLevel: e.LOG_LEVEL,
    apiSecret: e.API_SECRET,
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX },
    redis: { url: e.REDIS_URL, timeoutMs: e.REDIS_TIMEOUT_MS },
    rateLimits: {
      perMinute: e.RATE_LIMIT_PER_MINUTE,
      bootstrapPerMinute: e.RATE_LIMIT_BOOTSTRAP_PER_MINUTE ?? e.RATE_LIMIT_PER_MINUTE,
      keyPrefix: e.RATE_LIMIT_KEY_PREFIX,
    },
    livekit: {
      url: e.LIVEKIT_URL.replace(/\/$/, ''),
      publicUrl: e.LIVEKIT_PUBLIC_URL ?? e.LIVEKIT_URL.replace(/^http/, 'ws').replace(/\/$/, ''),
      apiKey: e.LIVEKIT_API_KEY,
      apiSecret: e.LIVEKIT_API_SECRET,
    },
    tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
    idempotency: { lockSeconds: e.IDEMPOTENCY_LOCK_SECONDS, sweepIntervalSeconds: e.IDEMPOTENCY_SWEEP_SECONDS },
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    s3: {
      endpoint: e.S3_ENDPOINT,
      publicEndpoint: e.S3_PUBLIC_ENDPOINT ?? e.S3_ENDPOINT,
      region: e.S3_REGION,
      bucket: e.S3_BUCKET,
      accessKey: e.S3_ACCESS_KEY,
      secretKey: e.S3_SECRET_KEY,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
    },
    recording: { audioCodec: e.RECORDING_AUDIO_CODEC, layout: e.RECORDING_LAYOUT, downloadUrlTtlSeconds: e.DOWNLOAD_URL_TTL_SECONDS },
    webhooks: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      disableAfter: e.WEBHOOK_DISABLE_AFTER,
      concurrency: e.WEBHOOK_CONCURRENCY,
      pollMs: e.WEBHOOK_POLL_MS,
    },
    events: {
      retentionHours: e.EVENTS_RETENTION_HOURS,
      pruneIntervalMs: e.EVENTS_PRUNE_INTERVAL_MS,
      heartbeatMs: e.EVENTS_HEARTBEAT_MS,
      pollMs: e.EVENTS_POLL_MS,
      ticketTtlSeconds: e.WS_TICKET_TTL_SECONDS,
    },
    sidecars: {
      sttLiveUrl: e.STT_LIVE_URL,
      sttPostUrl: e.STT_POST_URL,
      healthTimeoutMs: e.SIDECAR_HEALTH_TIMEOUT_MS,
      healthCacheMs: e.SIDECAR_HEALTH_CACHE_MS,
      internalSecret: e.STT_INTERNAL_SECRET ?? '',
      internalUrl: (e.INTERNAL_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/$/, ''),
      sttLiveTimeoutMs: e.STT_LIVE_TIMEOUT_MS,
      sttLiveMonitorMs: e.STT_LIVE_MONITOR_MS,
      sttPostRetryLimit: e.STT_POST_RETRY_LIMIT,
      sttPostJobExpireSeconds: e.STT_POST_JOB_EXPIRE_SECONDS,
      sttPostMaintenanceSeconds: e.STT_POST_MAINTENANCE_SECONDS,
      internalBodyLimit: e.INTERNAL_BODY_LIMIT,
    },
    metrics: { token: e.METRICS_TOKEN, cacheMs: e.METRICS_CACHE_MS },
  };
  return deepFreeze(config);
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}
