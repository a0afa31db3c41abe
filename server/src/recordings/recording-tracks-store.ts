import type { Knex } from 'knex';

/** One participant's audio track of a recording, recorded by a track egress into its own file. */
export interface RecordingTrack {
  egressId: string;
  recordingId: string;
  participantIdentity: string;
  participantName: string | null;
  trackSid: string;
  objectKey: string;
  status: 'starting' | 'recording' | 'stopping' | 'completed' | 'failed' | 'aborted';
  startedAt: string | null;
  endedAt: string | null;
  failureReason: string | null;
}

interface Row {
  egress_id: string;
  recording_id: string;
  participant_identity: string;
  participant_name: string | null;
  track_sid: string;
  object_key: string;
  status: RecordingTrack['status'];
  started_at: Date | null;
  ended_at: Date | null;
  failure_reason: string | null;
}

/** Postgres access for a recording's per-participant audio tracks. */
export class RecordingTracksStore {
  constructor(private readonly db: Knex) {}

  async insert(t: Omit<RecordingTrack, 'endedAt' | 'failureReason'>): Promise<void> {
    await this.db('recording_tracks').insert({
      egress_id: t.egressId,
      recording_id: t.recordingId,
      participant_identity: t.participantIdentity,
      participant_name: t.participantName,
      track_sid: t.trackSid,
      object_key: t.objectKey,
      status: t.status,
      started_at: t.startedAt,
    });
  }

  async forRecording(recordingId: string): Promise<RecordingTrack[]> {
    const rows = await this.db<Row>('recording_tracks').where({ recording_id: recordingId }).orderBy('created_at');
    return rows.map(toTrack);
  }

  /** Applies an egress report; false when the egress is not one of ours. */
  async update(egressId: string, patch: Partial<Pick<RecordingTrack, 'status' | 'startedAt' | 'endedAt' | 'failureReason'>>): Promise<boolean> {
    const row: Record<string, unknown> = {};
    if (patch.status) row.status = patch.status;
    if (patch.startedAt) row.started_at = patch.startedAt;
    if (patch.endedAt) row.ended_at = patch.endedAt;
    if (patch.failureReason) row.failure_reason = patch.failureReason;
    return (await this.db('recording_tracks').where({ egress_id: egressId }).update(row)) > 0;
  }
}

function toTrack(r: Row): RecordingTrack {
  return {
    egressId: r.egress_id,
    recordingId: r.recording_id,
    participantIdentity: r.participant_identity,
    participantName: r.participant_name,
    trackSid: r.track_sid,
    objectKey: r.object_key,
    status: r.status,
    startedAt: r.started_at?.toISOString() ?? null,
    endedAt: r.ended_at?.toISOString() ?? null,
    failureReason: r.failure_reason,
  };
}
