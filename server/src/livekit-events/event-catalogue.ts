/** The events the API publishes (the seed's catalogue), `*` aside. */
export const EVENT_TYPES = [
  'room_created',
  'room_closed',
  'participant_joined',
  'participant_left',
  'track_published',
  'recording_started',
  'recording_stopped',
  'ingress_started',
  'ingress_stopped',
  'transcription_completed',
] as const;
/** One event type of the catalogue. */
export type EventType = (typeof EVENT_TYPES)[number];

/** What a webhook subscribes to: one event type, or '*' for all. */
export type EventFilter = EventType | '*';

const FROM_LIVEKIT: Record<string, EventType> = {
  room_started: 'room_created',
  room_finished: 'room_closed',
  participant_joined: 'participant_joined',
  participant_left: 'participant_left',
  track_published: 'track_published',
  egress_started: 'recording_started',
  egress_ended: 'recording_stopped',
  ingress_started: 'ingress_started',
  ingress_ended: 'ingress_stopped',
};

/** The catalogue's name for a LiveKit webhook event, or undefined for events the API does not publish. */
export function catalogueType(livekitEvent: string): EventType | undefined {
  return FROM_LIVEKIT[livekitEvent];
}
