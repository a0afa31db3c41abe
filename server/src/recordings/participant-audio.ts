import { DirectFileOutput, S3Upload, TrackType, type EgressClient, type EgressInfo, type RoomServiceClient } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import { callLiveKit } from '../livekit/livekit-errors.js';
import type { S3Options } from '../storage/s3-storage.js';
import { trackPatchFromEgress } from './egress-status.js';
import type { RecordingTrack, RecordingTracksStore } from './recording-tracks-store.js';

/**
 * Records each participant's microphone into its own file with track egress (no Chrome needed,
 * Opus copied as-is into Ogg), beside a room composite recording, so a post-call transcription
 * can attribute every word to its speaker without diarization.
 */
export class ParticipantAudioRecorder {
  constructor(
    private readonly egress: EgressClient,
    private readonly rooms: RoomServiceClient,
    private readonly store: RecordingTracksStore,
    private readonly s3: S3Options,
    private readonly logger: Logger,
  ) {}

  /** Starts a track egress for every audio track published in the room now; returns how many started. */
  async startAll(recordingId: string, roomName: string): Promise<number> {
    const participants = await callLiveKit('list participants for per-participant audio', () => this.rooms.listParticipants(roomName));
    let started = 0;
    for (const p of participants) {
      for (const track of p.tracks.filter((t) => t.type === TrackType.AUDIO)) {
        const objectKey = `recordings/${roomName}/${recordingId}/${sanitize(p.identity)}-${track.sid}.ogg`;
        try {
          const info = await callLiveKit('start a track recording', () => this.egress.startTrackEgress(roomName, this.output(objectKey), track.sid));
          await this.store.insert({
            egressId: info.egressId,
            recordingId,
            participantIdentity: p.identity,
            participantName: p.name || null,
            trackSid: track.sid,
            objectKey,
            status: 'starting',
            startedAt: new Date().toISOString(),
          });
          started++;
        } catch (err) {
          // The composite recording goes on; this speaker's words will simply have no separate track.
          this.logger.warn({ err, recordingId, participant: p.identity, trackSid: track.sid }, 'could not record a participant track');
        }
      }
    }
    return started;
  }

  /** Stops every track egress of the recording that may still run. */
  async stopAll(recordingId: string): Promise<void> {
    for (const t of await this.store.forRecording(recordingId)) {
      if (t.status !== 'starting' && t.status !== 'recording') continue;
      try {
        await this.apply(await this.egress.stopEgress(t.egressId));
      } catch (err) {
        this.logger.warn({ err, egressId: t.egressId }, 'could not stop a participant track recording');
      }
    }
  }

  /** Applies an egress report to its track; false when the egress is not a participant track. */
  private async apply(info: EgressInfo): Promise<boolean> {
    return this.store.update(info.egressId, trackPatchFromEgress(info));
  }

  /** The recording's tracks, those egress may still be working on brought up to date (webhooks may be missed). */
  async tracks(recordingId: string): Promise<RecordingTrack[]> {
    const tracks = await this.store.forRecording(recordingId);
    const live = tracks.filter((t) => t.status === 'starting' || t.status === 'recording' || t.status === 'stopping');
    if (live.length === 0) return tracks;
    for (const t of live) {
      try {
        const [info] = await this.egress.listEgress({ egressId: t.egressId });
        if (info) await this.apply(info);
      } catch (err) {
        this.logger.warn({ err, egressId: t.egressId }, 'could not refresh a participant track from egress');
      }
    }
    return this.store.forRecording(recordingId);
  }

  private output(objectKey: string): DirectFileOutput {
    const s3 = this.s3;
    return new DirectFileOutput({
      filepath: objectKey,
      output: {
        case: 's3',
        value: new S3Upload({ accessKey: s3.accessKey, secret: s3.secretKey, region: s3.region, endpoint: s3.endpoint, bucket: s3.bucket, forcePathStyle: s3.forcePathStyle }),
      },
    });
  }
}

const sanitize = (s: string) => s.replace(/[^\w.-]+/g, '_');
