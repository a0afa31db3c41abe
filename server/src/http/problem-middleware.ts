import type { ErrorRequestHandler, RequestHandler } from 'express';
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

/** Turns an unmatched route into a 404 problem. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}`));
};

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
