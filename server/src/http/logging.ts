import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';

const INCOMING_ID = /^[\w.:@=+-]{1,128}$/;

/** The process logger: JSON lines, one per event, with secrets redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'rtcstack-server' },
    redact: { paths: ['req.headers["x-api-key"]', 'req.headers.authorization', '*.apiSecret', '*.token'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/**
 * Per-request logging. Every line logged through `req.log` carries `reqId`; the id is taken from
 * an incoming X-Request-Id when it looks sane (so a proxy's id flows through) and echoed back.
 */
export function requestLogger(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel(_req, res, err) {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return 'info';
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
