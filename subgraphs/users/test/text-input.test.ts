import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';

const ADDRESS = 'address { id fullName line1 city } userErrors { code message field }';
const home = { fullName: 'Ada Lovelace', line1: '1 Main St', city: 'Berlin', postalCode: '10115', countryCode: 'DE' };
// NUL, RIGHT-TO-LEFT OVERRIDE, ZERO WIDTH SPACE: each hides or reorders what a label or an admin screen shows.
const HIDDEN = [
  ['NUL', '\u0000'],
  ['U+202E', '\u202e'],
  ['U+200B', '\u200b'],
] as const;

let platform: Platform;
let seq = 0;
const register = async (name: string) => {
  const email = `text-${++seq}@example.com`;
  const r = await platform.gql('mutation($i: RegisterInput!) { register(input: $i) { user { id name } accessToken userErrors { code message field } } }', {
    i: { email, password: 'correct horse battery', name },
  });
  return { email, ...r.data.register };
};

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
});
afterAll(async () => platform?.stop());

describe('free text in accounts and addresses', () => {
  let token: string;
  let userId: string;
  const add = (input: object) => platform.gql(`mutation($i: AddressInput!) { addAddress(input: $i) { ${ADDRESS} } }`, { i: input }, { token });
  const update = (id: string, input: object) => platform.gql(`mutation($id: ID!, $i: AddressInput!) { updateAddress(id: $id, input: $i) { ${ADDRESS} } }`, { id, i: input }, { token });

  beforeAll(async () => {
    const session = await register('Text Tester');
    expect(session.userErrors).toEqual([]);
    ({ accessToken: token, user: { id: userId } } = session);
  });

  it.each(HIDDEN)('refuses %s in a name at registration and creates no account', async (_name, char) => {
    const session = await register(`Mallory${char}Smith`);
    expect(session.user).toBeNull();
    expect(session.userErrors).toEqual([{ code: 'INVALID_NAME', field: ['input', 'name'], message: expect.stringContaining('U+') }]);
    expect(await platform.users.models.User.countDocuments({ emailLower: session.email })).toBe(0);
  });

  it.each(HIDDEN)('refuses %s in an address line, adding or updating nothing', async (_name, char) => {
    const kept = (await add(home)).data.addAddress.address;
    const before = await platform.users.models.Address.countDocuments({ userId });
    const added = (await add({ ...home, line1: `1 Main${char}St` })).data.addAddress;
    expect(added).toEqual({ address: null, userErrors: [{ code: 'INVALID_ADDRESS', field: ['input', 'line1'], message: expect.stringContaining('line1') }] });
    const updated = (await update(kept.id, { ...home, line1: `2 High${char}St` })).data.updateAddress;
    expect(updated.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_ADDRESS', field: ['input', 'line1'] })]);
    expect(await platform.users.models.Address.countDocuments({ userId })).toBe(before);
    expect((await platform.users.models.Address.findById(kept.id).lean())?.line1).toBe(home.line1);
  });

  it('stores a decomposed "é" composed (NFC), in a name and in an address', async () => {
    const session = await register('Rene\u0301e Lefe\u0300vre');
    expect(session.user.name).toBe('Ren\u00e9e Lef\u00e8vre');
    expect((await platform.users.models.User.findById(session.user.id).lean())?.name).toBe('Ren\u00e9e Lef\u00e8vre');
    const added = (await add({ ...home, city: 'Mu\u0308nchen', line1: 'Rue de l\u2019E\u0301glise 3' })).data.addAddress.address;
    const stored = await platform.users.models.Address.findById(added.id).lean();
    expect([stored?.city, stored?.line1]).toEqual(['M\u00fcnchen', 'Rue de l\u2019\u00c9glise 3']);
  });

  it('accepts names and addresses in any script', async () => {
    const session = await register('山田 太郎');
    expect(session.userErrors).toEqual([]);
    expect(session.user.name).toBe('山田 太郎');
    const japanese = (await add({ ...home, fullName: '山田 太郎', line1: '千代田1-1', city: '東京都千代田区', countryCode: 'JP', postalCode: '100-0001' })).data.addAddress;
    expect(japanese.userErrors).toEqual([]);
    expect(japanese.address).toMatchObject({ fullName: '山田 太郎', line1: '千代田1-1', city: '東京都千代田区' });
    const arabic = (await add({ ...home, fullName: 'محمد عبد الله', line1: 'شارع الملك فهد', city: 'الرياض', countryCode: 'SA', postalCode: '12211' })).data.addAddress;
    expect(arabic.userErrors).toEqual([]);
    expect(arabic.address).toMatchObject({ fullName: 'محمد عبد الله', line1: 'شارع الملك فهد', city: 'الرياض' });
  });
});
