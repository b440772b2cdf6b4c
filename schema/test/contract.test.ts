import { readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SUPERGRAPH_PATH } from '../compose.js';
import { CONTRACT_PATH, apiSchemaOf, coordinateOf, missingFromContract, readPending } from '../contract.js';

describe('public API contract', () => {
  const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');

  it('the contract copy matches the shared contract', () => {
    const shared = new URL('../../../shared/api-contract.graphql', import.meta.url);
    expect(readFileSync(CONTRACT_PATH, 'utf8')).toBe(readFileSync(shared, 'utf8'));
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
