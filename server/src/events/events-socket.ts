import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator } from '../http/auth.js';
import { MissingScopeError, NotFoundError, ServiceUnavailableError, UnauthorizedError, ValidationError, type HttpError } from '../http/errors.js';
import { toHttpError } from '../http/problem-middleware.js';
import { grants } from '../http/scopes.js';
import { parsePosition } from './event-position.js';
import { csvValues, WsQuerySchema } from './events-schemas.js';
import { withinLimit, type LiveEventsService } from './events-service.js';
import type { CloseReason, EventSink, Subscription } from './subscription.js';
import type { TicketGrant } from './ws-tickets-store.js';

/** Where the events WebSocket lives. */
export const WS_PATH = '/v1/ws';

const CLOSE_CODES: Record<CloseReason, [number, string]> = {
  shutdown: [1012, 'server restarting; reconnect with after=<last position>'],
  'too-slow': [1008, 'client too slow; reconnect with after=<last position>'],
  error: [1011, 'reading events failed; reconnect with after=<last position>'],
};

/**
 * GET /v1/ws: the live events over a WebSocket (seed 000), with the SSE stream's filters and resume
 * point. Authenticated before the upgrade, by X-API-Key or a single-use `?ticket=`; a refusal is
 * an HTTP problem+json answer (401, 403, 400, 503), never an upgrade. The server pings every
 * heartbeat and drops a client that missed a pong; a client may also send `{"type":"ping"}` and
 * gets `{"type":"pong"}` (browsers cannot send protocol pings).
 */
export class EventsSocket {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4096 });

  constructor(
    private readonly deps: { authenticate: Authenticator; events: LiveEventsService; heartbeatMs: number; logger: Logger },
  ) {}

  /** The HTTP server's `upgrade` listener. */
  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    this.upgrade(req, socket, head).catch((err: unknown) => {
      const mapped = toHttpError(err);
      if (!mapped) this.deps.logger.error({ err }, 'WebSocket upgrade failed');
      refuse(socket, mapped ?? new ServiceUnavailableError('The WebSocket could not be opened; retry shortly'));
    });
  };

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.replace(/\/$/, '') !== WS_PATH) return refuse(socket, new NotFoundError(`No WebSocket at ${url.pathname}`));
    const params = Object.fromEntries(url.searchParams);
    const { principal, selector: limit } = await this.grantOf(req, params.ticket);
    if (!grants(principal.scopes, 'events:read')) throw new MissingScopeError('events:read');
    const parsed = WsQuerySchema.safeParse(params);
    if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => ({ field: ['query', ...i.path.map(String)].join('.'), message: i.message })));
    const q = parsed.data;
    const selector = withinLimit({ rooms: csvValues(q.room), types: csvValues(q.type) }, limit);
    await this.deps.events.open(selector, q.after ? parsePosition(q.after) : undefined, (sub) => this.accept(req, socket, head, sub));
  }

  /** X-API-Key first (as on every route); else the ticket, which works once. */
  private async grantOf(req: IncomingMessage, ticket: string | undefined): Promise<TicketGrant> {
    const key = req.headers['x-api-key'];
    if (typeof key === 'string' && key !== '') {
      const principal = await this.deps.authenticate(key);
      if (!principal) throw new UnauthorizedError('Invalid, revoked or expired X-API-Key');
      return { principal, selector: null };
    }
    if (ticket) {
      const grant = await this.deps.events.redeemTicket(ticket);
      if (!grant) throw new UnauthorizedError('Invalid, used or expired ticket; get a new one from POST /v1/ws/tickets');
      return grant;
    }
    throw new UnauthorizedError('Missing credentials: send X-API-Key, or ?ticket= from POST /v1/ws/tickets');
  }

  /** Completes the upgrade; rejects when the client went away meanwhile (the subscription is then dropped). */
  private accept(req: IncomingMessage, socket: Duplex, head: Buffer, sub: Subscription): Promise<EventSink> {
    return new Promise((resolve, reject) => {
      if (socket.destroyed) return reject(new Error('the client went away before the upgrade'));
      const gone = () => reject(new Error('the client went away during the upgrade'));
      socket.once('close', gone);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        socket.off('close', gone);
        resolve(this.serve(ws, socket, sub));
      });
    });
  }

  private serve(ws: WebSocket, socket: Duplex, sub: Subscription): EventSink {
    let closed = false;
    let alive = true;
    const heartbeat = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, this.deps.heartbeatMs);
    heartbeat.unref();
    ws.on('pong', () => (alive = true));
    ws.on('message', (data, isBinary) => {
      alive = true;
      if (isBinary) return;
      try {
        if ((JSON.parse(String(data)) as { type?: unknown })?.type === 'ping') ws.send('{"type":"pong"}');
      } catch {
        // Anything else a client sends is ignored: the stream only flows one way.
      }
    });
    ws.on('error', (err) => this.deps.logger.debug({ err }, 'events WebSocket error'));
    ws.on('close', () => {
      closed = true;
      clearInterval(heartbeat);
      this.deps.events.close(sub);
    });
    return {
      write(event) {
        if (!closed) ws.send(event.jsonMessage);
      },
      get buffered() {
        return ws.bufferedAmount;
      },
      drained() {
        if (closed || socket.writableLength === 0) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const done = () => {
            socket.off('drain', done);
            socket.off('close', done);
            resolve();
          };
          socket.on('drain', done);
          socket.on('close', done);
        });
      },
      close(reason) {
        if (closed) return;
        const [code, why] = CLOSE_CODES[reason];
        ws.close(code, why);
        // A client that never answers the close handshake is cut off.
        setTimeout(() => ws.terminate(), 5000).unref();
      },
      get closed() {
        return closed || ws.readyState !== ws.OPEN;
      },
    };
  }

  /** Closes the WebSocket server (its connections are ended through their subscriptions). */
  close(): void {
    this.wss.close();
  }
}

/** Answers an upgrade request with a problem+json HTTP response instead of switching protocols. */
function refuse(socket: Duplex, err: HttpError): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ type: err.type, title: err.title, status: err.status, detail: err.message, ...err.extra });
  const retry = err instanceof ServiceUnavailableError ? `Retry-After: ${err.retryAfterSeconds}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ''}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}Connection: close\r\n\r\n${body}`,
  );
}

const SOCKET_LOCAL = 'rtcstackEventsSocket';

/** Hands the events WebSocket to attachWebSocket (createApp builds it, main.ts and tests attach it). */
export function provideEventsSocket(app: Express, socket: EventsSocket): void {
  app.locals[SOCKET_LOCAL] = socket;
}

/**
 * Serves GET /v1/ws on `server` (the HTTP server that runs `app`): main.ts calls it on the listening
 * server, tests on an `http.createServer(app)`. Answers the EventsSocket, to close on shutdown.
 */
export function attachWebSocket(server: Server, app: Express): EventsSocket {
  const socket = app.locals[SOCKET_LOCAL] as EventsSocket | undefined;
  if (!socket) throw new Error('this app serves no events WebSocket (createApp provides it)');
  server.on('upgrade', socket.onUpgrade);
  return socket;
}
