// npm run bench (post-call part): stt-post's real-time factor on a ~45 s recording through the whole
// job path (MinIO → ffmpeg → whisper worker), beside faster-whisper run directly on the same audio in
// the same run, and the peak memory of each. Needs `scripts/stack up && eval "$(scripts/stack env)"`.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { RecordingReporter } from '../test/recording-reporter.js';
import { speechRecording } from '../test/speech.js';
import { createS3Client } from '../src/audio-input.js';
import { processJob } from '../src/transcribe-job.js';
import { WhisperFileEngine } from '../src/whisper-file-engine.js';

const run = promisify(execFile);
const REQUIRED = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'WHISPER_PYTHON', 'WHISPER_MODELS_DIR'] as const;
for (const k of REQUIRED) if (!process.env[k]) throw new Error(`${k} is not set: run \`scripts/stack up && eval "$(scripts/stack env)"\` first`);
const env = process.env as Record<(typeof REQUIRED)[number], string> & Record<string, string | undefined>;
const MODEL = env.STT_POST_MODEL ?? 'base';
const modelDir = `${env.WHISPER_MODELS_DIR}/${MODEL}`;
const SCRIPT = [
  'Good morning everyone, and thank you for joining the weekly planning meeting.',
  'The quarterly report is ready, and the marketing team will review it on Monday.',
  'Please send the updated budget to everyone before the meeting starts tomorrow.',
  'We shipped the new recording feature last week, and the feedback has been positive.',
  'Next, we need to decide who will own the transcription work for the next release.',
  'Let us schedule a follow up call on Thursday afternoon to finish the discussion.',
  'Before we close, does anyone have questions about the launch plan or the new pricing?',
  'Thanks again, everyone. I will send the notes and the recording after this call.',
].join(' ');

const s3 = createS3Client({ endpoint: env.S3_ENDPOINT, region: env.S3_REGION ?? 'us-east-1', accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, forcePathStyle: true });
const key = `bench/${randomUUID()}.ogg`;
const ogg = await speechRecording(SCRIPT, 'ogg', 0.5);
await s3.putObject(env.S3_BUCKET, key, ogg, ogg.length);

/** Peak resident memory (VmHWM) of a process, in MiB. */
async function peakMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ROUNDS = Number(process.env.BENCH_RUNS ?? 3);

const dir = await mkdtemp(join(tmpdir(), 'stt-post-bench-'));
await writeFile(join(dir, 'in.ogg'), ogg);
await run('ffmpeg', ['-loglevel', 'error', '-i', join(dir, 'in.ogg'), '-ac', '1', '-ar', '16000', join(dir, 'in.wav')]);
const engine = new WhisperFileEngine({ python: env.WHISPER_PYTHON, modelDir, device: 'cpu', threads: 2, logger: pino({ level: 'silent' }) });
await engine.start();
const workerPid = Number((await run('pgrep', ['-n', '-P', String(process.pid), '-f', 'transcribe_worker.py'])).stdout.trim());

const viaWorkerRuns: number[] = [];
const directRuns: number[] = [];
let audioSeconds = 0;
let directPeak = 0;
let segments = 0;
// Alternating rounds, medians: the two sides see the same background load on a shared machine.
for (let i = 0; i < ROUNDS; i++) {
  // 1. Through stt-post: S3 download, ffmpeg to 16 kHz, the whisper worker, merge.
  const reporter = new RecordingReporter();
  const t0 = performance.now();
  await processJob(
    { transcriptionId: randomUUID(), recordingId: randomUUID(), language: 'en-US', participants: {}, callbackUrl: 'http://127.0.0.1:1', inputs: [{ bucket: env.S3_BUCKET, objectKey: key, participantIdentity: null, trackSid: null, offsetMs: 0 }] },
    { s3, engine, reporter, logger: pino({ level: 'silent' }) },
  );
  viaWorkerRuns.push((performance.now() - t0) / 1000);
  segments = reporter.results[0]?.segments.length ?? 0;

  // 2. faster-whisper directly on the same audio (same model, threads, int8, beam, VAD).
  const direct = await run(env.WHISPER_PYTHON, [
    '-c',
    `import sys, time, resource
from faster_whisper import WhisperModel
m = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=2)
t = time.perf_counter()
segs, info = m.transcribe(sys.argv[2], language="en", beam_size=5, vad_filter=True, condition_on_previous_text=False)
list(segs)
print(time.perf_counter() - t, info.duration, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)`,
    modelDir,
    join(dir, 'in.wav'),
  ], { env: { ...process.env, HF_HUB_OFFLINE: '1' } });
  const [seconds, duration, peak] = direct.stdout.trim().split(/\s+/).map(Number) as [number, number, number];
  directRuns.push(seconds);
  audioSeconds = duration;
  directPeak = Math.max(directPeak, peak);
}
const workerPeak = await peakMiB(workerPid);
await engine.stop();
await s3.removeObject(env.S3_BUCKET, key);
await rm(dir, { recursive: true, force: true });
const viaWorker = median(viaWorkerRuns);
const directSeconds = median(directRuns);

const rtf = viaWorker / audioSeconds;
const directRtf = directSeconds / audioSeconds;
console.log(`\npost-call transcription (${audioSeconds.toFixed(1)} s of speech, model ${MODEL}, CPU int8, 2 threads, median of ${ROUNDS} alternating runs)`);
console.log(`  stt-post job (S3 → ffmpeg → whisper → merge): ${viaWorker.toFixed(2)} s, RTF ${rtf.toFixed(3)} (goal ≤ 0.15)`);
console.log(`  faster-whisper directly on the same audio:   ${directSeconds.toFixed(2)} s, RTF ${directRtf.toFixed(3)}`);
console.log(`  speed relative to direct: ${(directRtf / rtf).toFixed(2)}× (goal ≥ 0.9×)`);
console.log(`  peak memory: stt-post whisper worker ${workerPeak.toFixed(0)} MiB, direct run ${directPeak.toFixed(0)} MiB`);
console.log(`  segments: ${segments}`);
