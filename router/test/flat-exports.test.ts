import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../src/server.js';

const require = createRequire(import.meta.url);

describe('federation packages as the gateway sees them', () => {
  it('are plain data properties holding the very members the packages define', () => {
    for (const [name, member] of [
      ['@apollo/federation-internals', 'isNonNullType'],
      ['@apollo/query-planner', 'QueryPlanner'],
      ['@apollo/query-graphs', 'buildFederatedQueryGraph'],
    ] as const) {
      const exports = require(name) as Record<string, unknown>;
      const descriptor = Object.getOwnPropertyDescriptor(exports, member);
      expect(descriptor?.get, `${name}.${member}`).toBeUndefined();
      expect(typeof descriptor?.value).toBe('function');
      expect(exports.__esModule).toBe(true);
    }
    // The same function object the defining module exports, not a copy of it.
    const definitions = require(require.resolve('@apollo/federation-internals').replace(/index\.js$/, 'definitions.js')) as Record<string, unknown>;
    expect((require('@apollo/federation-internals') as Record<string, unknown>).isNonNullType).toBe(definitions.isNonNullType);
  });
});
