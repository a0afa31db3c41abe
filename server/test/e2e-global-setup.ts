import knexFactory from 'knex';
import { createDatabase, migrateLatest } from '../src/db/knex.js';
import { e2eEnv, TEMPLATE_DB, TEMPLATE_PREFIX, withDatabase } from './e2e-env.js';

/**
 * Builds the migrated template database that every test file clones (fast, and isolated), once per
 * version of the migrations: its name carries their hash, so runs side by side share it instead of
 * dropping it under each other, and a changed migration gets a fresh one. It is built under a
 * temporary name and renamed when complete, so a run that dies half-way leaves no broken template.
 */
export default async function setup(): Promise<void> {
  const env = e2eEnv();
  const admin = knexFactory({ client: 'pg', connection: withDatabase(env.databaseUrl, 'postgres'), pool: { min: 1, max: 1 } });
  try {
    await admin.raw('SELECT pg_advisory_lock(hashtext(?))', [TEMPLATE_PREFIX]);
    const { rows } = (await admin.raw('SELECT datname FROM pg_database WHERE datname LIKE ?', [`${TEMPLATE_PREFIX}%`])) as { rows: Array<{ datname: string }> };
    if (rows.some((r) => r.datname === TEMPLATE_DB)) return;
    const building = `${TEMPLATE_DB}_b${process.pid}`;
    await admin.raw(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${building}`);
    const db = createDatabase({ url: withDatabase(env.databaseUrl, building), poolMax: 2, timeoutMs: 10_000 });
    try {
      await migrateLatest(db);
    } finally {
      await db.destroy();
    }
    await admin.raw(`ALTER DATABASE ${building} RENAME TO ${TEMPLATE_DB}`);
    // Templates of older migrations: dropped when nothing uses them (a run still cloning one keeps it).
    for (const { datname } of rows) await admin.raw(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined);
  } finally {
    await admin.raw('SELECT pg_advisory_unlock(hashtext(?))', [TEMPLATE_PREFIX]).catch(() => undefined);
    await admin.destroy();
  }
}
