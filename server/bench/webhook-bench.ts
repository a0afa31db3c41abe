// npm run bench (webhooks part): outbox throughput and latency from event to a local receiver,
// beside a baseline measured in the same run: the same signed POSTs sent straight from a loop at
// the same concurrency, with no outbox. Needs Postgres: `eval "$(scripts/stack env)"`.
//
// The machine is shared and its load moves, so the two are measured in turns (direct, outbox,
// direct, outbox, …) and each outbox round is compared with the direct rounds either side of it:
// the ratio printed is the median over rounds, with its spread.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { WebhookEvent } from '@livekit/protocol';
import knexFactory from 'knex';
import { pino } from 'pino';
import { createDeps, createServices } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrateLatest } from '../src/db/knex.js';
import { attemptDelivery } from '../src/webhooks/delivery-worker.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

// A database of its own: no other process's delivery worker can claim these deliveries, and the
// stack's database keeps no benchmark rows.
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is not set: run eval "$(scripts/stack env)" first');
const withDatabase = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();
const benchDb = `rtcstack_bench_${randomBytes(4).toString('hex')}`;
const admin = knexFactory({ client: 'pg', connection: withDatabase(databaseUrl, 'postgres') });
await admin.raw(`CREATE DATABASE ${benchDb}`);

const config = loadConfig({
  ...process.env,
  DATABASE_URL: withDatabase(databaseUrl, benchDb),
  LOG_LEVEL: 'silent',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_CONCURRENCY: String(CONCURRENCY),
  WEBHOOK_POLL_MS: '50',
});
const deps = createDeps(config, pino({ level: 'silent' }));
await migrateLatest(deps.db);
const services = createServices(deps);

const arrivals = new Map<string, number>();
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    // The first arrival counts: a direct POST sent again after a timeout must not move it.
    const id = String(req.headers['x-rtcstack-event-id']);
    if (!arrivals.has(id)) arrivals.set(id, performance.now());
    res.writeHead(200).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

interface Run {
  rate: number;
  p50: number;
  p99: number;
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const median = (xs: number[]) => pct(xs, 50);
const waitAll = async (ids: Iterable<string>) => {
  for (const id of ids) while (!arrivals.has(id)) await new Promise((r) => setTimeout(r, 5));
};
/** Throughput from t0 to the last arrival, and each id's latency from its stamp to its arrival. */
const figures = (sent: Map<string, number>, t0: number): Run => {
  const lat = [...sent].map(([id, at]) => arrivals.get(id)! - at);
  const end = Math.max(...[...sent.keys()].map((id) => arrivals.get(id)!));
  return { rate: sent.size / ((end - t0) / 1000), p50: pct(lat, 50), p99: pct(lat, 99) };
};
const line = (name: string, r: Run) =>
  `  ${name.padEnd(30)} ${r.rate.toFixed(0).padStart(6)} deliveries/s   p50 ${r.p50.toFixed(1).padStart(7)} ms   p99 ${r.p99.toFixed(1).padStart(7)} ms`;

/**
 * Baseline: the same signed bodies POSTed directly, CONCURRENCY at a time. A failed POST (a timeout
 * on a busy machine) is sent again, as the outbox would, so that every id arrives.
 */
async function direct(tag: string): Promise<Run> {
  const sent = new Map<string, number>();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) {
        const id = `EV_direct_${tag}_${next++}`;
        sent.set(id, performance.now());
        const body = JSON.stringify({ id, type: 'room_created' });
        for (;;) {
          const r = await attemptDelivery(url, 'bench-secret-0123456789', { id, type: 'room_created', deliveryId: `dl_${id}`, body }, { timeoutMs: 5000, allowPrivate: true });
          if (r.statusCode === 200) break;
        }
      }
    }),
  );
  await waitAll(sent.keys());
  return figures(sent, t0);
}

/** Ingests events as LiveKit would deliver them: each event and its fan-out in one transaction. */
async function ingest(ids: string[], stamps: Map<string, number>, parallel: number): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (i < ids.length) {
        const id = ids[i++]!;
        stamps.set(id, performance.now());
        await services.livekitEvents.receive(new WebhookEvent({ event: 'room_started', id, room: { name: 'bench' } } as never) as never);
      }
    }),
  );
}

/**
 * The outbox, throughput: EVENTS events already queued (ingested with the worker stopped), then
 * drained by the worker: how fast deliveries leave once they are in the outbox.
 */
async function drain(tag: string): Promise<Run & { ingestRate: number }> {
  const queued = new Map<string, number>();
  const ti = performance.now();
  await ingest(Array.from({ length: EVENTS }, (_, k) => `EV_q_${tag}_${k}`), queued, 8);
  const ingestRate = EVENTS / ((performance.now() - ti) / 1000);
  const t1 = performance.now();
  for (const id of queued.keys()) queued.set(id, t1);
  await services.deliveryWorker.start();
  await waitAll(queued.keys());
  await services.deliveryWorker.stop();
  return { ...figures(queued, t1), ingestRate };
}

await services.webhooks.create({ url, events: ['room_created'] });
try {
  // JIT, sockets and the database's caches warm on both paths before anything is measured.
  await direct('warmup');
  await drain('warmup');
  const directs: Run[] = [await direct('d0')];
  const drains: Array<Run & { ingestRate: number }> = [];
  for (let r = 1; r <= ROUNDS; r++) {
    drains.push(await drain(`o${r}`));
    directs.push(await direct(`d${r}`));
  }

  // The outbox, latency: events arriving at a steady 100/s (well above what a video platform's
  // rooms produce) while the worker runs, timed from ingest to the receiver.
  await services.deliveryWorker.start();
  const paced = new Map<string, number>();
  const pacedIds = Array.from({ length: 500 }, (_, k) => `EV_p_${k}`);
  for (let k = 0; k < pacedIds.length; k += 10) {
    const tick = performance.now();
    await ingest(pacedIds.slice(k, k + 10), paced, 10);
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - tick))));
  }
  await waitAll(paced.keys());
  await services.deliveryWorker.stop();
  const steady = figures(paced, 0);

  // Each drain against the faster of the direct rounds either side of it.
  const ratios = drains.map((o, i) => o.rate / Math.max(directs[i]!.rate, directs[i + 1]!.rate));
  console.log(
    `webhooks: local receiver, ${CONCURRENCY} concurrent sends, ${EVENTS} deliveries a round, ${ROUNDS} rounds; ingest (durable: event + fan-out per transaction) ran at ${median(drains.map((d) => d.ingestRate)).toFixed(0)} events/s`,
  );
  directs.forEach((d, i) => {
    console.log(line(`baseline (direct POSTs) #${i}`, d));
    if (drains[i]) console.log(line(`outbox drain #${i + 1} (${EVENTS} queued)`, drains[i]!));
  });
  console.log(`  ${'outbox at 100 events/s'.padEnd(30)} event → receiver p50 ${steady.p50.toFixed(1).padStart(6)} ms   p99 ${steady.p99.toFixed(1).padStart(6)} ms`);
  const ratio = median(ratios);
  console.log(
    `  ratio outbox / direct: ${ratio.toFixed(2)}× throughput, median of ${ratios.map((x) => x.toFixed(2)).join(', ')} (goal ≥ 0.90×: ${ratio >= 0.9 ? 'met' : 'not met'}); p99 at 100/s ${steady.p99.toFixed(0)} ms (goal ≤ 100 ms: ${steady.p99 <= 100 ? 'met' : 'not met'})`,
  );
} finally {
  await services.deliveryWorker.stop();
  receiver.closeAllConnections();
  receiver.close();
  await deps.db.destroy();
  await admin.raw(`DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`);
  await admin.destroy();
}
