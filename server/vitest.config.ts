import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          exclude: ['src/**/*.e2e.test.ts', 'src/**/*.egress.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['src/**/*.e2e.test.ts', 'test/**/*.e2e.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e-global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Each file gets its own database and room names, so files run in parallel safely.
          pool: 'forks',
        },
      },
      {
        test: {
          // Needs LiveKit egress (room composite recording); scripts/test runs it when egress is installed.
          name: 'egress',
          include: ['src/**/*.egress.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e-global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          // The compose stack under a real Docker engine, through Caddy: scripts/test-compose runs it.
          name: 'compose',
          include: ['test/**/*.compose.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // One stack, and the last test restarts it: one file, whose tests run in order.
        },
      },
    ],
  },
});
