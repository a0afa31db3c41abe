/** The control plane's internal endpoints, which the sidecars call back (Bearer STT_INTERNAL_SECRET). */
export const INTERNAL_TRANSCRIPTIONS_PATH = '/internal/v1/transcriptions';

/** What a sidecar reports about a transcription: stt-live's segments and end, stt-post's progress, result and failure. */
export type TranscriptionCallback = 'segments' | 'ended' | 'progress' | 'result' | 'failed';

/** The path of one transcription's callback, below the control plane's base URL. */
export function transcriptionCallbackPath(transcriptionId: string, what: TranscriptionCallback): string {
  return `${INTERNAL_TRANSCRIPTIONS_PATH}/${encodeURIComponent(transcriptionId)}/${what}`;
}

/**
 * stt-live's internal API, which the control plane calls (every path but health needs the Bearer
 * secret): the route patterns stt-live serves, and the paths of one session that a client calls.
 */
export const STT_LIVE_ROUTES = {
  health: '/health',
  sessions: '/sessions',
  session: '/sessions/:id',
  speakers: '/sessions/:id/speakers',
} as const;

/** The paths of {@link STT_LIVE_ROUTES} for one session id. */
export const STT_LIVE_PATHS = {
  health: STT_LIVE_ROUTES.health,
  sessions: STT_LIVE_ROUTES.sessions,
  session: (id: string) => STT_LIVE_ROUTES.session.replace(':id', encodeURIComponent(id)),
  speakers: (id: string) => STT_LIVE_ROUTES.speakers.replace(':id', encodeURIComponent(id)),
} as const;
