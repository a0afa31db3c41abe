import type { RoomServiceClient } from 'livekit-server-sdk';
import type { Health } from './health-schemas.js';
import type { SidecarProbe } from './sidecar-probe.js';

/** Probes every dependency in parallel, each bounded by its own timeout. */
export class HealthService {
  constructor(
    private readonly deps: {
      version: string;
      /** Resolves when Postgres answers a trivial query (db/knex.ts `pingDatabase`). */
      pingDatabase: () => Promise<unknown>;
      livekit: RoomServiceClient;
      sttLive: SidecarProbe;
      sttPost: SidecarProbe;
    },
  ) {}

  /** The report served by GET /v1/health. */
  async check(): Promise<Health> {
    const [postgres, livekit, transcriptionLive, transcriptionPost] = await Promise.all([
      timed(this.deps.pingDatabase),
      // Listing one named room proves reachability and that our API key is accepted.
      timed(() => this.deps.livekit.listRooms(['rtcstack-health-probe'])),
      this.deps.sttLive.isUp(),
      this.deps.sttPost.isUp(),
    ]);
    return {
      status: postgres.ok && livekit.ok ? 'ok' : 'degraded',
      version: this.deps.version,
      capabilities: { transcriptionLive, transcriptionPost },
      dependencies: { postgres, livekit },
    };
  }
}

async function timed(fn: () => Promise<unknown>): Promise<Health['dependencies']['postgres']> {
  const start = performance.now();
  try {
    await fn();
    return { ok: true, latencyMs: Math.round(performance.now() - start) };
  } catch (err) {
    // Codes are strings from Node (ECONNREFUSED) but numbers from some clients (an HTTP status): always a string here.
    const e = err as Error & { code?: string | number; cause?: { code?: string | number } };
    return { ok: false, latencyMs: Math.round(performance.now() - start), error: String(e.code ?? e.cause?.code ?? e.name ?? 'error') };
  }
}
