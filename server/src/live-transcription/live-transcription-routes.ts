import { INTERNAL_TRANSCRIPTIONS_PATH } from '@rtcstack/contracts';
import { bearerGuard } from '../http/auth.js';
import { NotFoundError } from '../http/errors.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import { RoomParamsSchema } from '../rooms/rooms-schemas.js';
import { toPlainText } from '../transcriptions/transcript-format.js';
import { segmentToJson, TranscriptExportSchema } from '../transcriptions/transcriptions-schemas.js';
import {
  LiveTranscriptionStartedSchema,
  LiveTranscriptionStoppedSchema,
  LiveTranscriptQuerySchema,
  LiveTranscriptSchema,
  SegmentsCallbackSchema,
  SessionEndedCallbackSchema,
  StartLiveTranscriptionSchema,
  TranscriptionParamsSchema,
  UpdateSpeakersSchema,
} from './live-transcription-schemas.js';
import type { LiveTranscriptionService } from './live-transcription-service.js';
import type { LiveTranscriptionStatus } from '../transcriptions/transcriptions-store.js';
import { z } from 'zod';

/** Live transcription of a room (stt-live), and the internal callbacks the sidecar sends segments to. */
export function registerLiveTranscriptionRoutes(ctx: RouteContext, live: LiveTranscriptionService, opts: { internalSecret: string }): void {
  defineRoute(ctx, {
    method: 'post',
    path: '/v1/rooms/:roomId/transcription/start',
    summary: 'Start live transcription for a room',
    description:
      'Idempotent: while a session runs, answers 201 with that session. The stt-live sidecar joins as a hidden participant and transcribes each speaker separately. 503 when the stt-live profile is not running.',
    tag: 'Transcription (Live)',
    scope: 'transcriptions:write',
    params: RoomParamsSchema,
    body: StartLiveTranscriptionSchema,
    errors: [404, 409, 502],
    responses: { 201: { description: 'Transcribing', schema: LiveTranscriptionStartedSchema } },
    handler: async ({ params, body }, _req, res) => {
      const { transcription: t } = await live.start(params.roomId, body);
      res.status(201).json({ transcriptionId: t.id, roomId: params.roomId, status: 'active', language: t.language, startedAt: t.startedAt ?? t.createdAt });
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/v1/rooms/:roomId/transcription/stop',
    summary: 'Stop live transcription',
    description: 'Waits (briefly) for the last words spoken to be transcribed, so `segmentCount` includes them.',
    tag: 'Transcription (Live)',
    scope: 'transcriptions:write',
    params: RoomParamsSchema,
    errors: [404, 502],
    responses: { 200: { description: 'Stopped', schema: LiveTranscriptionStoppedSchema } },
    handler: async ({ params }, _req, res) => {
      const { transcription: t, segmentCount } = await live.stop(params.roomId);
      res.json({ transcriptionId: t.id, status: 'stopped', stoppedAt: t.stoppedAt ?? new Date().toISOString(), segmentCount });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/rooms/:roomId/transcription',
    summary: 'Retrieve transcription segments',
    description: "The room's latest session (or `transcriptionId`) with its final segments in spoken order. `format=text` answers `text/plain`, one `[hh:mm:ss] Speaker: text` line per segment.",
    tag: 'Transcription (Live)',
    scope: 'transcriptions:read',
    params: RoomParamsSchema,
    query: LiveTranscriptQuerySchema,
    errors: [404],
    responses: {
      200: { description: 'The transcript (with `format=text`, as text/plain)', schema: LiveTranscriptSchema, alternatives: { 'text/plain': TranscriptExportSchema } },
    },
    handler: async ({ params, query }, _req, res) => {
      const { transcription: t, segments } = await live.transcript(params.roomId, query);
      const startedAt = t.startedAt ?? t.createdAt;
      if (query.format === 'text') {
        res.type('text/plain; charset=utf-8').send(toPlainText(segments, startedAt));
        return;
      }
      res.json({
        transcriptionId: t.id,
        roomId: params.roomId,
        status: t.status as LiveTranscriptionStatus,
        language: t.language,
        startedAt,
        stoppedAt: t.stoppedAt,
        failureReason: t.failureReason,
        segments: segments.map((s) => segmentToJson(s, startedAt)),
      });
    },
  });

  defineRoute(ctx, {
    method: 'patch',
    path: '/v1/rooms/:roomId/transcription/speakers',
    summary: 'Update the speaker identity map mid-session',
    description: 'Entries are merged into the map; segments transcribed after this call carry the new names.',
    tag: 'Transcription (Live)',
    scope: 'transcriptions:write',
    params: RoomParamsSchema,
    body: UpdateSpeakersSchema,
    errors: [404, 409, 502],
    responses: { 204: { description: 'Updated' } },
    handler: async ({ params, body }, _req, res) => {
      await live.updateSpeakers(params.roomId, body.participants);
      res.status(204).end();
    },
  });

  const internal = { guard: bearerGuard(opts.internalSecret), security: [{ internalBearer: [] }] };

  defineRoute(ctx, {
    method: 'post',
    path: `${INTERNAL_TRANSCRIPTIONS_PATH}/:transcriptionId/segments`,
    summary: 'Internal: stt-live hands in final segments',
    description: 'Authenticated with `Authorization: Bearer STT_INTERNAL_SECRET`. Idempotent by segment `key`.',
    tag: 'Internal',
    auth: internal,
    params: TranscriptionParamsSchema,
    body: SegmentsCallbackSchema,
    errors: [404],
    responses: { 200: { description: 'Stored', schema: z.object({ stored: z.number().int() }) } },
    handler: async ({ params, body }, _req, res) => {
      const result = await live.addSegments(params.transcriptionId, body.segments);
      if (!result) throw new NotFoundError(`Unknown transcription ${params.transcriptionId}`);
      res.json(result);
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: `${INTERNAL_TRANSCRIPTIONS_PATH}/:transcriptionId/ended`,
    summary: 'Internal: a session ended on the sidecar (the room closed, or the engine failed)',
    tag: 'Internal',
    auth: internal,
    params: TranscriptionParamsSchema,
    body: SessionEndedCallbackSchema,
    errors: [404],
    responses: { 204: { description: 'Recorded' } },
    handler: async ({ params, body }, _req, res) => {
      if (!(await live.sessionEnded(params.transcriptionId, body.status, body.reason))) throw new NotFoundError(`Unknown transcription ${params.transcriptionId}`);
      res.status(204).end();
    },
  });
}
