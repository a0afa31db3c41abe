// npm run bench (live transcription part): how long after a sentence ends its final segment is
// readable through GET /v1/rooms/:id/transcription (p50, p95), and the offline engine's real-time
// factor inside the live pipeline, beside faster-whisper run directly on the same audio in the same run.
// Needs the native stack and scripts/install-whisper: `scripts/stack up && eval "$(scripts/stack env)"`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dispose } from '@livekit/rtc-node';
import { pino } from 'pino';
import { createApp, createDeps, createServices } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrateLatest } from '../src/db/knex.js';
import { RtcParticipant } from '../test/rtc-participant.js';
import { Microphone, SPEECH_RATE, synthesize } from '../test/speech.js';
import { freePort, startSttLive } from '../test/sidecar-process.js';
import { waitFor } from '../test/wait.js';

const SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'Please send the quarterly report by Friday.',
  'Our video platform records every meeting.',
  'The weather today is sunny and warm.',
  'We will ship the new release next week.',
  'Can everyone hear me clearly now?',
  'Let us review the action items from yesterday.',
  'Thank you all for joining this call.',
];
const run = promisify(execFile);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const sidecar = await startSttLive();
const port = await freePort();
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', STT_LIVE_URL: sidecar.url, INTERNAL_URL: `http://127.0.0.1:${port}` });
const deps = createDeps(config, pino({ level: 'silent' }));
await migrateLatest(deps.db);
const server = createApp(deps, createServices(deps)).listen(port, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${port}`;
const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(base + path, {
    method,
    headers: { 'X-API-Key': config.apiSecret, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return (res.status === 204 ? {} : await res.json()) as Record<string, unknown>;
};

const room = `bench-live-${Date.now()}`;
await api('POST', '/v1/rooms', { name: room });
const tok = (await api('POST', '/v1/token', { roomId: room, userId: 'bench-speaker', name: 'Speaker', role: 'participant' })) as { token: string; url: string };
const speaker = await new RtcParticipant().join(tok.url, tok.token);
const mic = new Microphone();
await mic.publish(speaker.room);
await api('POST', `/v1/rooms/${room}/transcription/start`, { language: 'en-US' });
await new Promise((r) => setTimeout(r, 1500));

const speech = await Promise.all(SENTENCES.map((s) => synthesize(s)));
const latencies: number[] = [];
let seen = 0;
for (const pcm of speech) {
  await mic.say(pcm);
  const spokenAt = performance.now();
  await waitFor('the final segment', async () => ((await api('GET', `/v1/rooms/${room}/transcription`)).segments as unknown[]).length > seen, 30_000, 20);
  latencies.push(performance.now() - spokenAt);
  seen = ((await api('GET', `/v1/rooms/${room}/transcription`)).segments as unknown[]).length;
  await new Promise((r) => setTimeout(r, 800));
}
const health = (await (await fetch(`${sidecar.url}/health`)).json()) as { stats?: { audioSeconds: number; busySeconds: number } };
await api('POST', `/v1/rooms/${room}/transcription/stop`);
await mic.close();
await speaker.leave();

// The same audio, as one 16 kHz file, through faster-whisper directly (same model, threads, int8).
const dir = await mkdtemp(join(tmpdir(), 'rtcstack-bench-'));
const pcm48 = Buffer.concat(speech.flatMap((s) => [Buffer.from(s.buffer, s.byteOffset, s.byteLength), Buffer.alloc(SPEECH_RATE * 2 * 0.8)]));
await writeFile(join(dir, 'speech.raw'), pcm48);
await run('ffmpeg', ['-loglevel', 'error', '-f', 's16le', '-ar', String(SPEECH_RATE), '-ac', '1', '-i', join(dir, 'speech.raw'), '-ar', '16000', join(dir, 'speech.wav')]);
const modelDir = process.env.WHISPER_MODEL_DIR ?? `${process.env.WHISPER_MODELS_DIR}/${process.env.WHISPER_MODEL ?? 'base'}`;
const direct = await run(process.env.WHISPER_PYTHON ?? 'python3', [
  '-c',
  `import sys, time
from faster_whisper import WhisperModel, decode_audio
m = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=2)
audio = decode_audio(sys.argv[2])
t = time.perf_counter()
segs = list(m.transcribe(audio, language="en", beam_size=5, condition_on_previous_text=False)[0])
print(time.perf_counter() - t, len(audio) / 16000)`,
  modelDir,
  join(dir, 'speech.wav'),
], { env: { ...process.env, HF_HUB_OFFLINE: '1' } });
await rm(dir, { recursive: true, force: true });
const [directElapsed, directAudio] = direct.stdout.trim().split(/\s+/).map(Number) as [number, number];

const directRtf = directElapsed / directAudio;
const liveRtf = health.stats ? health.stats.busySeconds / health.stats.audioSeconds : NaN;
console.log(`\nlive transcription (${SENTENCES.length} sentences, model ${process.env.WHISPER_MODEL ?? 'base'}, 2 cores)`);
console.log(`  end of sentence → final segment readable via GET …/transcription: p50 ${(pct(latencies, 50) / 1000).toFixed(2)} s, p95 ${(pct(latencies, 95) / 1000).toFixed(2)} s`);
console.log(`  engine real-time factor in the live pipeline: ${liveRtf.toFixed(3)} (${health.stats?.audioSeconds.toFixed(1)} s of speech windows)`);
console.log(`  faster-whisper directly on the same audio (one ${directAudio.toFixed(1)} s file): RTF ${directRtf.toFixed(3)}`);
console.log(`  ratio live/direct: ${(liveRtf / directRtf).toFixed(2)}×`);

server.close();
await deps.db.destroy();
await sidecar.stop();
await dispose();
process.exit(0);
