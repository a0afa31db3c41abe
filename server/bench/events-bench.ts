// npm run bench (live events part): SSE fan-out on one replica. SUBSCRIBERS concurrent GET /v1/events
// streams; EVENTS LiveKit webhooks posted at RATE/s; for each event the time from posting it to its
// arrival at every subscriber, and the server's RSS before and after the subscribers connect. Beside
// it, in the same run: the same fan-out through a bare node:http SSE server (no database, framework
// or auth), and the control plane with one subscriber. Needs the stack: `eval "$(scripts/stack env)"`.
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { WebhookEvent } from '@livekit/protocol';
import { AccessToken } from 'livekit-server-sdk';

const SUBSCRIBERS = Number(process.env.BENCH_SSE_SUBSCRIBERS ?? 500);
const EVENTS = Number(process.env.BENCH_SSE_EVENTS ?? 200);
const RATE = Number(process.env.BENCH_SSE_RATE ?? 20);
const env = (name: string) => process.env[name] ?? (() => {
  throw new Error(`${name} is not set: run \`eval "$(scripts/stack env)"\` first`);
})();
const apiSecret = env('API_SECRET');

interface Server {
  child: ChildProcess;
  port: number;
  rss(): Promise<number>;
}

async function start(script: string): Promise<Server> {
  // Server output (the app's JSON logs) goes to /dev/null, as a production log shipper would take it off-box.
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const rss = () =>
    new Promise<number>((resolve) => {
      const on = (m: unknown) => {
        if (typeof (m as { rss?: unknown }).rss !== 'number') return;
        child.off('message', on);
        resolve((m as { rss: number }).rss);
      };
      child.on('message', on);
      child.send('rss');
    });
  return { child, port, rss };
}

/** One subscriber: an SSE stream whose events' arrival times are recorded by event id. */
interface Subscriber {
  arrivals: Map<string, number>;
  close(): void;
}

function subscribe(url: string, headers: Record<string, string>): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const arrivals = new Map<string, number>();
    const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET ${url} answered ${res.statusCode}`));
      let pending = '';
      let ready = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        pending += chunk;
        let cut: number;
        while ((cut = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          // The stream is open once the server has subscribed it (its first write is the retry hint).
          if (!ready && block.startsWith('retry:')) {
            ready = true;
            resolve({ arrivals, close: () => req.destroy() });
          }
          const data = block.split('\n').find((l) => l.startsWith('data:'));
          if (data) arrivals.set((JSON.parse(data.slice(5)) as { id: string }).id, at);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Posts an event (built by `prepare`, outside the timing) and answers when the post was sent. */
type Publisher = { prepare(id: string): Promise<() => Promise<void>> };

const post = (port: number, path: string, headers: Record<string, string>, body: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode! < 300 ? resolve() : reject(new Error(`POST ${path} answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });

/** A participant_joined webhook, signed as livekit-server signs it. */
const livekitPublisher = (port: number): Publisher => ({
  async prepare(id) {
    const body = new WebhookEvent({ event: 'participant_joined', id, createdAt: BigInt(Math.floor(Date.now() / 1000)), room: { name: 'bench-events', sid: 'RM_bench' }, participant: { identity: 'bench', sid: 'PA_bench' } } as never).toJsonString();
    const at = new AccessToken(env('LIVEKIT_API_KEY'), env('LIVEKIT_API_SECRET'));
    at.sha256 = createHash('sha256').update(body).digest('base64');
    const jwt = await at.toJwt();
    return () => post(port, '/v1/livekit/webhook', { 'Content-Type': 'application/webhook+json', Authorization: jwt }, body);
  },
});

/** The same body the control plane would send, to the bare server. */
const barePublisher = (port: number): Publisher => ({
  async prepare(id) {
    const body = JSON.stringify({ id, type: 'participant_joined', createdAt: new Date().toISOString(), data: { room: { name: 'bench-events', sid: 'RM_bench' }, participant: { identity: 'bench', sid: 'PA_bench' } } });
    return () => post(port, '/publish', { 'Content-Type': 'application/json' }, body);
  },
});

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

interface Figures {
  /** Per event: until the last subscriber had it. */
  everyP50: number;
  everyP99: number;
  /** Per (event, subscriber) delivery. */
  eachP50: number;
  eachP99: number;
  /** Until the publishing POST was answered (for the control plane: the event committed). */
  postP50: number;
  rssIdle: number;
  rssSubscribed: number;
  rssAfter: number;
}

async function measure(server: Server, url: string, headers: Record<string, string>, publisher: Publisher, subscribers: number, events: number): Promise<Figures> {
  const rssIdle = await server.rss();
  const subs: Subscriber[] = [];
  // Connected in batches, as clients arrive; every one is subscribed before the first event.
  for (let i = 0; i < subscribers; i += 50) subs.push(...(await Promise.all(Array.from({ length: Math.min(50, subscribers - i) }, () => subscribe(url, headers)))));
  await new Promise((r) => setTimeout(r, 500));
  const rssSubscribed = await server.rss();
  const run = randomBytes(4).toString('hex');
  const sentAt = new Map<string, number>();
  const posts: Promise<void>[] = [];
  const postDone: number[] = [];
  const t0 = performance.now();
  for (let k = 0; k < events; k++) {
    const id = `EV_bench_${run}_${k}`;
    const send = await publisher.prepare(id);
    const due = t0 + (k * 1000) / RATE;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    const sent = performance.now();
    sentAt.set(id, sent);
    posts.push(send().then(() => void postDone.push(performance.now() - sent)));
  }
  await Promise.all(posts);
  const deadline = Date.now() + 60_000;
  while (!subs.every((s) => [...sentAt.keys()].every((id) => s.arrivals.has(id)))) {
    if (Date.now() > deadline) throw new Error('not every subscriber received every event within 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const rssAfter = await server.rss();
  for (const s of subs) s.close();
  const every: number[] = [];
  const each: number[] = [];
  for (const [id, at] of sentAt) {
    let last = 0;
    for (const s of subs) {
      const lat = s.arrivals.get(id)! - at;
      each.push(lat);
      last = Math.max(last, lat);
    }
    every.push(last);
  }
  return { everyP50: pct(every, 50), everyP99: pct(every, 99), eachP50: pct(each, 50), eachP99: pct(each, 99), postP50: pct(postDone, 50), rssIdle, rssSubscribed, rssAfter };
}

function report(name: string, f: Figures, subscribers: number) {
  const perSub = subscribers > 1 ? `, ${(((f.rssSubscribed - f.rssIdle) / subscribers) / 1024).toFixed(0)} KB per subscriber` : '';
  console.log(
    `  ${name.padEnd(34)} every subscriber p50 ${f.everyP50.toFixed(1).padStart(6)} ms  p99 ${f.everyP99.toFixed(1).padStart(6)} ms   each delivery p50 ${f.eachP50.toFixed(1).padStart(6)} ms  p99 ${f.eachP99.toFixed(1).padStart(6)} ms   post answered p50 ${f.postP50.toFixed(1).padStart(5)} ms   RSS ${mb(f.rssIdle)} idle → ${mb(f.rssSubscribed)} subscribed → ${mb(f.rssAfter)} after${perSub}`,
  );
}

console.log(`live events: ${SUBSCRIBERS} concurrent SSE subscribers on one replica, ${EVENTS} events at ${RATE}/s, loopback; latency from posting an event to its arrival`);
const bare = await start('./bare-sse-server.ts');
let bareFigures: Figures;
try {
  await measure(bare, `http://127.0.0.1:${bare.port}/events`, {}, barePublisher(bare.port), 10, 20); // warm-up
  bareFigures = await measure(bare, `http://127.0.0.1:${bare.port}/events`, {}, barePublisher(bare.port), SUBSCRIBERS, EVENTS);
} finally {
  bare.child.kill('SIGTERM');
}
const app = await start('./app-events-server.ts');
try {
  const url = `http://127.0.0.1:${app.port}/v1/events?room=bench-events`;
  const headers = { 'X-API-Key': apiSecret };
  await measure(app, url, headers, livekitPublisher(app.port), 10, 20); // warm-up: JIT, pools, the hub's LISTEN
  const one = await measure(app, url, headers, livekitPublisher(app.port), 1, Math.min(EVENTS, 100));
  const many = await measure(app, url, headers, livekitPublisher(app.port), SUBSCRIBERS, EVENTS);
  report(`baseline (bare node:http SSE, ${SUBSCRIBERS})`, bareFigures, SUBSCRIBERS);
  report('control plane, 1 subscriber', one, 1);
  report(`control plane, ${SUBSCRIBERS} subscribers`, many, SUBSCRIBERS);
  console.log(
    `  event → every one of ${SUBSCRIBERS} subscribers: p99 ${many.everyP99.toFixed(0)} ms (bare fan-out ${bareFigures.everyP99.toFixed(0)} ms, one subscriber ${one.everyP99.toFixed(0)} ms: the durable path — webhook verified, stored, committed, announced, read once — costs the difference)`,
  );
} finally {
  app.child.kill('SIGTERM');
}
