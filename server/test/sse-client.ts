import { request, type IncomingHttpHeaders } from 'node:http';
import { waitFor } from './wait.js';

/** One Server-Sent Events frame. */
export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A minimal Server-Sent Events client over node:http (no reconnection, so a test decides when and
 * how to resume): it records every frame, comment and `retry:` hint as they arrive.
 */
export class SseClient {
  readonly frames: SseFrame[] = [];
  readonly comments: string[] = [];
  retry?: number;
  ended = false;
  /** The body of a refused request (not 200). */
  body = '';
  private pending = '';

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly destroy: () => void,
  ) {}

  /** Opens `url`; resolves once the response's headers have arrived. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
        const client = new SseClient(res.statusCode ?? 0, res.headers, () => req.destroy());
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (client.status === 200 ? client.feed(chunk) : (client.body += chunk)));
        res.on('end', () => (client.ended = true));
        res.on('error', () => (client.ended = true));
        resolve(client);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The frames' parsed `data`. */
  get events(): Array<{ id: string; type: string; createdAt: string; data: Record<string, unknown> }> {
    return this.frames.map((f) => JSON.parse(f.data));
  }

  /** Waits until at least `n` frames arrived. */
  async waitForFrames(n: number, timeoutMs = 15_000): Promise<SseFrame[]> {
    return waitFor(`${n} SSE frames (have ${this.frames.length})`, async () => this.frames.length >= n && this.frames, timeoutMs, 25);
  }

  close(): void {
    this.destroy();
  }

  private feed(chunk: string): void {
    this.pending += chunk;
    let cut: number;
    while ((cut = this.pending.indexOf('\n\n')) >= 0) {
      const block = this.pending.slice(0, cut);
      this.pending = this.pending.slice(cut + 2);
      const frame: SseFrame = { data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('retry:')) this.retry = Number(line.slice(6).trim());
        else if (line.startsWith('id:')) frame.id = line.slice(3).trim();
        else if (line.startsWith('event:')) frame.event = line.slice(6).trim();
        else if (line.startsWith('data:')) {
          frame.data += (hasData ? '\n' : '') + line.slice(5).trim();
          hasData = true;
        }
      }
      if (hasData) this.frames.push(frame);
    }
  }
}
