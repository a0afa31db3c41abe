import { describe, expect, it } from 'vitest';
import { grantsForRole, ROLE_PERMISSIONS } from './role-grants.js';

describe('grantsForRole', () => {
  it('follows the role table', () => {
    expect(grantsForRole('host', 'r')).toMatchObject({ room: 'r', roomJoin: true, canPublish: true, canSubscribe: true, roomAdmin: true });
    expect(grantsForRole('moderator', 'r')).toMatchObject({ canPublish: true, canSubscribe: true, roomAdmin: false });
    expect(grantsForRole('participant', 'r')).toMatchObject({ canPublish: true, canSubscribe: true, roomAdmin: false });
    expect(grantsForRole('viewer', 'r')).toMatchObject({ canPublish: false, canSubscribe: true, roomAdmin: false, canUpdateOwnMetadata: false });
  });

  it('lets exactly hosts and moderators mute others', () => {
    const muters = Object.entries(ROLE_PERMISSIONS).filter(([, p]) => p.muteOthers).map(([r]) => r);
    expect(muters).toEqual(['host', 'moderator']);
  });
});
