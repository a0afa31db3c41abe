import { describe, expect, it } from 'vitest';
import { catalogueType, EVENT_TYPES } from './event-catalogue.js';

describe('catalogueType', () => {
  it("maps LiveKit's events onto the API's catalogue", () => {
    expect(catalogueType('room_started')).toBe('room_created');
    expect(catalogueType('room_finished')).toBe('room_closed');
    expect(catalogueType('egress_started')).toBe('recording_started');
    expect(catalogueType('egress_ended')).toBe('recording_stopped');
    expect(catalogueType('ingress_ended')).toBe('ingress_stopped');
  });
  it('publishes nothing for events outside the catalogue', () => {
    expect(catalogueType('egress_updated')).toBeUndefined();
    expect(catalogueType('track_unpublished')).toBeUndefined();
  });
  it('covers every catalogue entry but the ones the control plane raises itself', () => {
    const fromLiveKit = ['room_started', 'room_finished', 'participant_joined', 'participant_left', 'track_published', 'egress_started', 'egress_ended', 'ingress_started', 'ingress_ended'].map(catalogueType);
    expect(EVENT_TYPES.filter((t) => !fromLiveKit.includes(t))).toEqual(['transcription_completed']);
  });
});
