// npm run bench: POST /v1/token throughput and latency under concurrent load on loopback, for the
// control plane (API key with its scope, rate limit in Redis, the idempotency middleware: all on)
// and, in the same run, for two baselines signing the same JWT: a bare node:http handler and an
// empty Express 5 app. A last row sends a fresh Idempotency-Key with every request, as the SDK does.
//
// The machine may be shared, and its load moves within a run, so the servers are measured in
// turns (bare, Express, control plane, keyed; again; …) and each figure is the median over rounds.
// Beside req/s each row gives the server's CPU time per request, which moves far less with the
// machine's load; the ratios are given for both.
import { randomUUID } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BENCH_ENV, TOKEN_BODY } from './bench-env.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Round {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpuUsPerRequest: number;
}

interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  idempotencyKeys: boolean;
  rounds: Round[];
}

async function start(name: string, script: string, idempotencyKeys = false): Promise<Server> {
  // Server output (the app's JSON logs) goes to /dev/null, as a production log shipper would take it off-box.
  // BENCH_PROFILE=<dir>: each server writes V8 CPU profiles (its main thread's is the largest file)
  // into a folder of its own there; read them with cpu-profile-summary.ts.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}/${name.replace(/\W+/g, '-')}`] : [];
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { name, child, port, idempotencyKeys, rounds: [] };
}

/** The server's CPU time so far (user + system, µs), asked over IPC (bench-child.ts). */
function cpuUs(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      const cpu = (m as { cpuUs?: number }).cpuUs;
      if (cpu === undefined) return;
      child.off('message', onMessage);
      resolve(cpu);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

async function load(s: Server, duration: number): Promise<Round> {
  const before = await cpuUs(s.child);
  const result = await autocannon({
    url: `http://127.0.0.1:${s.port}/v1/token`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': BENCH_ENV.API_SECRET },
    body: TOKEN_BODY,
    connections: CONNECTIONS,
    duration,
    ...(s.idempotencyKeys
      ? { requests: [{ setupRequest: (r: autocannon.Request) => ({ ...r, headers: { ...r.headers, 'idempotency-key': randomUUID() } }) }] }
      : {}),
  });
  const cpu = (await cpuUs(s.child)) - before;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuUsPerRequest: cpu / Math.max(1, result.requests.total),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The median round by throughput, with the medians of the other figures. */
function summary(s: Server): Round {
  return {
    rps: median(s.rounds.map((r) => r.rps)),
    p50: median(s.rounds.map((r) => r.p50)),
    p99: median(s.rounds.map((r) => r.p99)),
    errors: s.rounds.reduce((n, r) => n + r.errors, 0),
    cpuUsPerRequest: median(s.rounds.map((r) => r.cpuUsPerRequest)),
  };
}

const servers = [
  await start('baseline: bare node:http', './bare-token-server.ts'),
  await start('baseline: empty Express 5', './express-token-server.ts'),
  await start('rtcstack control plane', './app-token-server.ts'),
];
// The same control-plane process, sent a fresh Idempotency-Key with each request.
servers.push({ ...servers[2]!, name: '  … with an Idempotency-Key', idempotencyKeys: true, rounds: [] });
try {
  for (const s of servers) await load(s, 2); // warm-up: JIT, connection pools
  for (let r = 0; r < ROUNDS; r++) for (const s of servers) s.rounds.push(await load(s, DURATION_S));
} finally {
  await Promise.all(
    servers.slice(0, 3).map(async (s) => {
      const exited = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      await exited; // and a profile is written
    }),
  );
}

console.log(`POST /v1/token, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_S} s per server in turns after a 2 s warm-up (medians), loopback`);
const [bare, empty, app, keyed] = servers.map((s) => {
  const f = summary(s);
  const spread = s.rounds.map((r) => r.rps.toFixed(0)).join(', ');
  console.log(
    `  ${s.name.padEnd(28)} ${f.rps.toFixed(0).padStart(6)} req/s   p50 ${f.p50.toFixed(1).padStart(5)} ms   p99 ${f.p99.toFixed(1).padStart(5)} ms   ${f.cpuUsPerRequest.toFixed(0).padStart(4)} µs CPU/req   errors ${f.errors}   (rounds: ${spread} req/s)`,
  );
  return f;
}) as [Round, Round, Round, Round];
const ratio = app.rps / empty.rps;
console.log(
  `  ratio control plane / empty Express 5: ${ratio.toFixed(2)}× throughput (goal ≥ 0.80×: ${ratio >= 0.8 ? 'met' : 'not met'}), ${(empty.cpuUsPerRequest / app.cpuUsPerRequest).toFixed(2)}× by CPU per request, p99 ${(app.p99 / empty.p99).toFixed(2)}×`,
);
console.log(`  ratio empty Express 5 / bare node:http: ${(empty.rps / bare.rps).toFixed(2)}× (the framework alone); control plane / bare: ${(app.rps / bare.rps).toFixed(2)}×`);
console.log(`  ratio with an Idempotency-Key per request / without: ${(keyed.rps / app.rps).toFixed(2)}× (one Postgres claim and one write per request)`);
if ([bare, empty, app, keyed].some((f) => f.errors > 0)) {
  console.error('  some requests failed; the figures above are not trustworthy');
  process.exitCode = 1;
}
