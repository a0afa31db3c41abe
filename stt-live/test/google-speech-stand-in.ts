/**
 * A local stand-in for Google Cloud Speech v1 StreamingRecognize, served over insecure gRPC from the
 * protos that ship inside @google-cloud/speech. It recognises nothing: it records every request and
 * answers whatever a per-call script tells it to.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { v1 } from '@google-cloud/speech';

/** What `new v1.SpeechClient()` takes. */
export type SpeechClientOptions = NonNullable<ConstructorParameters<typeof v1.SpeechClient>[0]>;

/** What one StreamingRecognize call received. */
export interface RecordedCall {
  /** The index of the call, in arrival order. */
  index: number;
  /** The streaming config of the first request (camelCase, enums as strings). */
  config: Record<string, unknown> | undefined;
  /** Every request in order: 'config' or the audio byte count. */
  requests: Array<'config' | number>;
  /** Every audio chunk, in order. */
  audio: Buffer[];
  /** True once the client half-closed. */
  halfClosed: boolean;
  /** True once the client cancelled the call. */
  cancelled: boolean;
}

/** One result to send back; times are milliseconds from the call's first audio byte. */
export interface StandInResult {
  transcript: string;
  isFinal: boolean;
  endMs: number;
  stability?: number;
  languageCode?: string;
}

/** Lets a script answer on one call. */
export interface CallControl {
  readonly call: RecordedCall;
  /** Milliseconds of 16 kHz mono int16 audio received so far on this call. */
  audioMs(): number;
  /** Sends one StreamingRecognizeResponse holding these results. */
  respond(...results: StandInResult[]): void;
  /** Ends the call with a gRPC error status. */
  fail(code: grpc.status, details: string): void;
  /** Ends the call with status OK. */
  finish(): void;
}

/** What a call does as requests arrive; the default answers half-close with finish(). */
export interface CallScript {
  onAudio?(ctl: CallControl, chunk: Buffer): void;
  onHalfClose?(ctl: CallControl): void;
}

/** Picks the script for each new call. */
export type Behaviour = (call: RecordedCall) => CallScript;

/** A running stand-in. */
export interface SpeechStandIn {
  port: number;
  calls: RecordedCall[];
  /** Options for `new v1.SpeechClient()` that point it here (plaintext, no real credentials). */
  clientOptions(): SpeechClientOptions;
  /** Replaces the behaviour for calls that start from now on. */
  setBehaviour(behaviour: Behaviour): void;
  close(): Promise<void>;
}

interface StreamingRequest {
  streamingConfig?: Record<string, unknown>;
  audioContent?: Buffer;
}

/** Distinct synthetic 16 kHz PCM (a ramp), so any slice of it can be located exactly. */
export function pcm(ms: number): Int16Array {
  const samples = new Int16Array(ms * 16);
  for (let i = 0; i < samples.length; i++) samples[i] = (i % 30_000) - 15_000;
  return samples;
}

/** The LINEAR16 bytes of some samples, as the engine sends them. */
export function pcmBytes(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** A script step that runs `fn` once, the first time the call has received at least `ms` of audio. */
export function at(ms: number, fn: (ctl: CallControl) => void): (ctl: CallControl) => void {
  let fired = false;
  return (ctl) => {
    if (!fired && ctl.audioMs() >= ms) {
      fired = true;
      fn(ctl);
    }
  };
}

/** Concatenated audio of a recorded call. */
export function callAudio(call: RecordedCall): Buffer {
  return Buffer.concat(call.audio);
}

function loadSpeechService(): grpc.ServiceDefinition {
  const require = createRequire(import.meta.url);
  const speechMain = require.resolve('@google-cloud/speech');
  // google-gax is the speech package's own dependency, so resolve it from there.
  const gaxMain = createRequire(speechMain).resolve('google-gax');
  const speechProtos = path.resolve(path.dirname(speechMain), '../protos');
  const gaxProtos = path.resolve(path.dirname(gaxMain), '../protos');
  const definition = protoLoader.loadSync('google/cloud/speech/v1/cloud_speech.proto', {
    includeDirs: [speechProtos, gaxProtos],
    longs: Number,
    enums: String,
    defaults: false,
    oneofs: false,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    google: { cloud: { speech: { v1: { Speech: grpc.ServiceClientConstructor } } } };
  };
  return pkg.google.cloud.speech.v1.Speech.service;
}

function toDuration(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** Starts a stand-in on 127.0.0.1 with an ephemeral port. */
export async function startSpeechStandIn(initial: Behaviour = () => ({})): Promise<SpeechStandIn> {
  let behaviour = initial;
  const calls: RecordedCall[] = [];
  const server = new grpc.Server();

  const streamingRecognize = (stream: grpc.ServerDuplexStream<StreamingRequest, unknown>): void => {
    const call: RecordedCall = { index: calls.length, config: undefined, requests: [], audio: [], halfClosed: false, cancelled: false };
    calls.push(call);
    const script = behaviour(call);
    let done = false;
    const ctl: CallControl = {
      call,
      audioMs: () => call.audio.reduce((n, b) => n + b.byteLength, 0) / 32,
      respond: (...results) => {
        if (done) return;
        stream.write({
          results: results.map((r) => ({
            alternatives: [{ transcript: r.transcript, confidence: r.isFinal ? 0.9 : 0 }],
            isFinal: r.isFinal,
            stability: r.stability ?? (r.isFinal ? 0 : 0.8),
            resultEndTime: toDuration(r.endMs),
            languageCode: r.languageCode ?? '',
          })),
        });
      },
      fail: (code, details) => {
        if (done) return;
        done = true;
        stream.emit('error', { code, details });
      },
      finish: () => {
        if (done) return;
        done = true;
        stream.end();
      },
    };
    stream.on('data', (request: StreamingRequest) => {
      if (request.streamingConfig) {
        call.config = request.streamingConfig;
        call.requests.push('config');
      }
      if (request.audioContent && request.audioContent.byteLength > 0) {
        const chunk = Buffer.from(request.audioContent);
        call.audio.push(chunk);
        call.requests.push(chunk.byteLength);
        script.onAudio?.(ctl, chunk);
      }
    });
    stream.on('end', () => {
      call.halfClosed = true;
      if (script.onHalfClose) script.onHalfClose(ctl);
      else ctl.finish();
    });
    stream.on('cancelled', () => {
      call.cancelled = true;
      done = true;
    });
  };

  server.addService(loadSpeechService(), { streamingRecognize });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, boundPort) => {
      if (err) reject(err);
      else resolve(boundPort);
    });
  });

  return {
    port,
    calls,
    clientOptions: () => ({
      apiEndpoint: '127.0.0.1',
      port,
      sslCreds: grpc.credentials.createInsecure(),
      // With sslCreds set gax never asks google-auth to sign, so a placeholder key is enough.
      credentials: { client_email: 'test@example.com', private_key: 'placeholder' },
      projectId: 'test',
    }),
    setBehaviour: (next) => {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Calls the engine left open must not hold the test run.
        setTimeout(() => server.forceShutdown(), 1_000).unref();
      }),
  };
}
