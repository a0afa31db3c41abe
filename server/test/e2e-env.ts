import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
/**
 * The real services the e2e tests talk to, as exported by `scripts/test` (or
 * `eval "$(scripts/stack env)"` by hand). Tests never start fakes of these.
 */
export interface E2eEnv {
  databaseUrl: string;
  livekitUrl: string;
  livekitPublicUrl: string;
  livekitApiKey: string;
  livekitApiSecret: string;
  apiSecret: string;
  /** S3 (MinIO) and recording settings, passed through to the control plane as-is. */
  passthrough: Record<string, string>;
}

const REQUIRED = ['DATABASE_URL', 'LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', 'API_SECRET', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const;

/** Reads the stack's addresses; fails loudly (never skips) when the stack is not described. */
export function e2eEnv(env: Record<string, string | undefined> = process.env): E2eEnv {
  const missing = REQUIRED.filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new Error(
      `e2e tests need the real stack: ${missing.join(', ')} not set. Run \`npm test\` (scripts/test), or \`scripts/stack up && eval "$(scripts/stack env)"\` first.`,
    );
  }
  return {
    databaseUrl: env.DATABASE_URL!,
    livekitUrl: env.LIVEKIT_URL!,
    livekitPublicUrl: env.LIVEKIT_PUBLIC_URL ?? env.LIVEKIT_URL!.replace(/^http/, 'ws'),
    livekitApiKey: env.LIVEKIT_API_KEY!,
    livekitApiSecret: env.LIVEKIT_API_SECRET!,
    apiSecret: env.API_SECRET!,
    passthrough: Object.fromEntries(
      Object.entries(env).filter((e): e is [string, string] => /^(S3_|RECORDING_|REDIS_URL$|STT_INTERNAL_SECRET$)/.test(e[0]) && e[1] !== undefined),
    ),
  };
}

/** What every template database's name starts with. */
export const TEMPLATE_PREFIX = 'rtcstack_e2e_template';

/** The migrated template database that each test file clones, named after a hash of the migrations. */
export const TEMPLATE_DB = `${TEMPLATE_PREFIX}_${migrationsHash()}`;

function migrationsHash(): string {
  const dir = fileURLToPath(new URL('../src/db/migrations/', import.meta.url));
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(join(dir, f)));
  return hash.digest('hex').slice(0, 12);
}

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
