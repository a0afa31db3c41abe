import type { LocalParticipant } from '@livekit/rtc-node';
import type { SpeakerSegment } from './speaker-stream.js';

/** The text-stream topic LiveKit's client SDKs and agents use for transcriptions. */
export const TRANSCRIPTION_TOPIC = 'lk.transcription';

/**
 * Publishes a segment into the room the two ways LiveKit clients read captions, as LiveKit's own
 * agents do: a text stream on `lk.transcription` (current SDKs), sent on behalf of the speaker with
 * the track and segment ids as attributes, and the legacy Transcription packet (older SDKs'
 * `TranscriptionReceived`). A partial and the final that replaces it share one segment id.
 */
export async function publishCaption(participant: LocalParticipant, s: SpeakerSegment): Promise<void> {
  const writer = await participant.streamText({
    topic: TRANSCRIPTION_TOPIC,
    senderIdentity: s.speaker.identity,
    attributes: {
      'lk.transcribed_track_id': s.speaker.trackSid,
      'lk.segment_id': s.utteranceId,
      'lk.transcription_final': String(s.final),
    },
  });
  await writer.write(s.text);
  await writer.close();
  await participant.publishTranscription({
    participantIdentity: s.speaker.identity,
    trackSid: s.speaker.trackSid,
    segments: [{ id: s.utteranceId, text: s.text, startTime: BigInt(s.startAt.getTime()), endTime: BigInt(s.endAt.getTime()), language: s.language, final: s.final }],
  });
}
