import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '../../scripts/harness.js';

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
});
afterAll(async () => platform?.stop());

describe('smoke', () => {
  it('registers and reads me', async () => {
    const reg = await platform.gql(`mutation { register(input: {email: "a@b.co", password: "correct horse battery", name: "A"}) { user { id email } accessToken refreshToken userErrors { code message field } } }`);
    console.log(JSON.stringify(reg.body));
    const token = reg.data.register.accessToken;
    const me = await platform.gql(`{ me { id email role addresses { id } } users { totalCount } }`, {}, { token });
    console.log(JSON.stringify(me.body));
    const anon = await platform.gql(`{ me { id } users { totalCount } }`);
    console.log(JSON.stringify(anon.body));
    const anonMut = await platform.gql(`mutation { setUserRole(userId: "x", role: ADMIN) { user { id } } }`);
    console.log(JSON.stringify(anonMut.body));
    expect(reg.status).toBe(200);
  });
});
