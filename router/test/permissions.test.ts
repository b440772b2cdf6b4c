import { readFileSync } from 'node:fs';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiSchemaOf, readPending } from '../../schema/contract.js';
import { startPlatform, type Platform } from '@shopcart/testing';
import { permissions } from '../src/permissions.js';

type Access = 'public' | 'signedIn' | 'admin';

/** The intended matrix, written out independently of router/src/permissions.ts. */
const expected: Record<'Query' | 'Mutation', Record<string, Access>> = {
  Query: {
    me: 'public',
    product: 'public',
    products: 'public',
    categories: 'public',
    category: 'public',
    cart: 'public',
    order: 'signedIn',
    users: 'admin',
    orders: 'admin',
  },
  Mutation: {
    register: 'public',
    login: 'public',
    refreshToken: 'public',
    logout: 'public',
    addAddress: 'signedIn',
    updateAddress: 'signedIn',
    removeAddress: 'signedIn',
    setDefaultAddress: 'signedIn',
    cartAddLines: 'public',
    cartUpdateLines: 'public',
    cartRemoveLines: 'public',
    checkout: 'signedIn',
    cancelOrder: 'signedIn',
    createCategory: 'admin',
    createProduct: 'admin',
    updateProduct: 'admin',
    archiveProduct: 'admin',
    updateVariant: 'admin',
    setInventory: 'admin',
    updateOrderStatus: 'admin',
    setUserRole: 'admin',
  },
};

const contract = buildSchema(readFileSync(new URL('../../schema/contract.graphql', import.meta.url), 'utf8'));
const api = apiSchemaOf(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'));

function rootFields(schema: GraphQLSchema, root: 'Query' | 'Mutation'): GraphQLField<unknown, unknown>[] {
  const type = root === 'Query' ? schema.getQueryType() : schema.getMutationType();
  return Object.values(type?.getFields() ?? {});
}

/** A literal that satisfies a required input type, for calling each operation with minimal valid arguments. */
function sample(type: GraphQLInputType): string {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return `[${sample(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type));
    return `{ ${fields.map((f) => `${f.name}: ${sample(f.type)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    if (type.name === 'Int') return '1';
    if (type.name === 'Float') return '1.5';
    if (type.name === 'Boolean') return 'true';
    if (type.name === 'ID') return '"000000000000000000000000"';
    return '"x"';
  }
  throw new Error(`no sample for ${String(type)}`);
}

function operationFor(root: 'Query' | 'Mutation', field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined);
  const argText = args.length ? `(${args.map((a) => `${a.name}: ${sample(a.type)}`).join(', ')})` : '';
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${root === 'Query' ? 'query' : 'mutation'} { ${field.name}${argText}${selection} }`;
}

describe('permission matrix', () => {
  it('has a rule for every operation of the contract and of the composed API', () => {
    // Contract operations no subgraph serves yet (contract-pending.txt) get their rule with the feature.
    const pending = new Set(readPending());
    for (const root of ['Query', 'Mutation'] as const) {
      const names = new Set([...rootFields(contract, root).filter((f) => !pending.has(`${root}.${f.name}`)), ...rootFields(api, root)].map((f) => f.name));
      const missing = [...names].filter((name) => !(name in permissions[root]));
      expect(missing, `${root} operations without a rule`).toEqual([]);
      const untested = [...names].filter((name) => !(name in expected[root]));
      expect(untested, `${root} operations missing from this test's table`).toEqual([]);
    }
  });

  describe('enforced at the router for every operation that exists', () => {
    let platform: Platform;
    const tokens: Record<'anonymous' | 'customer' | 'admin', string | undefined> = { anonymous: undefined, customer: undefined, admin: undefined };

    beforeAll(async () => {
      platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
      const customer = await platform.gql(`mutation { register(input: {email: "matrix@example.com", password: "matrix-password-1", name: "M"}) { accessToken } }`);
      tokens.customer = customer.data.register.accessToken;
      const admin = await platform.gql(`mutation { login(input: {email: "admin@shopcart.dev", password: "shopcart-admin"}) { accessToken } }`);
      tokens.admin = admin.data.login.accessToken;
      expect(tokens.customer && tokens.admin).toBeTruthy();
    });
    afterAll(async () => platform?.stop());

    const cases = (['Query', 'Mutation'] as const).flatMap((root) =>
      rootFields(api, root).flatMap((field) =>
        (['anonymous', 'customer', 'admin'] as const).map((who) => ({ root, field, who, access: expected[root][field.name] })),
      ),
    );

    it.each(cases.map((c) => [`${c.root}.${c.field.name}`, c.who, c] as const))('%s as %s', async (_name, _who, { root, field, who, access }) => {
      const response = await platform.gql(operationFor(root, field), undefined, { token: tokens[who] });
      const denial = response.errors?.find((e) => e.path?.[0] === field.name && (e.extensions?.code === 'UNAUTHENTICATED' || e.extensions?.code === 'FORBIDDEN'));
      const want = access === 'public' ? null : who === 'anonymous' ? 'UNAUTHENTICATED' : access === 'admin' && who === 'customer' ? 'FORBIDDEN' : null;
      expect(denial?.extensions?.code ?? null).toBe(want);
      if (want) expect(response.data?.[field.name]).toBeNull();
    });
  });
});
