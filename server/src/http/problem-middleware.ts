import type { Application, ErrorRequestHandler, RequestHandler } from 'express';
import {
  BadRequestError,
  HttpError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnsupportedMediaTypeError,
} from './errors.js';
import { isDatabaseUnavailable, isUnstorableText } from '../db/db-errors.js';

/**
 * Turns an unmatched request into a problem: 405 with `Allow` when the path is served with other
 * methods (RFC 9110 §15.5.6), else 404.
 */
export const notFoundHandler: RequestHandler = (req, res, next) => {
  const allowed = allowedMethods(req.app, req.path);
  if (allowed.length === 0) return next(new NotFoundError(`No route for ${req.method} ${req.path}`));
  res.setHeader('Allow', allowed.join(', '));
  next(new HttpError(405, 'method-not-allowed', 'Method Not Allowed', `${req.method} is not served on ${req.path}; it takes ${allowed.join(', ')}`));
};

/** A layer of Express 5's router stack, as far as finding a path's methods needs. */
interface StackLayer {
  match(path: string): boolean;
  route?: { methods: Record<string, boolean> };
  handle?: { stack?: StackLayer[] };
}

/** The methods the app's routes serve on `path` (HEAD wherever GET is, as Express answers it). */
function allowedMethods(app: Application, path: string): string[] {
  const methods = new Set<string>();
  const visit = (stack: StackLayer[]) => {
    for (const layer of stack) {
      if (!layer.match(path)) continue;
      if (layer.route) for (const m of Object.keys(layer.route.methods)) if (m !== '_all') methods.add(m.toUpperCase());
      // Our routers are mounted at the root, so a nested router sees the same path.
      if (layer.handle?.stack) visit(layer.handle.stack);
    }
  };
  visit((app as unknown as { router: { stack: StackLayer[] } }).router.stack);
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** Rejects a request that has a body which is not JSON, before the body parser sees it. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json') && !req.is('application/*+json')) {
    return next(new UnsupportedMediaTypeError(`Expected Content-Type: application/json, got ${req.headers['content-type'] ?? 'none'}`));
  }
  next();
};

/** Maps anything thrown by the body parser, Postgres or our own code onto an HttpError. */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  const e = err as { type?: string; status?: number; limit?: number; message?: string };
  switch (e?.type) {
    case 'entity.parse.failed':
      return new BadRequestError(`Malformed JSON body: ${e.message ?? 'could not parse'}`);
    case 'entity.too.large':
      return new PayloadTooLargeError(`Body exceeds the limit of ${e.limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError(e.message ?? 'Unsupported body encoding');
    case 'request.aborted':
      return new BadRequestError('Request aborted by the client');
  }
  if (isUnstorableText(err)) {
    return new BadRequestError('Text may not contain the NUL character (U+0000)');
  }
  if (isDatabaseUnavailable(err)) {
    return new ServiceUnavailableError('Postgres is unavailable or too slow to answer; retry shortly', { cause: err });
  }
  return undefined;
}

/** The one error handler: every error leaves as RFC 9457 application/problem+json. */
export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const mapped = toHttpError(err);
  const requestId = String(req.id ?? '');
  if (!mapped) {
    req.log?.error({ err }, 'unhandled error');
  } else if (mapped.status >= 500) {
    req.log?.warn({ err: mapped.cause ?? mapped, status: mapped.status }, mapped.message);
  }
  const problem = mapped
    ? { type: mapped.type, title: mapped.title, status: mapped.status, detail: mapped.message, ...mapped.extra }
    : {
        type: 'https://rtcstack.dev/errors/internal',
        title: 'Internal Server Error',
        status: 500,
        detail: `An unexpected error occurred. Quote request id ${requestId} when reporting it.`,
      };
  if (res.headersSent) return void res.end();
  if (mapped instanceof ServiceUnavailableError || mapped instanceof TooManyRequestsError) res.setHeader('Retry-After', String(mapped.retryAfterSeconds));
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify({ ...problem, instance: req.originalUrl, requestId }));
};
