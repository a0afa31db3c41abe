import { BadGatewayError, ConflictError, NotFoundError, ServiceUnavailableError } from '../http/errors.js';
import type { TranscriptionOptions } from '../transcriptions/transcriptions-store.js';

/** What the control plane asks stt-live to run for one room. */
export interface SidecarSessionRequest {
  roomName: string;
  language: string;
  options: TranscriptionOptions;
  participants: Record<string, string>;
  /** Base URL of this control plane's internal endpoints, where segments are sent back. */
  callbackUrl: string;
}

/** A session as stt-live reports it. */
export interface SidecarSession {
  id: string;
  roomName: string;
  startedAt: string;
  segmentsSent: number;
}

/**
 * The control plane's client for stt-live's internal API (DESIGN.md): start, stop, update speakers,
 * list. Every call is bounded by a timeout; a sidecar that is absent, down or slow is a 503 that
 * says so, a sidecar that answers wrongly a 502.
 */
export class SttLiveClient {
  constructor(private readonly opts: { url?: string; secret: string; timeoutMs: number }) {}

  /** Throws the 503 that says how to enable live transcription, when it is not configured. */
  assertConfigured(what: string): void {
    if (!this.opts.url) {
      throw new ServiceUnavailableError(`Live transcription is not enabled: start the stt-live profile and set STT_LIVE_URL; could not ${what}`, { retryAfterSeconds: 30 });
    }
  }

  /** Starts (or finds) the session; idempotent on the sidecar's side too. */
  async startSession(id: string, body: SidecarSessionRequest): Promise<SidecarSession> {
    return (await this.call('PUT', `/sessions/${encodeURIComponent(id)}`, 'start live transcription', body)) as SidecarSession;
  }

  /** Stops the session after its last words are transcribed; undefined when the sidecar does not know it. */
  async stopSession(id: string): Promise<SidecarSession | undefined> {
    try {
      return (await this.call('DELETE', `/sessions/${encodeURIComponent(id)}`, 'stop live transcription')) as SidecarSession;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Replaces the session's speaker map; false when the sidecar does not know the session. */
  async updateSpeakers(id: string, participants: Record<string, string>): Promise<boolean> {
    try {
      await this.call('PATCH', `/sessions/${encodeURIComponent(id)}/speakers`, 'update speakers', { participants });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** Every session the sidecar is running now. */
  async listSessions(): Promise<SidecarSession[]> {
    return ((await this.call('GET', '/sessions', 'list live transcriptions')) as { sessions: SidecarSession[] }).sessions;
  }

  private async call(method: string, path: string, what: string, body?: unknown): Promise<unknown> {
    this.assertConfigured(what);
    let res: Response;
    try {
      res = await fetch(new URL(path, this.opts.url!), {
        method,
        headers: { authorization: `Bearer ${this.opts.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const slow = (err as Error).name === 'TimeoutError';
      throw new ServiceUnavailableError(`The stt-live sidecar ${slow ? 'did not answer in time' : 'is not running or unreachable'}; could not ${what}`, { cause: err });
    }
    const text = await res.text();
    const json = text ? (safeJson(text) as { detail?: string } | undefined) : undefined;
    if (res.ok) return json;
    const detail = json?.detail ?? (text.slice(0, 200) || res.statusText);
    if (res.status === 404) throw new NotFoundError(detail);
    if (res.status === 503) throw new ServiceUnavailableError(`The stt-live sidecar cannot ${what} now: ${detail}`);
    if (res.status === 401) throw new BadGatewayError(`The stt-live sidecar refused the control plane's credentials; check that both have the same STT_INTERNAL_SECRET`);
    if (res.status === 409) throw new ConflictError(`stt-live: ${detail}`);
    throw new BadGatewayError(`The stt-live sidecar failed to ${what}: ${detail}`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
