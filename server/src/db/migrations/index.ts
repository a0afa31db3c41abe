import type { Knex } from 'knex';
import * as createAuditLog from './20261123160000_create_audit_log.js';
import * as createRecordings from './20261123170000_create_recordings.js';
import * as createLiveKitEvents from './20261123180000_create_livekit_events.js';
import * as createWebhooks from './20261123190000_create_webhooks.js';
import * as createTranscriptions from './20261123200000_create_transcriptions.js';
import * as createRecordingTracks from './20261123210000_create_recording_tracks.js';
import * as createApiKeys from './20261201100000_create_api_keys.js';
import * as createIdempotencyKeys from './20261201110000_create_idempotency_keys.js';
import * as createEvents from './20261201120000_create_events.js';
import * as indexListsByCreation from './20261201130000_index_lists_by_creation.js';

/** Every migration by its timestamped name. Add new ones here; never edit one that has landed. */
export const migrations: Record<string, Knex.Migration> = {
  '20261123160000_create_audit_log': createAuditLog,
  '20261123170000_create_recordings': createRecordings,
  '20261123180000_create_livekit_events': createLiveKitEvents,
  '20261123190000_create_webhooks': createWebhooks,
  '20261123200000_create_transcriptions': createTranscriptions,
  '20261123210000_create_recording_tracks': createRecordingTracks,
  '20261201100000_create_api_keys': createApiKeys,
  '20261201110000_create_idempotency_keys': createIdempotencyKeys,
  '20261201120000_create_events': createEvents,
  '20261201130000_index_lists_by_creation': indexListsByCreation,
};
