import type * as Minio from 'minio';
import type PgBoss from 'pg-boss';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RecordingReporter } from '../test/recording-reporter.js';
import { createJobHandler, deadlineMs } from './job-handler.js';
import type { FileEngine } from './whisper-file-engine.js';

const logger = pino({ level: 'silent' });
const engine: FileEngine = { transcribeFile: () => Promise.reject(new Error('not expected')) };
const unreachable = { getObject: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) } as unknown as Minio.Client;
const validData = {
  transcriptionId: 'tr_1',
  recordingId: 'rec_1',
  language: 'en-US',
  participants: {},
  callbackUrl: 'http://127.0.0.1:3000',
  inputs: [{ bucket: 'b', objectKey: 'k.ogg', participantIdentity: null, trackSid: null, offsetMs: 0 }],
};
const job = (data: unknown, retryCount: number, retryLimit = 3) => ({ id: 'job-1', name: 'transcription-post', data, retryCount, retryLimit, expireInSeconds: '900.000000' }) as unknown as PgBoss.JobWithMetadata<unknown>;

function handler() {
  const reporter = new RecordingReporter();
  const targets: string[] = [];
  const handle = createJobHandler({
    s3: unreachable,
    engine,
    logger,
    secret: 'x'.repeat(16),
    callbackTimeoutMs: 1000,
    reporterFor: (url, id) => (targets.push(`${url} ${id}`), reporter),
  });
  return { reporter, targets, handle };
}

describe('createJobHandler', () => {
  it('retries a transient failure until the last attempt, then reports it failed', async () => {
    const { reporter, targets, handle } = handler();
    for (const attempt of [0, 1, 2]) await expect(handle([job(validData, attempt)])).rejects.toThrow('ECONNREFUSED');
    expect(reporter.failures).toEqual([]);
    await expect(handle([job(validData, 3)])).resolves.toEqual({ segmentCount: 0 });
    expect(reporter.failures).toEqual(['transcription failed on its last attempt: connect ECONNREFUSED']);
    expect(targets.at(-1)).toBe('http://127.0.0.1:3000 tr_1');
  });

  it('reports malformed data when the job says where to, and throws otherwise', async () => {
    const { reporter, handle } = handler();
    await expect(handle([job({ ...validData, inputs: [] }, 0)])).resolves.toEqual({ segmentCount: 0 });
    expect(reporter.failures).toEqual(['invalid job data: inputs: a job needs at least one input']);
    await expect(handle([job({ nonsense: true }, 0)])).rejects.toThrow(/invalid job data/);
  });
});

describe('deadlineMs', () => {
  it('stops a job shortly before pg-boss expires it', () => {
    expect(deadlineMs(900)).toBe(870_000);
    expect(deadlineMs(60)).toBe(54_000);
    expect(deadlineMs(0)).toBe(900);
  });
});
