import type { Knex } from 'knex';
import { createdAtPositionOf, keysetByCreatedAt } from '../db/keyset.js';
import type { CreatedAtPosition, CreatedAtWindow } from '../http/pagination.js';

/** Where a recording is in its life (the one declaration; the API schema takes it from here). */
export const RECORDING_STATUSES = ['starting', 'recording', 'stopping', 'completed', 'failed', 'aborted'] as const;
/** Where a recording is in its life. */
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];
/** Statuses in which egress may still be working on the recording. */
export const LIVE_STATUSES: readonly RecordingStatus[] = ['starting', 'recording', 'stopping'];

/** A recording as the API knows it. */
export interface Recording {
  id: string;
  roomName: string;
  egressId: string | null;
  status: RecordingStatus;
  startedAt: string | null;
  stopRequestedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  sizeBytes: number | null;
  objectKey: string;
  bucket: string;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
}

interface RecordingRow {
  id: string;
  room_name: string;
  egress_id: string | null;
  status: RecordingStatus;
  started_at: Date | null;
  stop_requested_at: Date | null;
  ended_at: Date | null;
  duration_ms: string | null;
  size_bytes: string | null;
  object_key: string;
  bucket: string;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Fields that egress events and our own calls may change. */
export type RecordingPatch = Partial<Pick<Recording, 'egressId' | 'status' | 'startedAt' | 'stopRequestedAt' | 'endedAt' | 'durationMs' | 'sizeBytes' | 'failureReason'>>;

const UNIQUE_VIOLATION = '23505';

/** Postgres access for the recordings index. */
export class RecordingsStore {
  constructor(private readonly db: Knex) {}

  /** Inserts a `starting` row; returns undefined when the room already has a live one. */
  async insertStarting(r: Pick<Recording, 'id' | 'roomName' | 'objectKey' | 'bucket'>): Promise<Recording | undefined> {
    try {
      const [row] = await this.db<RecordingRow>('recordings')
        .insert({ id: r.id, room_name: r.roomName, object_key: r.objectKey, bucket: r.bucket, status: 'starting' })
        .returning('*');
      return toRecording(row!);
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw err;
    }
  }

  async get(id: string): Promise<Recording | undefined> {
    const row = await this.db<RecordingRow>('recordings').where({ id }).first();
    return row && toRecording(row);
  }

  async getByEgressId(egressId: string): Promise<Recording | undefined> {
    const row = await this.db<RecordingRow>('recordings').where({ egress_id: egressId }).first();
    return row && toRecording(row);
  }

  /** The room's recording that is starting or running, if any. */
  async activeForRoom(roomName: string): Promise<Recording | undefined> {
    const row = await this.db<RecordingRow>('recordings').where({ room_name: roomName }).whereIn('status', ['starting', 'recording']).first();
    return row && toRecording(row);
  }

  /** Every recording egress may still be working on. */
  async listLive(): Promise<Recording[]> {
    const rows = await this.db<RecordingRow>('recordings').whereIn('status', LIVE_STATUSES as RecordingStatus[]);
    return rows.map(toRecording);
  }

  /**
   * Newest first, filtered: the window's rows (with their keyset positions) and how many match the
   * filters in all.
   */
  async list(f: { roomName?: string; status?: RecordingStatus }, w: CreatedAtWindow): Promise<{ rows: Array<{ item: Recording; position: CreatedAtPosition }>; total: number }> {
    const q = this.db<RecordingRow>('recordings');
    if (f.roomName) q.where('room_name', f.roomName);
    if (f.status) q.where('status', f.status);
    const [rows, count] = await Promise.all([
      keysetByCreatedAt(this.db, q.clone().select('recordings.*'), 'recordings', 'desc', w),
      q.clone().count<{ count: string }[]>({ count: '*' }),
    ]);
    return { rows: rows.map((r: RecordingRow) => ({ item: toRecording(r), position: createdAtPositionOf(r as never) })), total: Number(count[0]?.count ?? 0) };
  }

  /** Applies a patch unless the row is already terminal (events may arrive late or twice). */
  async update(id: string, patch: RecordingPatch, opts: { evenIfTerminal?: boolean } = {}): Promise<Recording | undefined> {
    const q = this.db<RecordingRow>('recordings').where({ id });
    if (!opts.evenIfTerminal) q.whereIn('status', LIVE_STATUSES as RecordingStatus[]);
    const [row] = await q.update({ ...toRow(patch), updated_at: this.db.fn.now() as never }).returning('*');
    return row && toRecording(row);
  }

  async delete(id: string): Promise<void> {
    await this.db('recordings').where({ id }).delete();
  }
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function toRecording(r: RecordingRow): Recording {
  return {
    id: r.id,
    roomName: r.room_name,
    egressId: r.egress_id,
    status: r.status,
    startedAt: iso(r.started_at),
    stopRequestedAt: iso(r.stop_requested_at),
    endedAt: iso(r.ended_at),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    objectKey: r.object_key,
    bucket: r.bucket,
    failureReason: r.failure_reason,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function toRow(p: RecordingPatch): Partial<RecordingRow> {
  const row: Record<string, unknown> = {};
  if (p.egressId !== undefined) row.egress_id = p.egressId;
  if (p.status !== undefined) row.status = p.status;
  if (p.startedAt !== undefined) row.started_at = p.startedAt;
  if (p.stopRequestedAt !== undefined) row.stop_requested_at = p.stopRequestedAt;
  if (p.endedAt !== undefined) row.ended_at = p.endedAt;
  if (p.durationMs !== undefined) row.duration_ms = p.durationMs;
  if (p.sizeBytes !== undefined) row.size_bytes = p.sizeBytes;
  if (p.failureReason !== undefined) row.failure_reason = p.failureReason;
  return row as Partial<RecordingRow>;
}
