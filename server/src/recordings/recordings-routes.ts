import type { z } from 'zod';
import { legacyPageRequest } from '../http/pagination.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import { RoomParamsSchema } from '../rooms/rooms-schemas.js';
import type { Recording } from './recordings-store.js';
import {
  DownloadSchema,
  RecordingListQuerySchema,
  RecordingListSchema,
  RecordingParamsSchema,
  RecordingSchema,
  RecordingStartedSchema,
  RecordingStateSchema,
  RecordingStoppedSchema,
  StartRecordingSchema,
} from './recordings-schemas.js';
import type { RecordingsService } from './recordings-service.js';

/** A recording as the API returns it. */
export function recordingToJson(r: Recording): z.input<typeof RecordingSchema> {
  return {
    id: r.id,
    roomId: r.roomName,
    egressId: r.egressId,
    status: r.status,
    startedAt: r.startedAt,
    stoppedAt: r.stopRequestedAt,
    endedAt: r.endedAt,
    durationMs: r.durationMs,
    sizeBytes: r.sizeBytes,
    bucket: r.bucket,
    objectKey: r.objectKey,
    failureReason: r.failureReason,
    createdAt: r.createdAt,
  };
}

/** Room recording (start, stop, state) and the recordings index. */
export function registerRecordingRoutes(ctx: RouteContext, recordings: RecordingsService): void {
  defineRoute(ctx, {
    method: 'post',
    path: '/v1/rooms/:roomId/recording/start',
    summary: 'Start a room composite recording',
    description: 'Idempotent: while one runs, answers 200 with `status: "already_recording"`. The MP4 lands in the S3 bucket. 503 when egress is not running.',
    tag: 'Recording',
    scope: 'recordings:write',
    params: RoomParamsSchema,
    body: StartRecordingSchema,
    errors: [404, 409, 502],
    responses: {
      201: { description: 'Recording started', schema: RecordingStartedSchema },
      200: { description: 'A recording was already running', schema: RecordingStartedSchema },
    },
    handler: async ({ params, body }, _req, res) => {
      const { recording, created } = await recordings.start(params.roomId, body);
      res.status(created ? 201 : 200).json({
        recordingId: recording.id,
        egressId: recording.egressId ?? '',
        roomId: recording.roomName,
        status: created ? 'recording' : 'already_recording',
        startedAt: recording.startedAt ?? recording.createdAt,
      });
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/v1/rooms/:roomId/recording/stop',
    summary: 'Stop the active recording',
    description: 'The file is finished and uploaded asynchronously; follow it with GET /v1/recordings/:id.',
    tag: 'Recording',
    scope: 'recordings:write',
    params: RoomParamsSchema,
    errors: [404, 502],
    responses: { 200: { description: 'Stop requested', schema: RecordingStoppedSchema } },
    handler: async ({ params }, _req, res) => {
      const r = await recordings.stop(params.roomId);
      res.json({ recordingId: r.id, egressId: r.egressId ?? '', status: 'stopped', stoppedAt: r.stopRequestedAt ?? new Date().toISOString() });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/rooms/:roomId/recording',
    summary: 'Current recording status of a room',
    tag: 'Recording',
    scope: 'recordings:read',
    params: RoomParamsSchema,
    responses: { 200: { description: 'Whether the room is being recorded', schema: RecordingStateSchema } },
    handler: async ({ params }, _req, res) => {
      const r = await recordings.current(params.roomId);
      const live = r && (r.status === 'starting' || r.status === 'recording');
      res.json({ isRecording: Boolean(live), recordingId: live ? r.id : null, egressId: live ? r.egressId : null, startedAt: live ? r.startedAt : null });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/recordings',
    summary: 'List recordings, newest first',
    description:
      'Pages by cursor: pass `limit`, then each answer\'s `nextCursor` as `cursor` until it is null. `page`/`pageSize` still work (deprecated: an offset shifts when a recording starts while you page); they answer `nextCursor` too, so a client can switch over.',
    tag: 'Recordings',
    scope: 'recordings:read',
    query: RecordingListQuerySchema,
    responses: { 200: { description: 'A page of recordings', schema: RecordingListSchema } },
    handler: async ({ query }, _req, res) => {
      const page = legacyPageRequest(query);
      const { items, total, nextCursor } = await recordings.list({ roomName: query.roomId, status: query.status }, page);
      const legacy = page.mode === 'page' ? { page: page.page, pageSize: page.pageSize } : {};
      res.json({ recordings: items.map(recordingToJson), total, ...legacy, nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/recordings/:recordingId',
    summary: 'Get a recording',
    tag: 'Recordings',
    scope: 'recordings:read',
    params: RecordingParamsSchema,
    errors: [404],
    responses: { 200: { description: 'The recording', schema: RecordingSchema } },
    handler: async ({ params }, _req, res) => {
      const recording = await recordings.get(params.recordingId);
      const tracks = await recordings.tracks(params.recordingId);
      res.json({
        ...recordingToJson(recording),
        participantAudio: tracks.map((t) => ({ participantIdentity: t.participantIdentity, trackSid: t.trackSid, status: t.status, objectKey: t.objectKey })),
      });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/recordings/:recordingId/download',
    summary: 'A short-lived presigned URL that downloads the file',
    tag: 'Recordings',
    scope: 'recordings:read',
    params: RecordingParamsSchema,
    errors: [404, 409, 502],
    responses: { 200: { description: 'Download URL and its expiry', schema: DownloadSchema } },
    handler: async ({ params }, _req, res) => {
      res.json(await recordings.download(params.recordingId));
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/v1/recordings/:recordingId',
    summary: 'Delete a recording: its file and its row',
    tag: 'Recordings',
    scope: 'recordings:write',
    params: RecordingParamsSchema,
    errors: [404, 409, 502],
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params }, req, res) => {
      await recordings.delete(params.recordingId, { actor: 'api-key', requestId: req.id });
      res.status(204).end();
    },
  });
}
