import type { Request, Response } from 'express';
import type { EventSink } from './subscription.js';

/** How long an EventSource waits before reconnecting (the `retry:` hint). */
export const SSE_RETRY_MS = 3000;

/** True when the client asked for Server-Sent Events rather than the JSON list. */
export function wantsEventStream(req: Request): boolean {
  return req.accepts(['application/json', 'text/event-stream']) === 'text/event-stream';
}

/**
 * Turns `res` into a Server-Sent Events stream and answers its sink. Nothing may buffer or
 * compress it on the way (`no-transform`, `X-Accel-Buffering: no`); a `: ping` comment every
 * `heartbeatMs` keeps proxies from closing an idle stream and lets the client notice a dead one.
 * `onClose` runs once, whichever side ends the stream.
 */
export function openEventStream(req: Request, res: Response, opts: { heartbeatMs: number }, onClose: () => void): EventSink {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  res.setHeader('Connection', 'keep-alive');
  res.flushHeaders();
  req.socket.setNoDelay(true);
  res.write(`retry: ${SSE_RETRY_MS}\n\n`);

  let closed = false;
  const heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs);
  heartbeat.unref();
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    onClose();
  };
  res.on('close', finish);
  return {
    write(event) {
      if (!closed) res.write(event.sseFrame);
    },
    get buffered() {
      return res.writableLength;
    },
    drained() {
      if (closed || res.writableLength === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    },
    close(reason) {
      if (closed) return;
      // On shutdown the connection goes too: idling on keep-alive, it would hold the server open.
      if (reason === 'shutdown') res.end(() => res.socket?.end());
      else res.end();
      finish();
    },
    get closed() {
      return closed;
    },
  };
}
