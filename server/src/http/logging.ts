import { randomUUID } from 'node:crypto';
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
    let child: Logger | undefined;
    let childKeyId: string | undefined;
    const log = () => {
      // Rebuilt once when authentication attaches a principal, so later lines carry its key id.
      const keyId = req.principal?.keyId;
      if (!child || childKeyId !== keyId) {
        child = logger.child(keyId === undefined ? { reqId: id } : { reqId: id, keyId });
        childKeyId = keyId;
      }
      return child;
    };
    Object.defineProperty(req, 'log', { get: log, configurable: true });
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({ reqId: id, keyId: req.principal?.keyId, method: req.method, url: req.originalUrl, status, ms: Math.round(performance.now() - start) }, 'request completed');
    });
    next();
  };
}
