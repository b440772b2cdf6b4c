import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run the sources. Workspaces export their compiled dist/ under the "production"
// condition, which vite would pick whenever the shell has NODE_ENV=production.
process.env.NODE_ENV = 'test';

export default defineConfig({
  // This file lives in scripts/; tests and paths are relative to the repository root.
  root: fileURLToPath(new URL('..', import.meta.url)),
  // Node resolves graphql to its CommonJS build (Apollo requires it); vite would
  // pick the ESM one and graphql refuses objects from a second copy.
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    // One set of stores (Redis, MongoDB-compatible) for the whole run, on free ports.
    globalSetup: [fileURLToPath(new URL('./testing/test-stores.ts', import.meta.url))],
    include: ['schema/test/**/*.test.ts', 'subgraphs/*/test/**/*.test.ts', 'router/test/**/*.test.ts', 'scripts/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: files run two at a time, each against its own databases.
    maxWorkers: 2,
    env: { APOLLO_TELEMETRY_DISABLED: 'true', NODE_ENV: 'test', LOG_LEVEL: 'silent' },
  },
});
