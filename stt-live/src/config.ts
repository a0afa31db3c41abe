import { z } from 'zod';

/** Thrown when the environment does not describe a runnable sidecar; names every bad variable. */
export class ConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const envSchema = z
  .object({
    HOST: z.string().default('0.0.0.0'),
    STT_LIVE_PORT: z.coerce.number().int().min(0).max(65535).default(3101),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LIVEKIT_URL: z.url({ protocol: /^(wss?|https?)$/, error: 'must be a ws(s) or http(s) URL' }),
    LIVEKIT_API_KEY: z.string().min(1, 'LIVEKIT_API_KEY is required'),
    LIVEKIT_API_SECRET: z.string({ error: 'LIVEKIT_API_SECRET is required' }).min(32, 'LIVEKIT_API_SECRET must be at least 32 characters'),
    STT_INTERNAL_SECRET: z.string({ error: 'STT_INTERNAL_SECRET is required (run scripts/init)' }).min(16, 'STT_INTERNAL_SECRET must be at least 16 characters'),
    STT_LIVE_ENGINE: z.enum(['whisper', 'google']).default('whisper'),
    // Offline engine: faster-whisper in a Python child process (scripts/install-whisper sets these up).
    WHISPER_PYTHON: z.string().default('python3'),
    WHISPER_MODEL_DIR: z.string().optional(),
    WHISPER_MODELS_DIR: z.string().optional(),
    WHISPER_MODEL: z.string().regex(/^[\w.-]+$/, 'must be a model folder name such as base or tiny.en').default('base'),
    WHISPER_DEVICE: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
    WHISPER_THREADS: z.coerce.number().int().positive().optional(),
    // Google Cloud Speech: credentials come from GOOGLE_APPLICATION_CREDENTIALS (read by google-auth itself).
    GOOGLE_SPEECH_MODEL: z.string().optional(),
    GOOGLE_SPEECH_ENDPOINT: z.string().optional(),
    STT_LIVE_IDENTITY: z.string().min(1).default('rtcstack-transcriber'),
    STT_LIVE_CALLBACK_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
    STT_LIVE_STOP_FLUSH_MS: z.coerce.number().int().positive().default(6000),
  })
  .superRefine((e, ctx) => {
    if (e.STT_LIVE_ENGINE === 'whisper' && !e.WHISPER_MODEL_DIR && !e.WHISPER_MODELS_DIR) {
      ctx.addIssue({ code: 'custom', path: ['WHISPER_MODELS_DIR'], message: 'WHISPER_MODELS_DIR (with WHISPER_MODEL) or WHISPER_MODEL_DIR is required for the whisper engine (scripts/install-whisper installs them)' });
    }
  });

/** The sidecar's configuration, parsed once at boot and frozen. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly livekit: { readonly url: string; readonly apiKey: string; readonly apiSecret: string };
  readonly internalSecret: string;
  readonly engine: 'whisper' | 'google';
  readonly whisper: { readonly python: string; readonly modelDir: string; readonly device: 'auto' | 'cpu' | 'cuda'; readonly threads?: number };
  readonly google: { readonly model?: string; readonly endpoint?: string };
  readonly identity: string;
  readonly callbackTimeoutMs: number;
  readonly stopFlushMs: number;
}

/** Parses an environment (normally `process.env`) into a frozen Config, or throws a ConfigError. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  const e = parsed.data;
  return Object.freeze({
    host: e.HOST,
    port: e.STT_LIVE_PORT,
    logLevel: e.LOG_LEVEL,
    livekit: Object.freeze({ url: e.LIVEKIT_URL.replace(/^http/, 'ws').replace(/\/$/, ''), apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET }),
    internalSecret: e.STT_INTERNAL_SECRET,
    engine: e.STT_LIVE_ENGINE,
    whisper: Object.freeze({ python: e.WHISPER_PYTHON, modelDir: e.WHISPER_MODEL_DIR ?? `${e.WHISPER_MODELS_DIR}/${e.WHISPER_MODEL}`, device: e.WHISPER_DEVICE, threads: e.WHISPER_THREADS }),
    google: Object.freeze({ model: e.GOOGLE_SPEECH_MODEL, endpoint: e.GOOGLE_SPEECH_ENDPOINT }),
    identity: e.STT_LIVE_IDENTITY,
    callbackTimeoutMs: e.STT_LIVE_CALLBACK_TIMEOUT_MS,
    stopFlushMs: e.STT_LIVE_STOP_FLUSH_MS,
  });
}
