import { z } from 'zod';
import { LiveSegmentSchema } from './segments.js';

/** Display names keyed by track sid, participant sid or identity. */
export const SpeakerNamesSchema = z.record(z.string(), z.string());

/** Engine options of a live transcription. */
export const LiveOptionsSchema = z.object({
  partialResults: z.boolean().optional(),
  punctuation: z.boolean().optional(),
  profanityFilter: z.boolean().optional(),
});
/** Engine options of a live transcription. */
export type LiveOptions = z.infer<typeof LiveOptionsSchema>;

/** PUT /sessions/:id (control plane → stt-live): what to transcribe, and where to send it. */
export const LiveSessionRequestSchema = z
  .object({
    roomName: z.string().min(1).max(256),
    language: z.string().min(2).max(35),
    options: LiveOptionsSchema.default({}),
    participants: SpeakerNamesSchema.default({}),
    /** Base URL of the control plane's internal endpoints, where segments are sent back. */
    callbackUrl: z.url({ protocol: /^https?$/ }),
  })
  .strict();
/** A session request as sent (defaults may be left out). */
export type LiveSessionRequestInput = z.input<typeof LiveSessionRequestSchema>;
/** A session request as validated. */
export type LiveSessionRequest = z.output<typeof LiveSessionRequestSchema>;

/** PATCH /sessions/:id/speakers (control plane → stt-live). */
export const LiveSpeakersUpdateSchema = z.object({ participants: SpeakerNamesSchema }).strict();

/** A session as stt-live reports it (PUT, DELETE, and each of GET /sessions). */
export const LiveSessionInfoSchema = z.object({
  id: z.string(),
  roomName: z.string(),
  startedAt: z.string(),
  speakers: z.number().int().min(0),
  segmentsSent: z.number().int().min(0),
});
/** A session as stt-live reports it. */
export type LiveSessionInfo = z.infer<typeof LiveSessionInfoSchema>;

/** GET /sessions (control plane → stt-live). */
export const LiveSessionListSchema = z.object({ sessions: z.array(LiveSessionInfoSchema) });

/** Most segments in one callback. */
export const MAX_LIVE_SEGMENTS_PER_CALLBACK = 500;
/** POST …/:id/segments (stt-live → control plane): final segments, in order. */
export const LiveSegmentsCallbackSchema = z.object({ segments: z.array(LiveSegmentSchema).max(MAX_LIVE_SEGMENTS_PER_CALLBACK) });

/** POST …/:id/ended (stt-live → control plane): the session ended without a stop (room closed, engine died). */
export const LiveSessionEndedCallbackSchema = z.object({ status: z.enum(['stopped', 'failed']), reason: z.string().min(1).max(2000) });
