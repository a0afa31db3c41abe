import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { LiveSessionRequestSchema, LiveSpeakersUpdateSchema, STT_LIVE_ROUTES, type LiveSessionListSchema } from '@rtcstack/contracts';
import type { z } from 'zod';
import type { SpeechEngine } from '../engines/engine.js';
import type { SessionManager } from '../sessions/session-manager.js';

/** An error with a status, rendered as RFC 9457 problem+json. */
class Problem extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * stt-live's internal HTTP API (DESIGN.md): start, stop, update speakers, list, health. Only the
 * control plane calls it; every route but /health needs `Authorization: Bearer STT_INTERNAL_SECRET`.
 */
export function createApp(deps: { sessions: SessionManager; engine: SpeechEngine; secret: string; logger: Logger }): Express {
  const { sessions, engine } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '256kb' }));

  app.get(STT_LIVE_ROUTES.health, (_req, res) => {
    const ok = engine.healthy();
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', engine: engine.name, sessions: sessions.list().length, stats: engine.stats?.() });
  });

  app.use(bearer(deps.secret));

  app.get(STT_LIVE_ROUTES.sessions, (_req, res) => {
    const body: z.input<typeof LiveSessionListSchema> = { sessions: sessions.list().map((s) => s.info()) };
    res.json(body);
  });

  app.put(STT_LIVE_ROUTES.session, async (req, res) => {
    const body = LiveSessionRequestSchema.safeParse(req.body);
    if (!body.success) throw new Problem(400, body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    if (!engine.healthy()) throw new Problem(503, `the ${engine.name} engine is not available`);
    const existing = sessions.get(idOf(req));
    if (existing && existing.request.roomName !== body.data.roomName) throw new Problem(409, 'this session id belongs to another room');
    try {
      const { session, created } = await sessions.start(idOf(req), body.data);
      res.status(created ? 201 : 200).json(session.info());
    } catch (err) {
      throw new Problem(502, `could not join room ${body.data.roomName}: ${(err as Error).message}`);
    }
  });

  app.patch(STT_LIVE_ROUTES.speakers, (req, res) => {
    const body = LiveSpeakersUpdateSchema.safeParse(req.body);
    if (!body.success) throw new Problem(400, body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const session = sessions.get(idOf(req));
    if (!session) throw new Problem(404, `no session ${idOf(req)}`);
    session.updateSpeakers(body.data.participants);
    res.status(204).end();
  });

  app.delete(STT_LIVE_ROUTES.session, async (req, res) => {
    const session = await sessions.stop(idOf(req));
    if (!session) throw new Problem(404, `no session ${idOf(req)}`);
    res.json(session.info());
  });

  app.use((_req, _res, next) => next(new Problem(404, 'no such route')));
  const onError: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    const status = err instanceof Problem ? err.status : (err as { status?: number }).status && (err as { status: number }).status < 500 ? (err as { status: number }).status : 500;
    if (status >= 500 && !(err instanceof Problem)) deps.logger.error({ err }, 'unhandled error');
    res
      .status(status)
      .type('application/problem+json')
      .json({ type: 'about:blank', title: status >= 500 ? 'Server Error' : 'Request Error', status, detail: status === 500 ? 'internal error' : (err as Error).message });
  };
  app.use(onError);
  return app;
}

/** The :id of a session route. */
const idOf = (req: { params: Record<string, unknown> }): string => String(req.params.id);

function bearer(secret: string): RequestHandler {
  const expected = createHash('sha256').update(secret).digest();
  return (req, _res, next) => {
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const ok = given !== '' && timingSafeEqual(createHash('sha256').update(given).digest(), expected);
    next(ok ? undefined : new Problem(401, 'missing or invalid Authorization: Bearer STT_INTERNAL_SECRET'));
  };
}
