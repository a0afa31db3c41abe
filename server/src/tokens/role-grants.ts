import type { VideoGrant } from 'livekit-server-sdk';
import type { Role } from './tokens-schemas.js';

/** Participant attribute that carries the role, so clients can show it and the API can check it. */
export const ROLE_ATTRIBUTE = 'role';

/** What each role may do, as in the API reference's role table. */
export const ROLE_PERMISSIONS: Record<Role, { publish: boolean; subscribe: boolean; muteOthers: boolean; roomAdmin: boolean }> = {
  host: { publish: true, subscribe: true, muteOthers: true, roomAdmin: true },
  moderator: { publish: true, subscribe: true, muteOthers: true, roomAdmin: false },
  participant: { publish: true, subscribe: true, muteOthers: false, roomAdmin: false },
  viewer: { publish: false, subscribe: true, muteOthers: false, roomAdmin: false },
};

/**
 * The LiveKit video grant for a role in a room. "Mute others" has no LiveKit grant short of
 * roomAdmin, so moderators exercise it through POST …/mute with their own token instead.
 * Viewers keep data messages (chat, reactions) but publish no media.
 */
export function grantsForRole(role: Role, room: string): VideoGrant {
  const p = ROLE_PERMISSIONS[role];
  return {
    room,
    roomJoin: true,
    canPublish: p.publish,
    canSubscribe: p.subscribe,
    canPublishData: true,
    canUpdateOwnMetadata: p.publish,
    roomAdmin: p.roomAdmin,
  };
}
