import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const env = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/rtcstack',
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_ACCESS_KEY: 'minio',
  S3_SECRET_KEY: 'minio-secret',
  STT_INTERNAL_SECRET: '0123456789abcdef',
  WHISPER_MODELS_DIR: '/models/',
};

describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const c = loadConfig(env);
    expect(c).toMatchObject({
      host: '0.0.0.0',
      port: 3102,
      logLevel: 'info',
      databaseUrl: env.DATABASE_URL,
      s3: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true },
      whisper: { python: 'python3', model: 'base', modelDir: '/models/base', device: 'auto', threads: undefined },
      concurrency: 1,
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.whisper)).toBe(true);
  });

  it('reads every override', () => {
    const c = loadConfig({
      ...env,
      HOST: '127.0.0.1',
      STT_POST_PORT: '4000',
      STT_POST_MODEL: 'tiny.en',
      WHISPER_DEVICE: 'cuda',
      WHISPER_THREADS: '4',
      STT_POST_CONCURRENCY: '2',
      S3_FORCE_PATH_STYLE: 'false',
      S3_REGION: 'eu-west-1',
      WHISPER_PYTHON: '/venv/bin/python',
    });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 4000, concurrency: 2, s3: { forcePathStyle: false, region: 'eu-west-1' } });
    expect(c.whisper).toEqual({ python: '/venv/bin/python', model: 'tiny.en', modelDir: '/models/tiny.en', device: 'cuda', threads: 4 });
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ ...env, DATABASE_URL: 'mysql://x', STT_INTERNAL_SECRET: 'short', WHISPER_DEVICE: 'tpu', STT_POST_MODEL: '../etc', STT_POST_CONCURRENCY: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.join('\n');
    for (const name of ['DATABASE_URL', 'STT_INTERNAL_SECRET', 'WHISPER_DEVICE', 'STT_POST_MODEL', 'STT_POST_CONCURRENCY']) expect(issues).toContain(name);
  });

  it('requires the secrets, the database and the models', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL[\s\S]*S3_ENDPOINT[\s\S]*STT_INTERNAL_SECRET[\s\S]*WHISPER_MODELS_DIR/);
  });
});
