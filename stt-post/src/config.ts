import { z } from 'zod';

/** Thrown when the environment does not describe a runnable sidecar; names every bad variable. */
export class ConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  HOST: z.string().default('0.0.0.0'),
  STT_POST_PORT: z.coerce.number().int().min(0).max(65535).default(3102),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // pg-boss lives in the control plane's database (schema pgboss); this sidecar owns no tables.
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY: z.string({ error: 'S3_ACCESS_KEY is required' }).min(3, 'S3_ACCESS_KEY is required'),
  S3_SECRET_KEY: z.string({ error: 'S3_SECRET_KEY is required' }).min(8, 'S3_SECRET_KEY must be at least 8 characters'),
  S3_FORCE_PATH_STYLE: bool.default(true),
  STT_INTERNAL_SECRET: z.string({ error: 'STT_INTERNAL_SECRET is required (run scripts/init)' }).min(16, 'STT_INTERNAL_SECRET must be at least 16 characters'),
  // faster-whisper in a Python child process (scripts/install-whisper sets these up).
  WHISPER_PYTHON: z.string().min(1).default('python3'),
  WHISPER_MODELS_DIR: z.string({ error: 'WHISPER_MODELS_DIR is required (scripts/install-whisper installs the models)' }).min(1),
  STT_POST_MODEL: z.string().regex(/^[\w.-]+$/, 'must be a model folder name such as base or tiny.en').default('base'),
  WHISPER_DEVICE: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  WHISPER_THREADS: positiveInt.optional(),
  STT_POST_CONCURRENCY: positiveInt.max(16).default(1),
  STT_POST_CALLBACK_TIMEOUT_MS: positiveInt.default(10_000),
  STT_POST_SHUTDOWN_TIMEOUT_MS: positiveInt.default(30_000),
});

/** The sidecar's configuration, parsed once at boot and frozen. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly databaseUrl: string;
  readonly s3: { readonly endpoint: string; readonly region: string; readonly accessKey: string; readonly secretKey: string; readonly forcePathStyle: boolean };
  readonly internalSecret: string;
  readonly whisper: { readonly python: string; readonly model: string; readonly modelDir: string; readonly device: 'auto' | 'cpu' | 'cuda'; readonly threads?: number };
  readonly concurrency: number;
  readonly callbackTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
}

/** Parses an environment (normally `process.env`) into a frozen Config, or throws a ConfigError. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  const e = parsed.data;
  return Object.freeze({
    host: e.HOST,
    port: e.STT_POST_PORT,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    s3: Object.freeze({ endpoint: e.S3_ENDPOINT, region: e.S3_REGION, accessKey: e.S3_ACCESS_KEY, secretKey: e.S3_SECRET_KEY, forcePathStyle: e.S3_FORCE_PATH_STYLE }),
    internalSecret: e.STT_INTERNAL_SECRET,
    whisper: Object.freeze({
      python: e.WHISPER_PYTHON,
      model: e.STT_POST_MODEL,
      modelDir: `${e.WHISPER_MODELS_DIR.replace(/\/+$/, '')}/${e.STT_POST_MODEL}`,
      device: e.WHISPER_DEVICE,
      threads: e.WHISPER_THREADS,
    }),
    concurrency: e.STT_POST_CONCURRENCY,
    callbackTimeoutMs: e.STT_POST_CALLBACK_TIMEOUT_MS,
    shutdownTimeoutMs: e.STT_POST_SHUTDOWN_TIMEOUT_MS,
  });
}
