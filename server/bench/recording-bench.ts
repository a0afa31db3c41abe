// npm run bench:recording — time from recording/start to egress active, and from stop to the file
// complete in MinIO, through the control plane and (in the same run) calling egress directly.
// Needs the native stack with egress and MinIO: `scripts/stack up && eval "$(scripts/stack env)"`.
import { dispose } from '@livekit/rtc-node';
import { EgressStatus, EncodedFileOutput, EncodedFileType, EncodingOptions, AudioCodec, VideoCodec, S3Upload } from 'livekit-server-sdk';
import { pino } from 'pino';
import { createApp, createDeps } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrateLatest } from '../src/db/knex.js';
import { RtcParticipant } from '../test/rtc-participant.js';
import { waitFor } from '../test/wait.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RECORD_MS = 3000;

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const deps = createDeps(config, pino({ level: 'silent' }));
await migrateLatest(deps.db);
const server = createApp(deps).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
const api = async (method: string, path: string) => {
  const res = await fetch(base + path, { method, headers: { 'X-API-Key': config.apiSecret } });
  return (res.status === 204 ? {} : await res.json()) as Record<string, unknown>;
};

const room = `bench-rec-${Date.now()}`;
await fetch(`${base}/v1/rooms`, { method: 'POST', headers: { 'X-API-Key': config.apiSecret, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: room }) });
const tok = await (await fetch(`${base}/v1/token`, {
  method: 'POST',
  headers: { 'X-API-Key': config.apiSecret, 'Content-Type': 'application/json' },
  body: JSON.stringify({ roomId: room, userId: 'bench-speaker', name: 'Speaker', role: 'participant' }),
})).json() as { token: string; url: string };
const speaker = await new RtcParticipant().join(tok.url, tok.token);
await speaker.publishTone();

interface Sample { toActive: number; toComplete: number }

async function viaApi(): Promise<Sample> {
  const t0 = performance.now();
  const started = await api('POST', `/v1/rooms/${room}/recording/start`);
  const id = started.recordingId as string;
  await waitFor('active', async () => (await api('GET', `/v1/recordings/${id}`)).status === 'recording', 60_000, 100);
  const toActive = performance.now() - t0;
  await new Promise((r) => setTimeout(r, RECORD_MS));
  const t1 = performance.now();
  await api('POST', `/v1/rooms/${room}/recording/stop`);
  await waitFor('complete', async () => (await api('GET', `/v1/recordings/${id}`)).status === 'completed', 60_000, 100);
  const toComplete = performance.now() - t1;
  await api('DELETE', `/v1/recordings/${id}`);
  return { toActive, toComplete };
}

async function direct(): Promise<Sample> {
  const key = `recordings/${room}/direct-${Date.now()}.mp4`;
  const s3 = config.s3;
  const output = new EncodedFileOutput({
    fileType: EncodedFileType.MP4,
    filepath: key,
    output: { case: 's3', value: new S3Upload({ accessKey: s3.accessKey, secret: s3.secretKey, region: s3.region, endpoint: s3.endpoint, bucket: s3.bucket, forcePathStyle: s3.forcePathStyle }) },
  });
  const encodingOptions = new EncodingOptions({ audioCodec: config.recording.audioCodec === 'opus' ? AudioCodec.OPUS : AudioCodec.AAC, videoCodec: VideoCodec.H264_MAIN });
  const t0 = performance.now();
  const info = await deps.livekit.egress.startRoomCompositeEgress(room, output, { layout: config.recording.layout, encodingOptions });
  const status = async () => (await deps.livekit.egress.listEgress({ egressId: info.egressId }))[0]?.status;
  await waitFor('active', async () => (await status()) === EgressStatus.EGRESS_ACTIVE, 60_000, 100);
  const toActive = performance.now() - t0;
  await new Promise((r) => setTimeout(r, RECORD_MS));
  const t1 = performance.now();
  await deps.livekit.egress.stopEgress(info.egressId);
  await waitFor('complete', async () => (await status()) === EgressStatus.EGRESS_COMPLETE && (await deps.storage.stat(key)) !== undefined, 60_000, 100);
  const toComplete = performance.now() - t1;
  await deps.storage.remove(key);
  return { toActive, toComplete };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, Sample[]> = { api: [], direct: [] };
for (let i = 0; i < RUNS; i++) {
  // Interleave, so drift on the machine affects both alike.
  results.direct!.push(await direct());
  results.api!.push(await viaApi());
}
console.log(`recording: room composite to MinIO, ${RUNS} runs each, ${RECORD_MS / 1000} s recorded per run (medians)`);
for (const [name, xs] of Object.entries(results)) {
  console.log(`  ${name.padEnd(22)} start→active ${(median(xs.map((x) => x.toActive)) / 1000).toFixed(2)} s   stop→file complete ${(median(xs.map((x) => x.toComplete)) / 1000).toFixed(2)} s`);
}
const a = results.api!, d = results.direct!;
console.log(`  ratio control plane / direct egress: start→active ${(median(a.map((x) => x.toActive)) / median(d.map((x) => x.toActive))).toFixed(2)}×, stop→complete ${(median(a.map((x) => x.toComplete)) / median(d.map((x) => x.toComplete))).toFixed(2)}×`);

await speaker.leave();
await dispose();
server.close();
await deps.db.destroy();
