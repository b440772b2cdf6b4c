import { readFileSync } from 'node:fs';
import { getNamedType, isInputObjectType, type GraphQLArgument, type GraphQLInputType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { apiSchemaOf } from '../../schema/contract.js';
import { AUTH_ROOT_FIELDS } from '../src/rateLimit.js';
import { CACHEABLE_ROOT_FIELDS, INVALIDATING_MUTATIONS } from '../src/responseCache.js';

/**
 * The router recognises some root fields by name. A field added to the
 * supergraph and sorted nowhere would be served, but wrongly: a catalog
 * write missing from INVALIDATING_MUTATIONS leaves cached pages stale, a
 * password field missing from AUTH_ROOT_FIELDS escapes the login budget.
 * So every root field is sorted here, and an unsorted one fails the suite.
 */

/** Queries whose answer depends on who asks or changes without a catalog write: never cached. */
const PRIVATE_QUERIES = ['cart', 'me', 'order', 'orders', 'users'];

/**
 * Mutations that change nothing a cached catalog answer shows. Stock taken
 * or put back by orders reaches cached pages within the cache's TTL; only
 * staff stock writes (setInventory) start a new generation.
 */
const NON_CATALOG_MUTATIONS = [
  'addAddress',
  'cancelOrder',
  'cartAddLines',
  'cartRemoveLines',
  'cartUpdateLines',
  'checkout',
  'login',
  'logout',
  'refreshToken',
  'register',
  'removeAddress',
  'setDefaultAddress',
  'setUserRole',
  'updateAddress',
  'updateOrderStatus',
];

const supergraph = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
const api = apiSchemaOf(supergraph);
const queries = Object.keys(api.getQueryType()?.getFields() ?? {}).sort();
const mutationFields = api.getMutationType()?.getFields() ?? {};
const mutations = Object.keys(mutationFields).sort();

/** Whether an argument, or any input field under it, carries a password. */
function takesPassword(type: GraphQLInputType, name: string, seen = new Set<string>()): boolean {
  if (/password/i.test(name)) return true;
  const named = getNamedType(type);
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => takesPassword(field.type, field.name, seen));
}

describe('the router field lists, against the supergraph', () => {
  it('sorts every query into cacheable or private, and names only queries that exist', () => {
    const cacheable = [...CACHEABLE_ROOT_FIELDS].filter((name) => name !== '__typename');
    const unsorted = queries.filter((name) => !cacheable.includes(name) && !PRIVATE_QUERIES.includes(name));
    const both = cacheable.filter((name) => PRIVATE_QUERIES.includes(name));
    const unknown = [...cacheable, ...PRIVATE_QUERIES].filter((name) => !queries.includes(name));
    expect({ unsorted, both, unknown }).toEqual({ unsorted: [], both: [], unknown: [] });
  });

  it('sorts every mutation into invalidating or not, and names only mutations that exist', () => {
    const invalidating = [...INVALIDATING_MUTATIONS];
    const unsorted = mutations.filter((name) => !invalidating.includes(name) && !NON_CATALOG_MUTATIONS.includes(name));
    const both = invalidating.filter((name) => NON_CATALOG_MUTATIONS.includes(name));
    const unknown = [...invalidating, ...NON_CATALOG_MUTATIONS].filter((name) => !mutations.includes(name));
    expect({ unsorted, both, unknown }).toEqual({ unsorted: [], both: [], unknown: [] });
  });

  it('budgets every mutation that takes a password as an authentication attempt', () => {
    const withPassword = mutations.filter((name) => mutationFields[name]!.args.some((arg: GraphQLArgument) => takesPassword(arg.type, arg.name)));
    expect(withPassword.length).toBeGreaterThan(0);
    expect(withPassword.filter((name) => !AUTH_ROOT_FIELDS.has(name))).toEqual([]);
    expect([...AUTH_ROOT_FIELDS].filter((name) => !mutations.includes(name))).toEqual([]);
  });
});
