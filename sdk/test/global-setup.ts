import type { TestProject } from 'vitest/node';
import { e2eEnv } from '../../server/test/e2e-env.js';
import { createDatabase, startControlPlane } from './control-plane.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared control plane every e2e file talks to (its own fresh database). */
    controlPlane: { url: string; apiKey: string; databaseUrl: string };
  }
}

/**
 * One fresh database and one real control plane for the SDK's e2e files; files that need the
 * server configured otherwise (a dead dependency, a low rate limit) start their own on the same database.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const db = await createDatabase();
  const cp = await startControlPlane({
    DATABASE_URL: db.url,
    // The tests' webhook receivers listen on loopback; deliveries go out within a poll or two.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_POLL_MS: '100',
    WEBHOOK_RETRY_BASE_MS: '200',
  }).catch(async (err: unknown) => {
    await db.drop();
    throw err;
  });
  project.provide('controlPlane', { url: cp.url, apiKey: e2eEnv().apiSecret, databaseUrl: db.url });
  return async () => {
    await cp.stop();
    await db.drop();
  };
}
