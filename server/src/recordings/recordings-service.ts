import type { z } from 'zod';
import type { StartRecordingSchema } from './recordings-schemas.js';
import { randomBytes } from 'node:crypto';
import {
  AudioCodec,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptions,
  S3Upload,
  VideoCodec,
  type EgressClient,
  type EgressInfo,
} from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { AuditService } from '../audit/audit-service.js';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../http/errors.js';
import { createdAtWindow, pageOf, type Page, type PageRequest } from '../http/pagination.js';
import { callLiveKit } from '../livekit/livekit-errors.js';
import type { Actor, RoomsService } from '../rooms/rooms-service.js';
import type { S3Options, S3Storage } from '../storage/s3-storage.js';
import { patchFromEgress } from './egress-status.js';
import type { ParticipantAudioRecorder } from './participant-audio.js';
import { LIVE_STATUSES, type Recording, type RecordingStatus, type RecordingsStore } from './recordings-store.js';

/** How recordings are made. */
export interface RecordingOptions {
  audioCodec: 'aac' | 'opus';
  layout: string;
  downloadUrlTtlSeconds: number;
  s3: S3Options;
}

/** Room composite recordings to S3, and the index that keeps track of them. */
export class RecordingsService {
  constructor(
    private readonly egress: EgressClient,
    private readonly rooms: RoomsService,
    private readonly store: RecordingsStore,
    private readonly storage: S3Storage,
    private readonly audit: AuditService,
    private readonly opts: RecordingOptions,
    private readonly logger: Logger,
    private readonly participantAudio?: ParticipantAudioRecorder,
  ) {}

  /** Starts a room composite recording, or returns the one already running (`created: false`). */
  async start(roomName: string, req: z.output<typeof StartRecordingSchema>): Promise<{ recording: Recording; created: boolean }> {
    await this.rooms.get(roomName);
    const running = await this.store.activeForRoom(roomName);
    if (running) return { recording: running, created: false };

    const id = `rec_${randomBytes(9).toString('base64url')}`;
    const objectKey = `recordings/${roomName}/${id}.${req.audioOnly ? 'ogg' : 'mp4'}`;
    const row = await this.store.insertStarting({ id, roomName, objectKey, bucket: this.opts.s3.bucket });
    if (!row) {
      // Another request won the race between our check and our insert.
      const winner = await this.store.activeForRoom(roomName);
      if (winner) return { recording: winner, created: false };
      throw new ConflictError(`A recording of room ${roomName} is being set up; retry`);
    }
    let info: EgressInfo;
    try {
      info = await callLiveKit('start the recording (is egress running?)', () =>
        this.egress.startRoomCompositeEgress(roomName, this.fileOutput(objectKey, req.audioOnly), {
          layout: req.layout ?? this.opts.layout,
          audioOnly: req.audioOnly,
          encodingOptions: this.encoding(),
        }),
      );
    } catch (caught) {
      const err = explainEgressRefusal(caught);
      await this.store.update(id, { status: 'failed', failureReason: (err as Error).message, endedAt: new Date().toISOString() });
      throw err;
    }
    const startedAt = new Date().toISOString();
    const updated = await this.store.update(id, { ...patchFromEgress(info), startedAt });
    if (req.perParticipantAudio && this.participantAudio) await this.participantAudio.startAll(id, roomName);
    return { recording: updated ?? row, created: true };
  }

  /** Asks egress to finish the room's recording; the file completes asynchronously. */
  async stop(roomName: string): Promise<Recording> {
    const running = await this.store.activeForRoom(roomName);
    if (!running?.egressId) throw new NotFoundError(`No recording is running in room ${roomName}`);
    const info = await callLiveKit('stop the recording', () => this.egress.stopEgress(running.egressId!), {
      notFound: `No recording is running in room ${roomName}`,
    });
    await this.participantAudio?.stopAll(running.id);
    const patch = patchFromEgress(info);
    // Keep our start time; egress reports its own once the pipeline is live.
    delete patch.startedAt;
    const updated = await this.store.update(running.id, { ...patch, stopRequestedAt: new Date().toISOString() });
    return updated ?? running;
  }

  /** The room's live recording, if any. */
  async current(roomName: string): Promise<Recording | undefined> {
    const r = await this.store.activeForRoom(roomName);
    return r && (await this.refresh(r));
  }

  /** The recording's per-participant audio tracks (empty unless started with `perParticipantAudio`). */
  async tracks(id: string) {
    return (await this.participantAudio?.tracks(id)) ?? [];
  }

  /** One recording, brought up to date with egress while it may still change. */
  async get(id: string): Promise<Recording> {
    const r = await this.store.get(id);
    if (!r) throw new NotFoundError(`Recording ${id} not found`);
    return this.refresh(r);
  }

  /** Newest first, filtered; a page after the cursor (or, deprecated, at an offset), and the total. */
  async list(f: { roomName?: string; status?: RecordingStatus }, req: PageRequest & { offset?: number }): Promise<Page<Recording> & { total: number }> {
    const { rows, total } = await this.store.list(f, createdAtWindow(req, 'rec'));
    const page = pageOf(rows, req.limit, (r) => r.position);
    return { items: page.items.map((r) => r.item), nextCursor: page.nextCursor, total };
  }

  /** A short-lived URL that downloads the file. */
  async download(id: string): Promise<{ url: string; expiresAt: string }> {
    const r = await this.get(id);
    if (r.status !== 'completed') throw new ConflictError(`Recording ${id} is ${r.status}; only completed recordings can be downloaded`);
    const ttl = this.opts.downloadUrlTtlSeconds;
    const expiresAt = new Date(Date.now() + ttl * 1000).toISOString();
    const url = await this.storage.presignGet(r.objectKey, ttl, r.objectKey.split('/').pop());
    return { url, expiresAt };
  }

  /** Deletes the file and the row. A recording still being made must be stopped first. */
  async delete(id: string, by: Actor): Promise<void> {
    const r = await this.get(id);
    if (LIVE_STATUSES.includes(r.status)) throw new ConflictError(`Recording ${id} is ${r.status}; stop it before deleting it`);
    await this.audit.record({ action: 'recording.deleted', roomName: r.roomName, detail: { recordingId: id, objectKey: r.objectKey }, ...by }, async () => {
      await this.storage.remove(r.objectKey);
      for (const t of (await this.participantAudio?.tracks(id)) ?? []) await this.storage.remove(t.objectKey);
      await this.store.delete(id);
    });
  }

  /**
   * Brings every recording that egress may still be working on up to date, so that a restart of
   * the control plane (or a missed webhook) loses nothing. Runs at start-up.
   */
  async reconcile(): Promise<{ checked: number; updated: number }> {
    const live = await this.store.listLive();
    let updated = 0;
    for (const r of live) {
      const before = r.status;
      const after = await this.refresh(r, { markLost: true });
      if (after.status !== before) updated++;
    }
    return { checked: live.length, updated };
  }

  private async refresh(r: Recording, opts: { markLost?: boolean } = {}): Promise<Recording> {
    if (!LIVE_STATUSES.includes(r.status)) return r;
    if (!r.egressId) {
      // Inserted but egress never answered (a crash between the two): it will never start.
      const stale = Date.now() - Date.parse(r.createdAt) > 60_000;
      if (!stale) return r;
      return (await this.store.update(r.id, { status: 'failed', failureReason: 'egress never confirmed the start', endedAt: new Date().toISOString() })) ?? r;
    }
    try {
      const [info] = await this.egress.listEgress({ egressId: r.egressId });
      if (info) return (await this.store.update(r.id, patchFromEgress(info))) ?? r;
      if (opts.markLost) {
        return (await this.store.update(r.id, { status: 'failed', failureReason: 'egress no longer knows this recording', endedAt: new Date().toISOString() })) ?? r;
      }
    } catch (err) {
      // Reads must not fail because egress is briefly away; the row is the best we know.
      this.logger.warn({ err, recordingId: r.id }, 'could not refresh recording from egress');
    }
    return r;
  }

  private fileOutput(objectKey: string, audioOnly?: boolean): EncodedFileOutput {
    const s3 = this.opts.s3;
    return new EncodedFileOutput({
      fileType: audioOnly ? EncodedFileType.OGG : EncodedFileType.MP4,
      filepath: objectKey,
      output: {
        case: 's3',
        value: new S3Upload({
          accessKey: s3.accessKey,
          secret: s3.secretKey,
          region: s3.region,
          endpoint: s3.endpoint,
          bucket: s3.bucket,
          forcePathStyle: s3.forcePathStyle,
        }),
      },
    });
  }

  private encoding(): EncodingOptions {
    return new EncodingOptions({
      audioCodec: this.opts.audioCodec === 'opus' ? AudioCodec.OPUS : AudioCodec.AAC,
      videoCodec: VideoCodec.H264_MAIN,
    });
  }
}

/**
 * When no egress claims a start request (none is running, or each one refused it for lack of CPU:
 * egress admits work by its cpu_cost settings), LiveKit waits for a claim and then answers "no
 * response from servers" (psrpc's ErrNoResponse); our upstream timeout usually ends the wait first.
 * Either way, say that egress did not take it instead of blaming LiveKit. LiveKit being unreachable
 * (connection refused) stays as it is.
 */
function explainEgressRefusal(err: unknown): unknown {
  if (!(err instanceof ServiceUnavailableError)) return err;
  const cause = err.cause as Error | undefined;
  const unclaimed = /no response from servers/i.test(cause?.message ?? '') || cause?.name === 'TimeoutError' || cause?.name === 'AbortError';
  if (!unclaimed) return err;
  return new ServiceUnavailableError(
    'No egress took the recording: is egress running? It also refuses work while it has no CPU to spare (cpu_cost in config/egress.yaml); retry shortly',
    { cause: err, retryAfterSeconds: 10 },
  );
}

