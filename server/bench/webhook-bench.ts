// npm run bench (webhooks part): outbox throughput and latency from event to a local receiver,
// beside a baseline measured in the same run: the same signed POSTs sent straight from a loop at
// the same concurrency, with no outbox. Needs Postgres: `eval "$(scripts/stack env)"`.
import { createServer } from 'node:http';
import { WebhookEvent } from '@livekit/protocol';
import { pino } from 'pino';
import { createDeps, createServices } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrateLatest } from '../src/db/knex.js';
import { attemptDelivery } from '../src/webhooks/delivery-worker.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 32);

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CONCURRENCY: String(CONCURRENCY), WEBHOOK_POLL_MS: '50' });
const deps = createDeps(config, pino({ level: 'silent' }));
await migrateLatest(deps.db);
const services = createServices(deps);

const arrivals = new Map<string, number>();
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    arrivals.set(String(req.headers['x-rtcstack-event-id']), performance.now());
    res.writeHead(200).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const report = (name: string, sent: Map<string, number>, t0: number) => {
  const lat = [...sent].map(([id, at]) => arrivals.get(id)! - at);
  const end = Math.max(...[...sent.keys()].map((id) => arrivals.get(id)!));
  const rate = sent.size / ((end - t0) / 1000);
  console.log(`  ${name.padEnd(30)} ${rate.toFixed(0).padStart(6)} deliveries/s   p50 ${pct(lat, 50).toFixed(1).padStart(6)} ms   p99 ${pct(lat, 99).toFixed(1).padStart(6)} ms`);
  return { rate, p99: pct(lat, 99) };
};
const waitAll = async (ids: Iterable<string>) => {
  for (const id of ids) while (!arrivals.has(id)) await new Promise((r) => setTimeout(r, 5));
};

// Baseline: the same signed bodies POSTed directly, CONCURRENCY at a time.
const direct = new Map<string, number>();
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < EVENTS) {
      const id = `EV_direct_${next++}`;
      direct.set(id, performance.now());
      await attemptDelivery(url, 'bench-secret-0123456789', { id, type: 'room_created', deliveryId: `dl_${id}`, body: JSON.stringify({ id, type: 'room_created' }) }, { timeoutMs: 5000, allowPrivate: true });
    }
  }),
);
await waitAll(direct.keys());

// The outbox, throughput: EVENTS events already queued (ingested with the worker stopped), then
// drained by the worker: how fast deliveries leave once they are in the outbox.
const hook = await services.webhooks.create({ url, events: ['room_created'] });
const run = Date.now();
const ingest = async (ids: string[], stamps: Map<string, number>, parallel: number) => {
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
};
const queued = new Map<string, number>();
const ti = performance.now();
await ingest(Array.from({ length: EVENTS }, (_, k) => `EV_q_${run}_${k}`), queued, 8);
const ingestRate = EVENTS / ((performance.now() - ti) / 1000);
const t1 = performance.now();
for (const id of queued.keys()) queued.set(id, t1);
await services.deliveryWorker.start();
await waitAll(queued.keys());

// The outbox, latency: events arriving at a steady 100/s (well above what a video platform's
// rooms produce) while the worker runs, timed from ingest to the receiver.
const paced = new Map<string, number>();
const pacedIds = Array.from({ length: 500 }, (_, k) => `EV_p_${run}_${k}`);
for (let k = 0; k < pacedIds.length; k += 10) {
  const tick = performance.now();
  await ingest(pacedIds.slice(k, k + 10), paced, 10);
  await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - tick))));
}
await waitAll(paced.keys());

console.log(`webhooks: local receiver, ${CONCURRENCY} concurrent sends; ingest (durable: event + fan-out per transaction) ran at ${ingestRate.toFixed(0)} events/s`);
const b = report('baseline (direct POSTs)', direct, t0);
const o = report(`outbox drain (${EVENTS} queued)`, queued, t1);
const lat = [...paced].map(([id, at]) => arrivals.get(id)! - at);
console.log(`  ${'outbox at 100 events/s'.padEnd(30)} event → receiver p50 ${pct(lat, 50).toFixed(1).padStart(6)} ms   p99 ${pct(lat, 99).toFixed(1).padStart(6)} ms`);
console.log(`  ratio outbox / direct: ${(o.rate / b.rate).toFixed(2)}× throughput (goal ≥ 500/s: ${o.rate >= 500 ? 'met' : 'not met'}); p99 at 100/s ${pct(lat, 99).toFixed(0)} ms (goal ≤ 250 ms: ${pct(lat, 99) <= 250 ? 'met' : 'not met'})`);

await services.deliveryWorker.stop();
await services.webhooks.delete(hook.id);
receiver.close();
await deps.db.destroy();
