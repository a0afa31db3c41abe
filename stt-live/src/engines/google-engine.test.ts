import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  at,
  callAudio,
  pcm,
  pcmBytes as bytes,
  startSpeechStandIn,
  type RecordedCall,
  type SpeechStandIn,
} from '../../test/google-speech-stand-in.js';
import type { EngineSegment, StreamListener, StreamOptions } from './engine.js';
import { GoogleSpeechEngine, type GoogleSpeechEngineOptions } from './google-engine.js';

// google-auth must never go looking for a GCE metadata server from a unit test.
process.env.METADATA_SERVER_DETECTION = 'none';

const BYTES_PER_MS = 32; // 16 kHz mono int16

let standIn: SpeechStandIn;
const engines: GoogleSpeechEngine[] = [];

beforeAll(async () => {
  standIn = await startSpeechStandIn();
});
afterAll(async () => {
  await standIn.close();
});
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
  standIn.calls.length = 0;
  standIn.setBehaviour(() => ({}));
});

async function startEngine(options: Omit<GoogleSpeechEngineOptions, 'clientOptions'> = {}): Promise<GoogleSpeechEngine> {
  const engine = new GoogleSpeechEngine({
    clientOptions: standIn.clientOptions(),
    ...options,
  });
  engines.push(engine);
  await engine.start();
  return engine;
}

/** A listener that records what it hears. */
function recorder(): StreamListener & { segments: EngineSegment[]; errors: Error[] } {
  const segments: EngineSegment[] = [];
  const errors: Error[] = [];
  return { segments, errors, onSegment: (s) => segments.push(s), onError: (e) => errors.push(e) };
}

/** Writes `samples[fromMs, toMs)` in pieces of `pieceMs`. */
function writeRange(stream: { write(s: Int16Array): void }, samples: Int16Array, fromMs: number, toMs: number, pieceMs = 100): void {
  for (let ms = fromMs; ms < toMs; ms += pieceMs) stream.write(samples.subarray(ms * 16, Math.min(toMs, ms + pieceMs) * 16));
}

const OPTIONS: StreamOptions = { language: 'en-US', partialResults: true, punctuation: true, profanityFilter: false };

describe('GoogleSpeechEngine against a local StreamingRecognize stand-in', () => {
  it('sends the streaming config first, then all audio in order in ~100 ms requests', async () => {
    const engine = await startEngine({ model: 'latest_long' });
    const stream = engine.openStream({ ...OPTIONS, language: 'de-DE' }, recorder());
    const audio = pcm(1234);
    writeRange(stream, audio, 0, 1234, 37); // odd-sized writes exercise the batcher
    await stream.end();

    expect(standIn.calls).toHaveLength(1);
    const call = standIn.calls[0]!;
    expect(call.requests[0]).toBe('config');
    expect(call.config).toEqual({
      config: expect.objectContaining({
        encoding: 'LINEAR16',
        sampleRateHertz: 16000,
        audioChannelCount: 1,
        languageCode: 'de-DE',
        enableAutomaticPunctuation: true,
        profanityFilter: false,
        model: 'latest_long',
      }),
      interimResults: true,
      singleUtterance: false,
    });
    expect(call.requests.slice(1)).toEqual([...Array<number>(12).fill(3200), 34 * BYTES_PER_MS]);
    expect(callAudio(call).equals(bytes(audio))).toBe(true);
    expect(call.halfClosed).toBe(true);
  });

  it('maps interim results to final:false and finals to final:true with times; end() waits for the last final', async () => {
    standIn.setBehaviour(() => ({
      onAudio: at(500, (ctl) =>
        // One hypothesis split into a stable head and an unstable tail, as Google does.
        ctl.respond({ transcript: 'hello', isFinal: false, endMs: 450 }, { transcript: ' wor', isFinal: false, endMs: 450, stability: 0.1 }),
      ),
      onHalfClose: (ctl) => {
        ctl.respond({ transcript: ' hello world ', isFinal: true, endMs: 900, languageCode: 'en-us' });
        setTimeout(() => {
          ctl.respond({ transcript: 'again.', isFinal: true, endMs: 1200 });
          ctl.finish();
        }, 150);
      },
    }));
    const engine = await startEngine();
    const listener = recorder();
    const stream = engine.openStream(OPTIONS, listener);
    writeRange(stream, pcm(1300), 0, 1300);
    await vi.waitFor(() => expect(listener.segments).toHaveLength(1));
    await stream.end();

    expect(listener.segments).toEqual([
      { text: 'hello wor', startMs: 0, endMs: 450, final: false, language: 'en-US' },
      { text: 'hello world', startMs: 0, endMs: 900, final: true, language: 'en-us' },
      { text: 'again.', startMs: 900, endMs: 1200, final: true, language: 'en-US' },
    ]);
    expect(listener.errors).toEqual([]);
  });

  it('asks for no interim results when partialResults is off, and follows punctuation/profanity options', async () => {
    standIn.setBehaviour(() => ({
      onAudio: at(200, (ctl) => ctl.respond({ transcript: 'partial', isFinal: false, endMs: 200 })),
      onHalfClose: (ctl) => {
        ctl.respond({ transcript: 'done', isFinal: true, endMs: 300 });
        ctl.finish();
      },
    }));
    const engine = await startEngine();
    const listener = recorder();
    const stream = engine.openStream({ ...OPTIONS, partialResults: false, punctuation: false, profanityFilter: true }, listener);
    writeRange(stream, pcm(400), 0, 400);
    await stream.end();

    const config = standIn.calls[0]!.config as { config: Record<string, unknown>; interimResults?: boolean };
    expect(config.interimResults ?? false).toBe(false);
    expect(config.config).toMatchObject({ enableAutomaticPunctuation: false, profanityFilter: true });
    expect(config.config.model).toBeUndefined();
    expect(listener.segments.map((s) => [s.text, s.final])).toEqual([['done', true]]);
  });

  it('restarts at the stream limit, re-sending exactly the audio after the last final, with times continuing', async () => {
    standIn.setBehaviour((call) =>
      call.index === 0
        ? { onAudio: at(1000, (ctl) => ctl.respond({ transcript: 'one', isFinal: true, endMs: 850 })) }
        : {
            onAudio: at(300, (ctl) => ctl.respond({ transcript: 'tw', isFinal: false, endMs: 250 })),
            onHalfClose: (ctl) => {
              ctl.respond({ transcript: 'two three', isFinal: true, endMs: 1100 });
              ctl.finish();
            },
          },
    );
    const engine = await startEngine({ streamLimitMs: 1500 });
    const listener = recorder();
    const stream = engine.openStream(OPTIONS, listener);
    const audio = pcm(2000);
    writeRange(stream, audio, 0, 1000);
    await vi.waitFor(() => expect(listener.segments).toHaveLength(1));
    writeRange(stream, audio, 1000, 2000);
    await stream.end();

    expect(standIn.calls).toHaveLength(2);
    const [first, second] = standIn.calls as [RecordedCall, RecordedCall];
    // The dropped call is cancelled, so writes still queued in it may never arrive; the replay covers them.
    const firstAudio = callAudio(first);
    expect(firstAudio.byteLength).toBeGreaterThanOrEqual(1000 * BYTES_PER_MS);
    expect(firstAudio.byteLength).toBeLessThanOrEqual(1500 * BYTES_PER_MS);
    expect(firstAudio.equals(bytes(audio).subarray(0, firstAudio.byteLength))).toBe(true);
    expect(second.requests[0]).toBe('config');
    // The replay starts mid-chunk, exactly at the final's end, and nothing after it is missing.
    expect(second.requests[1]).toBe(50 * BYTES_PER_MS);
    expect(callAudio(second).equals(bytes(audio).subarray(850 * BYTES_PER_MS))).toBe(true);
    expect(listener.segments).toEqual([
      { text: 'one', startMs: 0, endMs: 850, final: true, language: 'en-US' },
      { text: 'tw', startMs: 850, endMs: 1100, final: false, language: 'en-US' },
      { text: 'two three', startMs: 850, endMs: 1950, final: true, language: 'en-US' },
    ]);
    expect(listener.errors).toEqual([]);
  });

  it('also restarts once a sub-stream has been open for the limit in wall time', async () => {
    const engine = await startEngine({ streamLimitMs: 500 });
    const stream = engine.openStream(OPTIONS, recorder());
    const audio = pcm(200);
    writeRange(stream, audio, 0, 100);
    await new Promise((resolve) => setTimeout(resolve, 550));
    writeRange(stream, audio, 100, 200);
    await stream.end();

    expect(standIn.calls).toHaveLength(2);
    expect(callAudio(standIn.calls[1]!).equals(bytes(audio))).toBe(true);
  });

  it('restarts transparently when Google ends a stream with OUT_OF_RANGE', async () => {
    let failed = false;
    standIn.setBehaviour((call) =>
      call.index === 0
        ? {
            onAudio: (ctl) => {
              if (ctl.audioMs() === 600) ctl.respond({ transcript: 'first', isFinal: true, endMs: 400 });
              if (ctl.audioMs() === 800) {
                ctl.fail(grpc.status.OUT_OF_RANGE, 'Exceeded maximum allowed stream duration of 305 seconds.');
                failed = true;
              }
            },
          }
        : {
            onHalfClose: (ctl) => {
              ctl.respond({ transcript: 'second', isFinal: true, endMs: 1000 });
              ctl.finish();
            },
          },
    );
    const engine = await startEngine();
    const listener = recorder();
    const stream = engine.openStream(OPTIONS, listener);
    const audio = pcm(1500);
    writeRange(stream, audio, 0, 1000);
    await vi.waitFor(() => expect(failed).toBe(true));
    await vi.waitFor(() => expect(listener.segments).toHaveLength(1));
    writeRange(stream, audio, 1000, 1500);
    await stream.end();

    expect(listener.errors).toEqual([]);
    expect(standIn.calls).toHaveLength(2);
    expect(callAudio(standIn.calls[1]!).equals(bytes(audio).subarray(400 * BYTES_PER_MS))).toBe(true);
    expect(listener.segments.map((s) => [s.text, s.startMs, s.endMs])).toEqual([
      ['first', 0, 400],
      ['second', 400, 1400],
    ]);
  });

  it.each([
    [grpc.status.UNAUTHENTICATED, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'],
    [grpc.status.INVALID_ARGUMENT, 'INVALID_ARGUMENT', 'Invalid recognition config: bad language code.'],
  ])('reports a %s error to the listener without retrying', async (code, name, details) => {
    standIn.setBehaviour(() => ({ onAudio: (ctl) => ctl.fail(code, details) }));
    const engine = await startEngine();
    const listener = recorder();
    const stream = engine.openStream(OPTIONS, listener);
    writeRange(stream, pcm(300), 0, 300);
    await vi.waitFor(() => expect(listener.errors).toHaveLength(1));

    expect(listener.errors[0]!.message).toBe(`Google Speech stream failed: ${name}: ${details}`);
    stream.write(pcm(500)); // ignored once failed
    await stream.end();
    expect(standIn.calls).toHaveLength(1);
    expect(listener.errors).toHaveLength(1);
  });

  it('retries UNAVAILABLE with backoff, re-sending the audio, and gives up after the retries', async () => {
    standIn.setBehaviour((call) =>
      call.index === 0
        ? { onAudio: (ctl) => ctl.fail(grpc.status.UNAVAILABLE, 'connection reset') }
        : { onAudio: at(300, (ctl) => ctl.respond({ transcript: 'back', isFinal: true, endMs: 300 })) },
    );
    const engine = await startEngine({ retryDelaysMs: [20, 40] });
    const listener = recorder();
    const stream = engine.openStream(OPTIONS, listener);
    const audio = pcm(300);
    writeRange(stream, audio, 0, 300);
    await vi.waitFor(() => expect(listener.segments).toHaveLength(1));
    expect(callAudio(standIn.calls[1]!).equals(bytes(audio))).toBe(true);
    expect(listener.errors).toEqual([]);
    await stream.end();

    standIn.setBehaviour(() => ({ onAudio: (ctl) => ctl.fail(grpc.status.UNAVAILABLE, 'no route') }));
    standIn.calls.length = 0;
    const failing = recorder();
    const second = engine.openStream(OPTIONS, failing);
    writeRange(second, audio, 0, 300);
    await vi.waitFor(() => expect(failing.errors).toHaveLength(1));
    expect(standIn.calls).toHaveLength(3);
    expect(failing.errors[0]!.message).toBe('Google Speech stream failed: UNAVAILABLE: no route');
  });

  it('is healthy only between start() and stop(), and opens no streams when not started', async () => {
    const engine = new GoogleSpeechEngine({ clientOptions: { apiEndpoint: '127.0.0.1', port: standIn.port } });
    expect(engine.healthy()).toBe(false);
    expect(() => engine.openStream(OPTIONS, recorder())).toThrow(/not started/);
    const started = await startEngine();
    expect(started.healthy()).toBe(true);
    await started.stop();
    expect(started.healthy()).toBe(false);
  });
});
