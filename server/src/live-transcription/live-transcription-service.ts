import type { z } from 'zod';
import type { StartLiveTranscriptionSchema } from './live-transcription-schemas.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../http/errors.js';
import type { RoomsService } from '../rooms/rooms-service.js';
import type { NewSegment, Segment, Transcription, TranscriptionsStore } from '../transcriptions/transcriptions-store.js';
import type { SttLiveClient } from './stt-live-client.js';

/** A start request after validation (the request schema's output). */
export type StartLiveTranscription = z.output<typeof StartLiveTranscriptionSchema>;

/**
 * Live transcription of rooms through the stt-live sidecar. The control plane owns the state
 * (Postgres); the sidecar is a worker that may restart, so every session it no longer runs is
 * marked failed here rather than left "active".
 */
export class LiveTranscriptionService {
  constructor(
    private readonly store: TranscriptionsStore,
    private readonly sidecar: SttLiveClient,
    private readonly rooms: RoomsService,
    private readonly opts: { callbackUrl: string },
    private readonly logger: Logger,
  ) {}

  /** Starts transcribing the room, or returns the session already running there (`created: false`). */
  async start(roomName: string, req: StartLiveTranscription): Promise<{ transcription: Transcription; created: boolean }> {
    this.sidecar.assertConfigured('start live transcription');
    await this.rooms.get(roomName);
    const running = await this.store.activeLiveForRoom(roomName);
    if (running) {
      if (await this.sidecarRuns(running.id)) return { transcription: running, created: false };
      await this.markFailed(running.id, 'the stt-live sidecar no longer runs this session (it restarted or lost the room)');
    }

    const id = `tr_${randomBytes(9).toString('base64url')}`;
    const row = await this.store.insert({
      id,
      kind: 'live',
      roomName,
      recordingId: null,
      status: 'active',
      language: req.language,
      options: req.options,
      participants: req.participants,
      startedAt: new Date().toISOString(),
    });
    if (!row) {
      const winner = await this.store.activeLiveForRoom(roomName);
      if (winner) return { transcription: winner, created: false };
      throw new ConflictError(`Live transcription of room ${roomName} is being set up; retry`);
    }
    try {
      await this.sidecar.startSession(id, { roomName, language: req.language, options: req.options, participants: req.participants, callbackUrl: this.opts.callbackUrl });
    } catch (err) {
      await this.markFailed(id, (err as Error).message);
      throw err;
    }
    return { transcription: row, created: true };
  }

  /** Stops the room's session once the sidecar has sent its last segments; returns it with its segment count. */
  async stop(roomName: string): Promise<{ transcription: Transcription; segmentCount: number }> {
    const running = await this.store.activeLiveForRoom(roomName);
    if (!running) throw new NotFoundError(`No live transcription is running in room ${roomName}`);
    try {
      await this.sidecar.stopSession(running.id);
    } catch (err) {
      // The session ends here either way; a sidecar that cannot be told simply loses it.
      if (!(err instanceof ServiceUnavailableError)) throw err;
      this.logger.warn({ err, transcriptionId: running.id }, 'stt-live unreachable while stopping; marking the session stopped');
    }
    const stopped = (await this.store.update(running.id, { status: 'stopped', stoppedAt: new Date().toISOString() }, ['active'])) ?? (await this.store.get(running.id))!;
    return { transcription: stopped, segmentCount: await this.store.countSegments(running.id) };
  }

  /** The room's latest (or a named) session and its segments. */
  async transcript(roomName: string, q: { since?: string; transcriptionId?: string }): Promise<{ transcription: Transcription; segments: Segment[] }> {
    const t = q.transcriptionId ? await this.store.get(q.transcriptionId) : await this.store.latestLiveForRoom(roomName);
    if (!t || t.kind !== 'live' || t.roomName !== roomName) throw new NotFoundError(`No live transcription found for room ${roomName}`);
    return { transcription: t, segments: await this.store.segments(t.id, q.since) };
  }

  /** Merges names into the active session's speaker map; later segments carry them. */
  async updateSpeakers(roomName: string, participants: Record<string, string>): Promise<void> {
    const running = await this.store.activeLiveForRoom(roomName);
    if (!running) throw new NotFoundError(`No live transcription is running in room ${roomName}`);
    const merged = { ...running.participants, ...participants };
    if (!(await this.sidecar.updateSpeakers(running.id, merged))) {
      await this.markFailed(running.id, 'the stt-live sidecar no longer runs this session');
      throw new ConflictError(`The live transcription of room ${roomName} had stopped on the sidecar; start it again`);
    }
    await this.store.update(running.id, { participants: merged }, ['active']);
  }

  /** Stores segments the sidecar sends (once each); false when the transcription is unknown. */
  async addSegments(transcriptionId: string, segments: NewSegment[]): Promise<{ stored: number } | undefined> {
    const t = await this.store.get(transcriptionId);
    if (!t || t.kind !== 'live') return undefined;
    return { stored: await this.store.addSegments(transcriptionId, segments) };
  }

  /** A session ended on the sidecar's side: `stopped` when the room closed, `failed` when the engine gave up. */
  async sessionEnded(transcriptionId: string, status: 'stopped' | 'failed', reason: string): Promise<boolean> {
    const t = await this.store.get(transcriptionId);
    if (!t || t.kind !== 'live') return false;
    if (status === 'failed') await this.markFailed(transcriptionId, reason);
    else await this.store.update(transcriptionId, { status: 'stopped', stoppedAt: new Date().toISOString(), failureReason: reason }, ['active']);
    return true;
  }

  /**
   * Marks failed every active session the sidecar does not run (it restarted and lost them);
   * sessions younger than `graceMs` are left alone while their start is in flight. Throws when the
   * sidecar does not answer, so the caller can decide how many misses mean "dead".
   */
  async reconcile(graceMs: number): Promise<number> {
    const active = await this.store.listActiveLive();
    if (active.length === 0) return 0;
    const running = new Set((await this.sidecar.listSessions()).map((s) => s.id));
    const lost = active.filter((t) => !running.has(t.id) && Date.now() - Date.parse(t.createdAt) >= graceMs);
    for (const t of lost) await this.markFailed(t.id, 'the stt-live sidecar no longer runs this session (it restarted or lost the room)');
    return lost.length;
  }

  /** Marks every active session failed: the sidecar is gone. */
  async failAllActive(reason: string): Promise<number> {
    const active = await this.store.listActiveLive();
    for (const t of active) await this.markFailed(t.id, reason);
    return active.length;
  }

  private async sidecarRuns(id: string): Promise<boolean> {
    return (await this.sidecar.listSessions()).some((s) => s.id === id);
  }

  private async markFailed(id: string, reason: string): Promise<void> {
    const t = await this.store.update(id, { status: 'failed', failureReason: reason, stoppedAt: new Date().toISOString() }, ['active']);
    if (t) this.logger.warn({ transcriptionId: id, reason }, 'live transcription failed');
  }
}
