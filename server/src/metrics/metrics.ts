import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RECORDING_STATUSES } from '../recordings/recordings-store.js';
import { LIVE_TRANSCRIPTION_STATUSES, POST_TRANSCRIPTION_STATUSES } from '../transcriptions/transcriptions-store.js';
import type { MetricsStore } from './metrics-store.js';

/** Request latency buckets (seconds): from a cached token (~1 ms) to an upstream timeout. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Webhook attempt latency buckets (seconds), up to the longest allowed WEBHOOK_TIMEOUT_MS. */
const WEBHOOK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Attempts read from `webhook_attempts` per scrape at most; a larger backlog is caught up over the next scrapes. */
const ATTEMPTS_PER_SCRAPE = 10_000;

/** Counters kept by the rate limiter (server/src/rate-limits), read at scrape time. */
export interface RateLimitCounters {
  rejected: number;
  failOpen: number;
  redisDown: boolean;
}

/** Where the scrape-time values come from. */
export interface MetricsSources {
  store: MetricsStore;
  /** LiveKit's rooms now (RoomServiceClient.listRooms). */
  listRooms?: () => Promise<Array<{ numParticipants: number }>>;
  /** Sidecar health by name (`stt-live`, `stt-post`): the same cached probes /v1/health uses. */
  sidecars: Record<string, { isUp(): Promise<boolean> }>;
  /** The rate limiter's counters; absent until rate limiting is wired in. */
  rateLimits?: () => RateLimitCounters;
}

/** How scrape-time sources are bounded. */
export interface MetricsOptions {
  version: string;
  /** How long values read at scrape time are reused, so that several scrapers cost one round of queries. */
  cacheMs: number;
  /** Upper bound for each source per scrape: a slow or dead one is counted as an error, never waited for. */
  timeoutMs: number;
}

/**
 * The control plane's Prometheus registry: a registry of its own (never prom-client's global one,
 * so several apps in one process do not collide), request histograms fed by the HTTP middleware,
 * and gauges read from Postgres, LiveKit and the sidecars when scraped. Values read from Postgres
 * (outbox, recordings, transcriptions, webhook attempts) describe the whole cluster, so every
 * replica reports the same ones: aggregate them with max(), not sum().
 */
export class Metrics {
  /** The exposition format's Content-Type. */
  readonly contentType: string;
  private readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly httpChildren = new Map<string, { observe(seconds: number): void }>();
  private readonly attemptDuration: Histogram<'outcome'>;
  private readonly outboxDeliveries: Gauge<'status'>;
  private readonly outboxOldest: Gauge;
  private readonly recordings: Gauge<'status'>;
  private readonly transcriptions: Gauge<'kind' | 'status'>;
  private readonly liveSessions: Gauge;
  private readonly livekitRooms: Gauge;
  private readonly livekitParticipants: Gauge;
  private readonly sidecarUp: Gauge<'sidecar'>;
  private readonly sourceUp: Gauge<'source'>;
  private readonly scrapeErrors: Counter<'source'>;
  private lastAttemptId?: string;
  private refreshedAt = -Infinity;
  private inflight?: Promise<void>;

  constructor(
    private readonly sources: MetricsSources,
    private readonly opts: MetricsOptions,
    private readonly logger?: Logger,
  ) {
    const registers = [this.registry];
    this.contentType = this.registry.contentType;
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'rtcstack_build_info', help: 'Always 1; the labels say which build runs.', labelNames: ['version'], registers }).set({ version: opts.version }, 1);
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route template (never the raw URL; `unmatched` when no route matched) and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'rtcstack_webhook_attempt_duration_seconds',
      help: 'Latency of outgoing webhook attempts recorded since this process first scraped, by outcome (2xx, 3xx, 4xx, 5xx, or error when no response came).',
      labelNames: ['outcome'],
      buckets: WEBHOOK_BUCKETS,
      registers,
    });
    this.outboxDeliveries = new Gauge({ name: 'rtcstack_webhook_outbox_deliveries', help: 'Webhook deliveries not yet done, by status (pending, delivering).', labelNames: ['status'], registers });
    this.outboxOldest = new Gauge({ name: 'rtcstack_webhook_outbox_oldest_age_seconds', help: 'Age of the oldest webhook delivery not yet done (0 when the outbox is empty).', registers });
    this.recordings = new Gauge({ name: 'rtcstack_recordings', help: 'Recordings by status.', labelNames: ['status'], registers });
    this.transcriptions = new Gauge({ name: 'rtcstack_transcriptions', help: 'Transcriptions by kind (live, post) and status.', labelNames: ['kind', 'status'], registers });
    this.liveSessions = new Gauge({ name: 'rtcstack_live_transcription_sessions', help: 'Live transcription sessions running now (kind live, status active).', registers });
    this.livekitRooms = new Gauge({ name: 'rtcstack_livekit_rooms', help: 'Rooms open on LiveKit now.', registers });
    this.livekitParticipants = new Gauge({ name: 'rtcstack_livekit_participants', help: 'Participants in LiveKit rooms now.', registers });
    this.sidecarUp = new Gauge({ name: 'rtcstack_sidecar_up', help: '1 when the sidecar is configured and its /health answers, else 0.', labelNames: ['sidecar'], registers });
    this.sourceUp = new Gauge({ name: 'rtcstack_scrape_source_up', help: '1 when the source answered the last scrape in time, else 0 (its gauges are then left out).', labelNames: ['source'], registers });
    this.scrapeErrors = new Counter({ name: 'rtcstack_scrape_errors_total', help: 'Scrapes in which a source (postgres, livekit) failed or timed out.', labelNames: ['source'], registers });
    for (const source of ['postgres', 'livekit']) this.scrapeErrors.inc({ source }, 0);
    const rateLimits = () => this.sources.rateLimits?.();
    new Counter({
      name: 'rtcstack_rate_limit_rejections_total',
      help: 'Requests refused with 429 because their key was over its rate limit.',
      registers,
      collect() {
        const c = rateLimits();
        if (!c) return;
        this.reset();
        this.inc(c.rejected);
      },
    });
    new Counter({
      name: 'rtcstack_rate_limit_fail_open_total',
      help: 'Requests let through without a rate-limit check because Redis did not answer (fail open).',
      registers,
      collect() {
        const c = rateLimits();
        if (!c) return;
        this.reset();
        this.inc(c.failOpen);
      },
    });
    new Gauge({
      name: 'rtcstack_rate_limit_redis_up',
      help: '1 while the rate limiter reaches Redis, 0 while it fails open.',
      registers,
      collect() {
        const c = rateLimits();
        if (c) this.set(c.redisDown ? 0 : 1);
      },
    });
  }

  /** Counts one finished HTTP request (called by the HTTP middleware). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let child = this.httpChildren.get(key);
    if (!child) this.httpChildren.set(key, (child = this.httpDuration.labels(method, route, String(status))));
    child.observe(seconds);
  }

  /** The exposition text; reads the scrape-time sources first (at most once per `cacheMs`). */
  async render(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }

  private refresh(): Promise<void> {
    if (performance.now() - this.refreshedAt < this.opts.cacheMs) return Promise.resolve();
    // Concurrent scrapes share one round of queries.
    this.inflight ??= Promise.all([this.readDatabase(), this.readLiveKit(), this.readSidecars()])
      .then(() => undefined)
      .finally(() => {
        this.refreshedAt = performance.now();
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async readDatabase(): Promise<void> {
    const { store } = this.sources;
    try {
      const [recordings, transcriptions, outbox, attempts] = await withTimeout(
        Promise.all([store.recordingsByStatus(), store.transcriptionsByKindAndStatus(), store.outboxDepth(), this.readAttempts()]),
        this.opts.timeoutMs,
        'postgres',
      );
      this.recordings.reset();
      for (const status of RECORDING_STATUSES) this.recordings.set({ status }, 0);
      for (const r of recordings) this.recordings.set({ status: r.status }, r.count);

      this.transcriptions.reset();
      for (const status of LIVE_TRANSCRIPTION_STATUSES) this.transcriptions.set({ kind: 'live', status }, 0);
      for (const status of POST_TRANSCRIPTION_STATUSES) this.transcriptions.set({ kind: 'post', status }, 0);
      for (const t of transcriptions) this.transcriptions.set({ kind: t.kind ?? 'unknown', status: t.status }, t.count);
      this.liveSessions.set(transcriptions.find((t) => t.kind === 'live' && t.status === 'active')?.count ?? 0);

      this.outboxDeliveries.reset();
      for (const status of ['pending', 'delivering']) this.outboxDeliveries.set({ status }, 0);
      for (const d of outbox.byStatus) this.outboxDeliveries.set({ status: d.status }, d.count);
      this.outboxOldest.set(outbox.oldestAgeSeconds ?? 0);

      for (const a of attempts) this.attemptDuration.observe({ outcome: outcomeOf(a.statusCode) }, a.latencyMs / 1000);
      if (attempts.length > 0) this.lastAttemptId = attempts[attempts.length - 1]!.id;
      this.sourceUp.set({ source: 'postgres' }, 1);
    } catch (err) {
      // Stale counts would look current: leave them out until Postgres answers again.
      for (const g of [this.recordings, this.transcriptions, this.liveSessions, this.outboxDeliveries, this.outboxOldest]) g.reset();
      this.failed('postgres', err);
    }
  }

  /**
   * Attempts recorded since the last scrape, read from `webhook_attempts` by id: the table is the
   * delivery worker's own record, so the histogram needs no hook in the worker. The first scrape
   * only notes where the table ends, as a counter starts at zero with its process. (An attempt
   * whose transaction commits after a later one was read is missed; harmless for a latency
   * distribution.)
   */
  private async readAttempts() {
    if (this.lastAttemptId === undefined) {
      this.lastAttemptId = await this.sources.store.latestAttemptId();
      return [];
    }
    return this.sources.store.attemptsAfter(this.lastAttemptId, ATTEMPTS_PER_SCRAPE);
  }

  private async readLiveKit(): Promise<void> {
    if (!this.sources.listRooms) return;
    try {
      const rooms = await withTimeout(this.sources.listRooms(), this.opts.timeoutMs, 'livekit');
      this.livekitRooms.set(rooms.length);
      this.livekitParticipants.set(rooms.reduce((n, r) => n + r.numParticipants, 0));
      this.sourceUp.set({ source: 'livekit' }, 1);
    } catch (err) {
      this.livekitRooms.reset();
      this.livekitParticipants.reset();
      this.failed('livekit', err);
    }
  }

  private async readSidecars(): Promise<void> {
    await Promise.all(Object.entries(this.sources.sidecars).map(async ([sidecar, probe]) => this.sidecarUp.set({ sidecar }, (await probe.isUp()) ? 1 : 0)));
  }

  private failed(source: string, err: unknown): void {
    this.scrapeErrors.inc({ source });
    this.sourceUp.set({ source }, 0);
    this.logger?.debug({ err, source }, 'metrics: a source did not answer at scrape time');
  }
}

/** The outcome label of one webhook attempt. */
export function outcomeOf(statusCode: number | null): string {
  return statusCode !== null && statusCode >= 100 && statusCode < 600 ? `${Math.floor(statusCode / 100)}xx` : 'error';
}

/** `p`, or a rejection after `ms`; a late failure of `p` is swallowed, not left unhandled. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  p.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
