import {
  LiveSessionInfoSchema,
  LiveSessionListSchema,
  STT_LIVE_PATHS,
  type LiveSessionInfo,
  type LiveSessionRequestInput,
  type LiveSpeakersUpdateSchema,
} from '@rtcstack/contracts';
import type { z } from 'zod';
import { BadGatewayError, ConflictError, NotFoundError, ServiceUnavailableError } from '../http/errors.js';

/** What the control plane asks stt-live to run for one room (the contract in @rtcstack/contracts). */
export type SidecarSessionRequest = LiveSessionRequestInput;

/** A session as stt-live reports it. */
export type SidecarSession = LiveSessionInfo;

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
    return this.parse(LiveSessionInfoSchema, await this.call('PUT', STT_LIVE_PATHS.session(id), 'start live transcription', body), 'start live transcription');
  }

  /** Stops the session after its last words are transcribed; undefined when the sidecar does not know it. */
  async stopSession(id: string): Promise<SidecarSession | undefined> {
    try {
      return this.parse(LiveSessionInfoSchema, await this.call('DELETE', STT_LIVE_PATHS.session(id), 'stop live transcription'), 'stop live transcription');
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Replaces the session's speaker map; false when the sidecar does not know the session. */
  async updateSpeakers(id: string, participants: Record<string, string>): Promise<boolean> {
    try {
      const body: z.input<typeof LiveSpeakersUpdateSchema> = { participants };
      await this.call('PATCH', STT_LIVE_PATHS.speakers(id), 'update speakers', body);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** Every session the sidecar is running now. */
  async listSessions(): Promise<SidecarSession[]> {
    return this.parse(LiveSessionListSchema, await this.call('GET', STT_LIVE_PATHS.sessions, 'list live transcriptions'), 'list live transcriptions').sessions;
  }

  /** Validates what stt-live answered against the contract: anything else is a 502 that says so. */
  private parse<S extends z.ZodType>(schema: S, json: unknown, what: string): z.output<S> {
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new BadGatewayError(`The stt-live sidecar answered an unexpected body; could not ${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
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
