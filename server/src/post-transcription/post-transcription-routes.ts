import { z } from 'zod';
import { bearerGuard } from '../http/auth.js';
import { NotFoundError } from '../http/errors.js';
import { legacyPageRequest } from '../http/pagination.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import { INTERNAL_TRANSCRIPTIONS_PATH } from '@rtcstack/contracts';
import { toPlainText, toSrt, toWebVtt } from '../transcriptions/transcript-format.js';
import { segmentToJson, TranscriptExportSchema } from '../transcriptions/transcriptions-schemas.js';
import type { Transcription } from '../transcriptions/transcriptions-store.js';
import {
  FailedCallbackSchema,
  PostTranscriptionListQuerySchema,
  PostTranscriptionListSchema,
  PostTranscriptionQuerySchema,
  PostTranscriptionSchema,
  ProgressCallbackSchema,
  RecordingIdParamsSchema,
  ResultCallbackSchema,
  TranscribeRecordingSchema,
  TranscriptionIdParamsSchema,
  TranscriptionQueuedSchema,
} from './post-transcription-schemas.js';
import type { PostTranscriptionService } from './post-transcription-service.js';
import type { PostTranscriptionStatus } from '../transcriptions/transcriptions-store.js';


function summary(t: Transcription, segmentCount: number) {
  return {
    transcriptionId: t.id,
    recordingId: t.recordingId,
    status: t.status as PostTranscriptionStatus,
    language: t.language,
    progress: t.status === 'completed' ? 1 : (t.progress ?? 0),
    segmentCount,
    queuedAt: t.createdAt,
    completedAt: t.completedAt,
    failureReason: t.failureReason,
  };
}

const EXPORTS = {
  text: { type: 'text/plain; charset=utf-8', ext: 'txt', render: toPlainText },
  vtt: { type: 'text/vtt; charset=utf-8', ext: 'vtt', render: toWebVtt },
  srt: { type: 'application/x-subrip; charset=utf-8', ext: 'srt', render: toSrt },
} as const;
/** The exports' content types, as the OpenAPI document lists them beside JSON. */
const EXPORT_CONTENT = Object.fromEntries(Object.values(EXPORTS).map((e) => [e.type.split(';')[0]!, TranscriptExportSchema]));

/** Post-call transcription (stt-post): queue, list, get with exports, delete; and stt-post's internal callbacks. */
export function registerPostTranscriptionRoutes(ctx: RouteContext, post: PostTranscriptionService, opts: { internalSecret: string }): void {
  defineRoute(ctx, {
    method: 'post',
    path: '/v1/recordings/:recordingId/transcribe',
    summary: 'Queue a post-call transcription job',
    description:
      'Transcribes a completed recording with whisper in the stt-post sidecar. A recording made with `perParticipantAudio` is transcribed track by track, so every segment has its speaker. 409 while one is already queued or running for the recording; 503 when stt-post is not running.',
    tag: 'Transcription (Post-call)',
    scope: 'transcriptions:write',
    params: RecordingIdParamsSchema,
    body: TranscribeRecordingSchema,
    errors: [404, 409],
    responses: { 202: { description: 'Queued', schema: TranscriptionQueuedSchema } },
    handler: async ({ params, body }, _req, res) => {
      const t = await post.transcribe(params.recordingId, body);
      res.status(202).json({ transcriptionId: t.id, recordingId: params.recordingId, status: 'queued', queuedAt: t.createdAt });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/transcriptions',
    summary: 'List all post-call transcriptions',
    description:
      'Newest first. Pages by cursor: pass `limit`, then each answer\'s `nextCursor` as `cursor` until it is null. `page`/`pageSize` still work (deprecated: an offset shifts when a job is queued while you page); they answer `nextCursor` too, so a client can switch over.',
    tag: 'Transcription (Post-call)',
    scope: 'transcriptions:read',
    query: PostTranscriptionListQuerySchema,
    responses: { 200: { description: 'A page of transcriptions, newest first', schema: PostTranscriptionListSchema } },
    handler: async ({ query }, _req, res) => {
      const page = legacyPageRequest(query);
      const { items, total, nextCursor } = await post.list({ recordingId: query.recordingId, status: query.status }, page);
      const legacy = page.mode === 'page' ? { page: page.page, pageSize: page.pageSize } : {};
      res.json({ transcriptions: items.map((t) => summary(t, t.segmentCount)), total, ...legacy, nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/transcriptions/:transcriptionId',
    summary: 'Get a single transcription by ID',
    description: 'Status queued → processing (with `progress`) → completed | failed (with `failureReason`). `format=text|vtt|srt` exports the transcript.',
    tag: 'Transcription (Post-call)',
    scope: 'transcriptions:read',
    params: TranscriptionIdParamsSchema,
    query: PostTranscriptionQuerySchema,
    errors: [404],
    responses: {
      200: { description: 'The transcription and its segments, or with `format` its export', schema: PostTranscriptionSchema, alternatives: EXPORT_CONTENT },
    },
    handler: async ({ params, query }, _req, res) => {
      const { transcription: t, segments } = await post.get(params.transcriptionId);
      const origin = t.startedAt ?? t.createdAt;
      if (query.format !== 'json') {
        const e = EXPORTS[query.format];
        res.type(e.type).set('Content-Disposition', `inline; filename="${t.id}.${e.ext}"`).send(e.render(segments, origin));
        return;
      }
      res.json({ ...summary(t, segments.length), segments: segments.map((s) => segmentToJson(s, origin)) });
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/v1/transcriptions/:transcriptionId',
    summary: 'Delete a transcription and all its segments',
    tag: 'Transcription (Post-call)',
    scope: 'transcriptions:write',
    params: TranscriptionIdParamsSchema,
    errors: [404],
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params }, _req, res) => {
      await post.delete(params.transcriptionId);
      res.status(204).end();
    },
  });

  const internal = { guard: bearerGuard(opts.internalSecret), security: [{ internalBearer: [] }] };
  const callback = <B extends z.ZodType>(name: string, summaryText: string, body: B, act: (id: string, b: z.output<B>) => Promise<boolean>) =>
    defineRoute(ctx, {
      method: 'post',
      path: `${INTERNAL_TRANSCRIPTIONS_PATH}/:transcriptionId/${name}`,
      summary: `Internal: ${summaryText}`,
      tag: 'Internal',
      auth: internal,
      params: TranscriptionIdParamsSchema,
      body,
      errors: [404],
      responses: { 204: { description: 'Recorded' } },
      handler: async ({ params, body: b }, _req, res) => {
        if (!(await act(params.transcriptionId, b))) throw new NotFoundError(`Unknown transcription ${params.transcriptionId}`);
        res.status(204).end();
      },
    });
  callback('progress', 'stt-post reports progress', ProgressCallbackSchema, (id, b) => post.progress(id, b.progress));
  callback('result', 'stt-post hands in the transcript', ResultCallbackSchema, (id, b) => post.complete(id, b));
  callback('failed', 'stt-post gave up (missing or corrupt recording)', FailedCallbackSchema, (id, b) => post.fail(id, b.reason));
}
