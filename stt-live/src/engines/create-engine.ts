import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { SpeechEngine } from './engine.js';
import { GoogleSpeechEngine } from './google-engine.js';
import { WhisperEngine } from './whisper-engine.js';

/** Builds the engine STT_LIVE_ENGINE names. */
export function createEngine(config: Config, logger: Logger): SpeechEngine {
  if (config.engine === 'google') {
    // GOOGLE_SPEECH_ENDPOINT (host:port, plaintext) points the client at a local Speech-compatible server.
    const endpoint = config.google.endpoint?.split(':');
    // Placeholder credentials there: with plaintext sslCreds google-gax never signs, and google-auth
    // then has no reason to probe a metadata server.
    const clientOptions = endpoint
      ? {
          apiEndpoint: endpoint[0],
          port: Number(endpoint[1] ?? 443),
          sslCreds: grpc.credentials.createInsecure(),
          credentials: { client_email: 'local@localhost', private_key: 'unused' },
          projectId: 'local',
        }
      : {};
    return new GoogleSpeechEngine({ clientOptions, model: config.google.model, logger });
  }
  return new WhisperEngine({
    pythonPath: config.whisper.python,
    modelDir: config.whisper.modelDir,
    device: config.whisper.device,
    threads: config.whisper.threads,
    logger,
  });
}
