import knexFactory from 'knex';
import { createDatabase, migrateLatest } from '../src/db/knex.js';
import { e2eEnv, TEMPLATE_DB, withDatabase } from './e2e-env.js';

/** Builds a migrated template database once; every test file clones it (fast, and isolated). */
export default async function setup(): Promise<void> {
  const env = e2eEnv();
  const admin = knexFactory({ client: 'pg', connection: withDatabase(env.databaseUrl, 'postgres') });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.destroy();
  }
  const db = createDatabase({ url: withDatabase(env.databaseUrl, TEMPLATE_DB), poolMax: 2, timeoutMs: 10_000 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}
