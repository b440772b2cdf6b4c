import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '../../scripts/harness.js';

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
});
afterAll(async () => platform?.stop());

describe('refresh token rotation under concurrency', () => {
  it('lets exactly one of many simultaneous refreshes of one token win', async () => {
    const reg = await platform.gql(`mutation { register(input: {email: "race@example.com", password: "race-password-1", name: "R"}) { refreshToken } }`);
    const token: string = reg.data.register.refreshToken;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => platform.gql(`mutation ($t: String!) { refreshToken(refreshToken: $t) { refreshToken userErrors { code } } }`, { t: token })),
    );
    const winners = results.filter((r) => r.data.refreshToken.refreshToken);
    const losers = results.filter((r) => r.data.refreshToken.userErrors[0]?.code === 'INVALID_REFRESH_TOKEN');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(9);
  });
});
