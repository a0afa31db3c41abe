/** Shared by the benchmark servers: credentials and the one token request both answer. */
export const BENCH_ENV = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  API_SECRET: 'bench-api-secret-0123456789abcdef',
  // Never connected to: POST /v1/token needs neither Postgres nor LiveKit.
  DATABASE_URL: 'postgres://bench:bench@127.0.0.1:1/bench',
  LIVEKIT_URL: 'http://127.0.0.1:7880',
  LIVEKIT_PUBLIC_URL: 'ws://127.0.0.1:7880',
  LIVEKIT_API_KEY: 'APIbench',
  LIVEKIT_API_SECRET: 'bench-livekit-secret-0123456789abcdef0123456789',
  TOKEN_TTL_SECONDS: '3600',
  S3_ENDPOINT: 'http://127.0.0.1:1',
  S3_BUCKET: 'bench',
  S3_ACCESS_KEY: 'bench',
  S3_SECRET_KEY: 'bench-secret',
  // Rate limits on (one Redis round trip per request, on the stack's Redis) but never reached, so
  // that every request does the work the figures stand for instead of a 429.
  RATE_LIMIT_BOOTSTRAP_PER_MINUTE: '1000000000',
  // Counters of their own: API_SECRET's bucket under the default prefix is the running stack's, and
  // a benchmark's millions of requests there would put that control plane into 429s for a minute.
  RATE_LIMIT_KEY_PREFIX: 'rtcstack-bench:rl',
} as const;

export const TOKEN_BODY = JSON.stringify({ roomId: 'bench-room', userId: 'user-1', name: 'Bench User', role: 'participant', metadata: { team: 'blue' } });
