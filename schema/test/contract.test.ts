import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SUPERGRAPH_PATH } from '../compose.js';
import { CONTRACT_PATH, apiSchemaOf, coordinateOf, missingFromContract, readPending } from '../contract.js';

/** SHA-256 of schema/contract.graphql as agreed (additions of 2026-12 included). */
const CONTRACT_SHA256 = '0013ff43289c2c2762c38c667870a5b76a23f6d4747d5492d028225e383806e8';

describe('public API contract', () => {
  const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');

  // The contract's shape is fixed: an edit to it is a deliberate change of this digest too, never a side effect.
  it('the contract is the agreed one, byte for byte', () => {
    const digest = createHash('sha256').update(readFileSync(CONTRACT_PATH)).digest('hex');
    expect(digest).toBe(CONTRACT_SHA256);
  });

  it('the API schema breaks nothing in the contract except the listed pending coordinates, exactly', () => {
    const missing = missingFromContract(supergraph);
    const pending = readPending();
    const unlistedGaps = missing.filter((c) => !pending.includes(c));
    const listedButServed = pending.filter((c) => !missing.includes(c));
    expect({ unlistedGaps, listedButServed }).toEqual({ unlistedGaps: [], listedButServed: [] });
  });

  it('names every kind of gap by coordinate', () => {
    const contract = buildSchema('type Query { a(x: Int): Int  b: E  c: Int } enum E { ONE TWO } type T { f: Int }');
    const api = buildSchema('type Query { a: String  b: E  c: Int } enum E { ONE }');
    const coordinates = findBreakingChanges(contract, api).map(coordinateOf).sort();
    expect(coordinates).toEqual(['E.TWO', 'Query.a', 'Query.a(x:)', 'T']);
  });

  it('hides federation internals from clients', () => {
    const api = apiSchemaOf(supergraph);
    expect(api.getQueryType()?.getFields()._entities).toBeUndefined();
    expect(api.getQueryType()?.getFields()._service).toBeUndefined();
  });
});
