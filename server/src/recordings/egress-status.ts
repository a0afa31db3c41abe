import { EgressStatus, type EgressInfo } from 'livekit-server-sdk';
import type { RecordingTracksStore } from './recording-tracks-store.js';
import type { RecordingPatch, RecordingStatus, RecordingsStore } from './recordings-store.js';

const STATUS: Record<EgressStatus, RecordingStatus> = {
  [EgressStatus.EGRESS_STARTING]: 'starting',
  [EgressStatus.EGRESS_ACTIVE]: 'recording',
  [EgressStatus.EGRESS_ENDING]: 'stopping',
  [EgressStatus.EGRESS_COMPLETE]: 'completed',
  // The file holds everything up to the limit; it is a finished recording, with a reason noted.
  [EgressStatus.EGRESS_LIMIT_REACHED]: 'completed',
  [EgressStatus.EGRESS_FAILED]: 'failed',
  [EgressStatus.EGRESS_ABORTED]: 'aborted',
};

const nsToIso = (ns: bigint): string | undefined => (ns > 0n ? new Date(Number(ns / 1_000_000n)).toISOString() : undefined);

/** What an egress report (webhook, list, stop answer) tells us about its recording. */
export function patchFromEgress(info: EgressInfo): RecordingPatch {
  const status = STATUS[info.status] ?? 'failed';
  const patch: RecordingPatch = { egressId: info.egressId, status };
  const started = nsToIso(info.startedAt);
  if (started) patch.startedAt = started;
  const ended = nsToIso(info.endedAt);
  if (ended && (status === 'completed' || status === 'failed' || status === 'aborted')) patch.endedAt = ended;
  const file = info.fileResults[0];
  if (file) {
    if (file.duration > 0n) patch.durationMs = Number(file.duration / 1_000_000n);
    if (file.size > 0n) patch.sizeBytes = Number(file.size);
  }
  if (info.status === EgressStatus.EGRESS_LIMIT_REACHED) patch.failureReason = `egress limit reached: ${info.error || 'recording was cut short'}`;
  else if (status === 'failed' || status === 'aborted') patch.failureReason = info.error || `egress ${EgressStatus[info.status]}`;
  return patch;
}

/**
 * Applies an egress report to the recordings index through the given stores (bound to the
 * caller's transaction): to the recording that egress makes, or else to the participant track it
 * records. Returns what changed, or undefined when the egress is neither.
 */
export async function applyEgressInfo(
  stores: { recordings: RecordingsStore; tracks: RecordingTracksStore },
  info: EgressInfo,
): Promise<'recording' | 'track' | undefined> {
  const patch = patchFromEgress(info);
  const recording = await stores.recordings.getByEgressId(info.egressId);
  if (recording) {
    await stores.recordings.update(recording.id, patch);
    return 'recording';
  }
  return (await stores.tracks.update(info.egressId, trackPatchFromEgress(info))) ? 'track' : undefined;
}

/** What an egress report tells us about a participant track it records. */
export function trackPatchFromEgress(info: EgressInfo): Parameters<RecordingTracksStore['update']>[1] {
  const p = patchFromEgress(info);
  return { status: p.status!, startedAt: p.startedAt, endedAt: p.endedAt, failureReason: p.failureReason ?? undefined };
}
