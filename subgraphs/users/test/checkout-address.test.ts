import { createIdentitySigner, createLogger, createServiceClient, createServiceSigner, importPrivateKey, ServiceCallError, type ServiceClient } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL, startPlatform, type Platform } from '@shopcart/testing';

const CHECKOUT_ADDRESS = `query CheckoutAddress($userId: ID!, $addressId: ID!) {
  checkoutAddress(userId: $userId, addressId: $addressId) { id fullName line1 line2 city region postalCode countryCode phone }
}`;

let platform: Platform;
let orders: ServiceClient;
let alice: { id: string; token: string; addressId: string };
let bob: { id: string; token: string; addressId: string };

async function customer(email: string, city: string) {
  const r = await platform.gql('mutation($i: RegisterInput!) { register(input: $i) { user { id } accessToken } }', {
    i: { email, password: 'correct horse battery', name: city },
  });
  const { user, accessToken } = r.data.register;
  const added = await platform.gql(
    'mutation($i: AddressInput!) { addAddress(input: $i) { address { id } userErrors { code } } }',
    { i: { fullName: `${city} Person`, line1: '1 Main St', city, postalCode: '10115', countryCode: 'de' } },
    { token: accessToken },
  );
  return { id: user.id as string, token: accessToken as string, addressId: added.data.addAddress.address.id as string };
}

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
  const signer = await createServiceSigner('orders', platform.keys.services.orders!.privateKey);
  orders = createServiceClient({ callee: 'users', url: platform.subgraphUrls.users!, signer: signer!, logger: createLogger('test', 'silent') });
  [alice, bob] = await Promise.all([customer('alice.checkout@example.com', 'Berlin'), customer('bob.checkout@example.com', 'Hamburg')]);
});
afterAll(async () => platform?.stop());

describe('checkoutAddress (internal, for orders)', () => {
  it('gives a service the saved address of that user, normalised as saved', async () => {
    const { checkoutAddress } = await orders.request<any>(CHECKOUT_ADDRESS, { userId: alice.id, addressId: alice.addressId });
    expect(checkoutAddress).toEqual({
      id: alice.addressId,
      fullName: 'Berlin Person',
      line1: '1 Main St',
      line2: null,
      city: 'Berlin',
      region: null,
      postalCode: '10115',
      countryCode: 'DE',
      phone: null,
    });
  });

  it("answers null for another user's address, an unknown id and a malformed id", async () => {
    const ask = async (userId: string, addressId: string) => (await orders.request<any>(CHECKOUT_ADDRESS, { userId, addressId })).checkoutAddress;
    expect(await ask(alice.id, bob.addressId)).toBeNull();
    expect(await ask(alice.id, '64b7f0000000000000000000')).toBeNull();
    expect(await ask(alice.id, 'not-an-id')).toBeNull();
    expect(await ask('not-an-id', alice.addressId)).toBeNull();
  });

  it('refuses callers that are not services, even the address owner', async () => {
    const router = createIdentitySigner('shopcart-router', await importPrivateKey(platform.keys.routerPrivate));
    const token = await router.sign('users', { userId: alice.id, role: 'CUSTOMER', clientIp: null });
    const r = await postGraphQL<any>(platform.subgraphUrls.users!, CHECKOUT_ADDRESS, { userId: alice.id, addressId: alice.addressId }, { token });
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(r.body)).not.toContain('Berlin');
  });

  it('is not part of the public API', async () => {
    const r = await platform.gql(CHECKOUT_ADDRESS, { userId: alice.id, addressId: alice.addressId }, { token: alice.token });
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.data ?? null).toBeNull();
  });

  it('keeps a service from another issuer out', async () => {
    const impostor = await createServiceSigner('orders', platform.keys.services.payments!.privateKey);
    const client = createServiceClient({ callee: 'users', url: platform.subgraphUrls.users!, signer: impostor!, logger: createLogger('test', 'silent') });
    await expect(client.request(CHECKOUT_ADDRESS, { userId: alice.id, addressId: alice.addressId })).rejects.toBeInstanceOf(ServiceCallError);
  });
});
