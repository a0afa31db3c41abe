import knexFactory, { type Knex } from 'knex';
import type { Logger } from 'pino';
import { migrations } from './migrations/index.js';

/** Options for the control plane's Postgres pool. */
export interface DatabaseOptions {
  url: string;
  poolMax: number;
  /** Upper bound for connecting, acquiring a pooled connection and each query, so a dead database fails fast. */
  timeoutMs: number;
  /** Where knex's own warnings go (instead of the console). */
  logger?: Logger;
}

/** Creates the knex instance. Timeouts are short on purpose: the API answers 503 rather than hang. */
export function createDatabase(opts: DatabaseOptions): Knex {
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: opts.url,
      connectionTimeoutMillis: opts.timeoutMs,
      query_timeout: opts.timeoutMs,
      application_name: 'rtcstack-server',
    },
    pool: { min: 0, max: opts.poolMax, propagateCreateError: true },
    acquireConnectionTimeout: opts.timeoutMs,
    migrations: { migrationSource: migrationSource(), tableName: 'knex_migrations' },
    log: {
      warn: (msg: unknown) => opts.logger?.warn({ knex: msg }, 'knex warning'),
      error: (msg: unknown) => opts.logger?.debug({ knex: msg }, 'knex error (surfaced to the caller too)'),
      deprecate: (msg: unknown) => opts.logger?.warn({ knex: msg }, 'knex deprecation'),
      debug: (msg: unknown) => opts.logger?.debug({ knex: msg }, 'knex debug'),
    },
  });
}

/** Brings the schema up to date; safe to run from several replicas at once (knex takes a lock). */
export async function migrateLatest(db: Knex, logger?: Logger): Promise<void> {
  const [batch, applied] = (await db.migrate.latest()) as [number, string[]];
  if (applied.length > 0) logger?.info({ batch, applied }, 'database migrated');
}

/** Migrations are imported statically so they work the same from src (tsx/vitest) and dist (node). */
function migrationSource(): Knex.MigrationSource<string> {
  return {
    getMigrations: async () => Object.keys(migrations).sort(),
    getMigrationName: (name) => name,
    getMigration: async (name) => {
      const m = migrations[name];
      if (!m) throw new Error(`unknown migration ${name}`);
      return m;
    },
  };
}

/** Resolves when Postgres answers a trivial query (the health probe). */
export function pingDatabase(db: Knex): Promise<unknown> {
  return db.raw('select 1');
}
