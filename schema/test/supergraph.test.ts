import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUPERGRAPH_PATH, composeSupergraph } from '../compose.js';

describe('supergraph', () => {
  it('is the fresh composition of the subgraph SDLs (run `npm run compose` after changing one)', () => {
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
  });
});
