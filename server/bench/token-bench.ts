// npm run bench: POST /v1/token throughput and latency under concurrent load on loopback, for the
// control plane (API key with its scope, rate limit in Redis, the idempotency middleware: all on)
// and, in the same run, for two baselines signing the same JWT: a bare node:http handler and an
// empty Express 5 app. A last row sends a fresh Idempotency-Key with every request, as the SDK does.
import { randomUUID } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BENCH_ENV, TOKEN_BODY } from './bench-env.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function start(script: string): Promise<{ child: ChildProcess; port: number }> {
  // Server output (the app's JSON logs) goes to /dev/null, as a production log shipper would take it off-box.
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, port };
}

async function load(port: number, duration: number, idempotencyKeys: boolean): Promise<Figures> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/token`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': BENCH_ENV.API_SECRET },
    body: TOKEN_BODY,
    connections: CONNECTIONS,
    duration,
    ...(idempotencyKeys
      ? { requests: [{ setupRequest: (r: autocannon.Request) => ({ ...r, headers: { ...r.headers, 'idempotency-key': randomUUID() } }) }] }
      : {}),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function measure(name: string, script: string, idempotencyKeys = false): Promise<Figures> {
  const { child, port } = await start(script);
  try {
    await load(port, 2, idempotencyKeys); // warm-up: JIT, connection pools
    const runs: Figures[] = [];
    for (let i = 0; i < ROUNDS; i++) runs.push(await load(port, DURATION_S, idempotencyKeys));
    const best = runs.reduce((a, b) => (b.rps > a.rps ? b : a));
    console.log(`  ${name.padEnd(28)} ${best.rps.toFixed(0).padStart(7)} req/s   p50 ${best.p50.toFixed(1).padStart(6)} ms   p99 ${best.p99.toFixed(1).padStart(6)} ms   errors ${best.errors}`);
    return best;
  } finally {
    child.kill('SIGTERM');
  }
}

console.log(`POST /v1/token, ${CONNECTIONS} connections, ${ROUNDS}×${DURATION_S}s after a 2 s warm-up (best round), loopback`);
const bare = await measure('baseline: bare node:http', './bare-token-server.ts');
const empty = await measure('baseline: empty Express 5', './express-token-server.ts');
const app = await measure('rtcstack control plane', './app-token-server.ts');
const keyed = await measure('  … with an Idempotency-Key', './app-token-server.ts', true);
console.log(`  ratio control plane / empty Express 5: ${(app.rps / empty.rps).toFixed(2)}× throughput (goal ≥ 0.80×), p99 ${(app.p99 / empty.p99).toFixed(2)}×`);
console.log(`  ratio empty Express 5 / bare node:http: ${(empty.rps / bare.rps).toFixed(2)}× (the framework alone); control plane / bare: ${(app.rps / bare.rps).toFixed(2)}×`);
console.log(`  ratio with an Idempotency-Key per request / without: ${(keyed.rps / app.rps).toFixed(2)}× (one Postgres claim and one write per request)`);
if ([bare, empty, app, keyed].some((f) => f.errors > 0)) {
  console.error('  some requests failed; the figures above are not trustworthy');
  process.exitCode = 1;
}
