import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { pino, type Logger } from 'pino';

declare module 'node:http' {
  interface IncomingMessage {
    /** This request's id: the incoming X-Request-Id when sane, else a fresh UUID. */
    id: string;
    /** A logger whose every line carries `reqId`. */
    log: Logger;
  }
}

const INCOMING_ID = /^[\w.:@=+-]{1,128}$/;

/** The process logger: JSON lines, one per event, with secrets redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'rtcstack-server' },
    redact: { paths: ['headers["x-api-key"]', 'headers.authorization', '*.apiSecret', '*.token'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A request's logging state, read by the shared `req.log` getter. */
interface RequestLogState {
  logger: Logger;
  id: string;
  child?: Logger;
  childKeyId?: string;
}

const LOG_STATE = Symbol('rtcstack.requestLog');
type LoggedRequest = IncomingMessage & { [LOG_STATE]?: RequestLogState };

/**
 * `req.log`, one getter for every request: the child logger is built on first use, and rebuilt
 * once when authentication attaches a principal, so that later lines carry its key id.
 */
function requestLog(this: LoggedRequest): Logger | undefined {
  const s = this[LOG_STATE];
  if (!s) return undefined;
  const keyId = this.principal?.keyId;
  if (!s.child || s.childKeyId !== keyId) {
    s.child = s.logger.child(keyId === undefined ? { reqId: s.id } : { reqId: s.id, keyId });
    s.childKeyId = keyId;
  }
  return s.child;
}

/** Request prototypes (Express's `app.request`, one per app) that already carry the getter. */
const withLogGetter = new WeakSet<object>();

/**
 * Puts the `req.log` getter on the request's prototype, once per prototype. Defining it on each
 * request instead (a fresh closure per request) gave every request object a hidden class of its
 * own, which made every later property access on it slow: about 40 µs of CPU per request on the
 * token route in the benchmark. A bare node:http request (no Express prototype) still gets its own.
 */
function provideLogGetter(req: IncomingMessage): void {
  const proto = Object.getPrototypeOf(req) as object;
  if (withLogGetter.has(proto)) return;
  if (proto === IncomingMessage.prototype) {
    Object.defineProperty(req, 'log', { get: requestLog, configurable: true });
    return;
  }
  Object.defineProperty(proto, 'log', { get: requestLog, configurable: true });
  withLogGetter.add(proto);
}

/**
 * Per-request id and logging: sets `req.id` (echoed as X-Request-Id, taken from a sane incoming
 * header so a proxy's id flows through), gives `req.log` a child logger carrying `reqId` (and
 * `keyId` once the request is authenticated), and logs one line, with both, when the response
 * finishes. Written out rather than pino-http because the benchmark showed pino-http's
 * per-request child logger and serializers as the largest framework cost on the token hot path;
 * the child here is created only when a handler actually logs.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    (req as LoggedRequest)[LOG_STATE] = { logger, id };
    provideLogGetter(req);
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({ reqId: id, keyId: req.principal?.keyId, method: req.method, url: req.originalUrl, status, ms: Math.round(performance.now() - start) }, 'request completed');
    });
    next();
  };
}
