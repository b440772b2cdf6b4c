import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';

const ADDRESS = 'address { id fullName line1 line2 city region postalCode countryCode phone isDefault } userErrors { code message field }';
const home = { fullName: 'Ada Lovelace', line1: '1 Main St', city: 'Berlin', postalCode: '10115', countryCode: 'DE' };

let platform: Platform;
let seq = 0;
async function signup(tag: string) {
  const input = { email: `${tag}-${++seq}@example.com`, password: 'correct horse battery', name: 'Test User' };
  const r = await platform.gql('mutation($i: RegisterInput!) { register(input: $i) { user { id } accessToken userErrors { code } } }', { i: input });
  expect(r.data.register.userErrors).toEqual([]);
  return r.data.register as { user: { id: string }; accessToken: string };
}
const me = (token: string) => platform.gql('{ me { id defaultAddress { id } addresses { id isDefault city } } }', {}, { token });

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
});
afterAll(async () => platform?.stop());

describe('addresses', () => {
  let token: string;
  let userId: string;
  const add = (input: object, setDefault?: boolean, t: string | null = token) =>
    platform.gql(`mutation($i: AddressInput!, $d: Boolean) { addAddress(input: $i, setDefault: $d) { ${ADDRESS} } }`, { i: input, d: setDefault }, { token: t ?? undefined });
  const mutate = (name: string, id: string, t = token, input?: object) =>
    platform.gql(`mutation($id: ID!${input ? ', $i: AddressInput!' : ''}) { ${name}(id: $id${input ? ', input: $i' : ''}) { ${ADDRESS} } }`, { id, i: input }, { token: t });
  const addressCount = () => platform.users.models.Address.countDocuments({ userId });
  const mine = async () => (await me(token)).data.me as { defaultAddress: { id: string } | null; addresses: Array<{ id: string; isDefault: boolean; city: string }> };

  beforeAll(async () => {
    ({ accessToken: token, user: { id: userId } } = await signup('addr'));
  });

  it('adds, defaults, orders, updates, switches and removes', async () => {
    const first = (await add({ ...home, countryCode: ' de ', line2: '  ' })).data.addAddress;
    expect(first.userErrors).toEqual([]);
    expect(first.address).toMatchObject({ countryCode: 'DE', line2: null, isDefault: true });
    const second = (await add({ ...home, city: 'Hamburg' })).data.addAddress.address;
    expect(second.isDefault).toBe(false);
    const third = (await add({ ...home, city: 'Munich', phone: '+49 30 1234567' }, true)).data.addAddress.address;
    expect(third.isDefault).toBe(true);
    let view = await mine();
    expect(view.addresses.map((a) => a.id)).toEqual([third.id, second.id, first.address.id]);
    expect(view.addresses.map((a) => a.isDefault)).toEqual([true, false, false]);

    const updated = (await mutate('updateAddress', second.id, token, { ...home, city: 'Bremen' })).data.updateAddress;
    expect(updated.address).toMatchObject({ id: second.id, city: 'Bremen', isDefault: false });

    expect((await mutate('setDefaultAddress', first.address.id)).data.setDefaultAddress.address.isDefault).toBe(true);
    view = await mine();
    expect(view.defaultAddress?.id).toBe(first.address.id);
    expect(view.addresses.map((a) => a.id)).toEqual([first.address.id, third.id, second.id]);

    expect((await mutate('removeAddress', first.address.id)).data.removeAddress.userErrors).toEqual([]);
    view = await mine();
    // The newest remaining address takes over as default.
    expect(view.defaultAddress?.id).toBe(third.id);
    expect(view.addresses).toEqual([expect.objectContaining({ id: third.id, isDefault: true }), expect.objectContaining({ id: second.id, isDefault: false })]);
    await mutate('removeAddress', second.id);
    await mutate('removeAddress', third.id);
    expect(await mine()).toMatchObject({ defaultAddress: null, addresses: [] });
  });

  it.each([
    [{ countryCode: 'XX' }, 'countryCode'],
    [{ countryCode: 'usa' }, 'countryCode'],
    [{ countryCode: '' }, 'countryCode'],
    [{ fullName: '   ' }, 'fullName'],
    [{ line1: '' }, 'line1'],
    [{ city: ' ' }, 'city'],
    [{ postalCode: '' }, 'postalCode'],
    [{ phone: 'call me maybe' }, 'phone'],
  ])('refuses %o as INVALID_ADDRESS and changes nothing', async (patch, field) => {
    const kept = (await add(home)).data.addAddress.address;
    const before = await addressCount();
    const added = (await add({ ...home, ...patch })).data.addAddress;
    expect(added.address).toBeNull();
    expect(added.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_ADDRESS', field: ['input', field] })]);
    const updated = (await mutate('updateAddress', kept.id, token, { ...home, city: 'Elsewhere', ...patch })).data.updateAddress;
    expect(updated.userErrors[0]).toMatchObject({ code: 'INVALID_ADDRESS', field: ['input', field] });
    expect(await addressCount()).toBe(before);
    expect((await platform.users.models.Address.findById(kept.id).lean())?.city).toBe(home.city);
  });

  it("treats another user's address as missing and leaves it alone", async () => {
    const owner = await signup('owner');
    const theirs = (await add(home, false, owner.accessToken)).data.addAddress.address;
    for (const [name, input] of [['updateAddress', { ...home, city: 'Stolen' }], ['removeAddress'], ['setDefaultAddress']] as const) {
      const r = (await mutate(name, theirs.id, token, input)).data[name];
      expect(r).toEqual({ address: null, userErrors: [expect.objectContaining({ code: 'NOT_FOUND' })] });
    }
    expect((await platform.users.models.Address.findById(theirs.id).lean())?.city).toBe(home.city);
    expect((await platform.users.models.User.findById(userId).lean())?.defaultAddressId?.toString()).not.toBe(theirs.id);
    expect((await me(owner.accessToken)).data.me.defaultAddress.id).toBe(theirs.id);
  });

  it('refuses an anonymous caller at the field', async () => {
    const before = await platform.users.models.Address.countDocuments();
    const r = await add(home, false, null);
    expect(r.data.addAddress).toBeNull();
    expect(r.errors).toEqual([expect.objectContaining({ path: ['addAddress'], extensions: { code: 'UNAUTHENTICATED' } })]);
    expect(await platform.users.models.Address.countDocuments()).toBe(before);
  });
});
