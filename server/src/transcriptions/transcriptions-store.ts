import type { Knex } from 'knex';
import { createdAtPositionOf, keysetByCreatedAt } from '../db/keyset.js';
import type { CreatedAtPosition, CreatedAtWindow } from '../http/pagination.js';

/** Which sidecar produced a transcription. */
export type TranscriptionKind = 'live' | 'post';
/** A live transcription: active → stopped | failed (the one declaration; schemas take it from here). */
export const LIVE_TRANSCRIPTION_STATUSES = ['active', 'stopped', 'failed'] as const;
/** A post-call transcription: queued → processing → completed | failed. */
export const POST_TRANSCRIPTION_STATUSES = ['queued', 'processing', 'completed', 'failed'] as const;
/** Where a live transcription is in its life. */
export type LiveTranscriptionStatus = (typeof LIVE_TRANSCRIPTION_STATUSES)[number];
/** Where a post-call transcription is in its life. */
export type PostTranscriptionStatus = (typeof POST_TRANSCRIPTION_STATUSES)[number];
/** Either kind's status. */
export type TranscriptionStatus = LiveTranscriptionStatus | PostTranscriptionStatus;

/** Engine options a transcription was started with. */
export interface TranscriptionOptions {
  partialResults?: boolean;
  punctuation?: boolean;
  profanityFilter?: boolean;
}

/** A transcription as the services know it. */
export interface Transcription {
  id: string;
  kind: TranscriptionKind;
  roomName: string | null;
  recordingId: string | null;
  status: TranscriptionStatus;
  language: string;
  options: TranscriptionOptions;
  participants: Record<string, string>;
  failureReason: string | null;
  progress: number | null;
  jobId: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One stored piece of transcript. */
export interface Segment {
  id: string;
  speakerIdentity: string | null;
  speakerName: string | null;
  trackSid: string | null;
  text: string;
  language: string | null;
  startAt: string;
  endAt: string;
}

/** A segment as a producer (a sidecar) hands it in; `key` makes redelivery harmless. */
export interface NewSegment extends Omit<Segment, 'id'> {
  key: string;
}

interface TranscriptionRow {
  id: string;
  kind: TranscriptionKind;
  room_name: string | null;
  recording_id: string | null;
  status: TranscriptionStatus;
  language: string;
  options: TranscriptionOptions;
  participants: Record<string, string>;
  failure_reason: string | null;
  progress: number | null;
  job_id: string | null;
  started_at: Date | null;
  stopped_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface SegmentRow {
  id: string;
  speaker_identity: string | null;
  speaker_name: string | null;
  track_sid: string | null;
  text: string;
  language: string | null;
  start_at: Date;
  end_at: Date;
}

/** Fields services may change. */
export type TranscriptionPatch = Partial<Pick<Transcription, 'status' | 'failureReason' | 'progress' | 'jobId' | 'startedAt' | 'stoppedAt' | 'completedAt' | 'participants'>>;

const UNIQUE_VIOLATION = '23505';

/** Postgres access for transcriptions and their segments. */
export class TranscriptionsStore {
  constructor(private readonly db: Knex) {}

  /** Inserts a transcription; returns undefined when a unique index (one live per room) refuses it. */
  async insert(t: Pick<Transcription, 'id' | 'kind' | 'roomName' | 'recordingId' | 'status' | 'language' | 'options' | 'participants' | 'startedAt'>): Promise<Transcription | undefined> {
    try {
      const [row] = await this.db<TranscriptionRow>('transcriptions')
        .insert({
          id: t.id,
          kind: t.kind,
          room_name: t.roomName,
          recording_id: t.recordingId,
          status: t.status,
          language: t.language,
          options: JSON.stringify(t.options) as never,
          participants: JSON.stringify(t.participants) as never,
          started_at: t.startedAt as never,
        })
        .returning('*');
      return toTranscription(row!);
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw err;
    }
  }

  async get(id: string): Promise<Transcription | undefined> {
    const row = await this.db<TranscriptionRow>('transcriptions').where({ id }).first();
    return row && toTranscription(row);
  }

  /** The room's active live transcription, if any. */
  async activeLiveForRoom(roomName: string): Promise<Transcription | undefined> {
    const row = await this.db<TranscriptionRow>('transcriptions').where({ kind: 'live', room_name: roomName, status: 'active' }).first();
    return row && toTranscription(row);
  }

  /** The room's most recent live transcription, whatever its status. */
  async latestLiveForRoom(roomName: string): Promise<Transcription | undefined> {
    const row = await this.db<TranscriptionRow>('transcriptions')
      .where({ kind: 'live', room_name: roomName })
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .first();
    return row && toTranscription(row);
  }

  /** Every live transcription still marked active (the monitor checks them against the sidecar). */
  async listActiveLive(): Promise<Transcription[]> {
    const rows = await this.db<TranscriptionRow>('transcriptions').where({ kind: 'live', status: 'active' });
    return rows.map(toTranscription);
  }

  /** Applies a patch; with `onlyIf`, only while the row has one of those statuses (so late events cannot undo a final state). */
  async update(id: string, patch: TranscriptionPatch, onlyIf?: TranscriptionStatus[]): Promise<Transcription | undefined> {
    const q = this.db<TranscriptionRow>('transcriptions').where({ id });
    if (onlyIf) q.whereIn('status', onlyIf);
    const [row] = await q.update({ ...toRow(patch), updated_at: this.db.fn.now() as never }).returning('*');
    return row && toTranscription(row);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db('transcriptions').where({ id }).delete()) > 0;
  }

  /** Stores segments once each (by key); returns how many were new. */
  async addSegments(transcriptionId: string, segments: NewSegment[]): Promise<number> {
    if (segments.length === 0) return 0;
    const rows = segments.map((s) => segmentRow(transcriptionId, s));
    const inserted = await this.db('transcription_segments').insert(rows).onConflict(['transcription_id', 'segment_key']).ignore().returning('id');
    return inserted.length;
  }

  /**
   * Post-call transcriptions, newest first, filtered: the window's rows (with their segment counts
   * and keyset positions) and how many match the filters in all.
   */
  async listPost(
    f: { recordingId?: string; status?: TranscriptionStatus },
    w: CreatedAtWindow,
  ): Promise<{ rows: Array<{ item: Transcription & { segmentCount: number }; position: CreatedAtPosition }>; total: number }> {
    const q = this.db<TranscriptionRow>('transcriptions').where({ kind: 'post' });
    if (f.recordingId) q.where('recording_id', f.recordingId);
    if (f.status) q.where('status', f.status);
    const [rows, count] = await Promise.all([
      keysetByCreatedAt(
        this.db,
        q.clone().select('transcriptions.*', this.db.raw('(select count(*) from transcription_segments s where s.transcription_id = transcriptions.id)::int as segment_count')),
        'transcriptions',
        'desc',
        w,
      ),
      q.clone().count<{ count: string }[]>({ count: '*' }),
    ]);
    return {
      rows: rows.map((r: TranscriptionRow & { segment_count: number }) => ({ item: { ...toTranscription(r), segmentCount: r.segment_count }, position: createdAtPositionOf(r as never) })),
      total: Number(count[0]?.count ?? 0),
    };
  }

  /**
   * Replaces every segment of a transcription (a retried job hands in the whole result again).
   * Run it on a store bound to a transaction (a UnitOfWork), so that the two steps are one.
   */
  async replaceSegments(transcriptionId: string, segments: NewSegment[]): Promise<number> {
    await this.db('transcription_segments').where({ transcription_id: transcriptionId }).delete();
    for (let i = 0; i < segments.length; i += 500) {
      await this.db('transcription_segments').insert(segments.slice(i, i + 500).map((s) => segmentRow(transcriptionId, s)));
    }
    return segments.length;
  }

  /** Segments in spoken order; `since` keeps those that start after it. */
  async segments(transcriptionId: string, since?: string): Promise<Segment[]> {
    const q = this.db<SegmentRow>('transcription_segments').where('transcription_id', transcriptionId);
    if (since) q.where('start_at', '>', since);
    const rows = await q.orderBy([{ column: 'start_at' }, { column: 'id' }]);
    return rows.map(toSegment);
  }

  async countSegments(transcriptionId: string): Promise<number> {
    const [row] = await this.db('transcription_segments').where({ transcription_id: transcriptionId }).count<{ count: string }[]>({ count: '*' });
    return Number(row?.count ?? 0);
  }
}

function segmentRow(transcriptionId: string, s: NewSegment) {
  return {
    transcription_id: transcriptionId,
    segment_key: s.key,
    speaker_identity: s.speakerIdentity,
    speaker_name: s.speakerName,
    track_sid: s.trackSid,
    text: s.text,
    language: s.language,
    start_at: s.startAt,
    end_at: s.endAt,
  };
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function toTranscription(r: TranscriptionRow): Transcription {
  return {
    id: r.id,
    kind: r.kind,
    roomName: r.room_name,
    recordingId: r.recording_id,
    status: r.status,
    language: r.language,
    options: r.options,
    participants: r.participants,
    failureReason: r.failure_reason,
    progress: r.progress,
    jobId: r.job_id,
    startedAt: iso(r.started_at),
    stoppedAt: iso(r.stopped_at),
    completedAt: iso(r.completed_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function toSegment(r: SegmentRow): Segment {
  return {
    id: String(r.id),
    speakerIdentity: r.speaker_identity,
    speakerName: r.speaker_name,
    trackSid: r.track_sid,
    text: r.text,
    language: r.language,
    startAt: r.start_at.toISOString(),
    endAt: r.end_at.toISOString(),
  };
}

function toRow(p: TranscriptionPatch): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  if (p.status !== undefined) row.status = p.status;
  if (p.failureReason !== undefined) row.failure_reason = p.failureReason;
  if (p.progress !== undefined) row.progress = p.progress;
  if (p.jobId !== undefined) row.job_id = p.jobId;
  if (p.startedAt !== undefined) row.started_at = p.startedAt;
  if (p.stoppedAt !== undefined) row.stopped_at = p.stoppedAt;
  if (p.completedAt !== undefined) row.completed_at = p.completedAt;
  if (p.participants !== undefined) row.participants = JSON.stringify(p.participants);
  return row;
}
