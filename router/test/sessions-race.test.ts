import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';

const REFRESH = `mutation ($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken userErrors { code } } }`;
const stores = () => ({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

let platform: Platform;
let seq = 0;
beforeAll(async () => {
  platform = await startPlatform(stores());
});
afterAll(async () => platform?.stop());

async function signup(p = platform): Promise<{ userId: string; refreshToken: string }> {
  const input = { email: `race-${++seq}@example.com`, password: 'race-password-1', name: 'R' };
  const r = await p.gql('mutation ($i: RegisterInput!) { register(input: $i) { user { id } refreshToken } }', { i: input });
  return { userId: r.data.register.user.id, refreshToken: r.data.register.refreshToken };
}
const refresh = async (token: string, p = platform) => (await p.gql(REFRESH, { t: token })).data.refreshToken;
const tokensOf = (userId: string, p = platform) => p.users.models.RefreshToken.find({ userId }).lean();

describe('refresh token rotation under concurrency', () => {
  it('answers parallel refreshes of one token (two tabs) with one successor and keeps the session', async () => {
    const { userId, refreshToken } = await signup();
    const results = await Promise.all(Array.from({ length: 8 }, () => refresh(refreshToken)));
    expect(results.map((r) => r.userErrors)).toEqual(Array.from({ length: 8 }, () => []));
    const successor: string = results[0].refreshToken;
    expect(results.map((r) => r.refreshToken)).toEqual(Array.from({ length: 8 }, () => successor));
    // A fresh access token each, every one of them good.
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(8);
    for (const r of results) expect((await platform.gql('{ me { id } }', {}, { token: r.accessToken })).data.me.id).toBe(userId);

    const stored = await tokensOf(userId);
    expect(new Set(stored.map((t) => t.familyId)).size).toBe(1);
    expect(stored.filter((t) => t.revokedAt)).toEqual([]);
    expect(stored.filter((t) => !t.rotatedAt).map((t) => t._id)).toEqual([tokenId(successor)]);
    // Nowhere in the clear: the database holds hashes only.
    expect(JSON.stringify(stored)).not.toContain(successor);

    expect((await refresh(successor)).userErrors).toEqual([]);
  });

  it('revokes the family when the old token comes back after its successor was rotated', async () => {
    const { userId, refreshToken } = await signup();
    const successor = (await refresh(refreshToken)).refreshToken;
    const newest = (await refresh(successor)).refreshToken;
    expect((await refresh(refreshToken)).userErrors).toEqual([{ code: 'INVALID_REFRESH_TOKEN' }]);
    expect((await refresh(newest)).userErrors).toEqual([{ code: 'INVALID_REFRESH_TOKEN' }]);
    expect((await tokensOf(userId)).filter((t) => !t.revokedAt)).toEqual([]);
  });

  it('gives nothing back for the old token once the session was signed out', async () => {
    const { refreshToken } = await signup();
    const successor = (await refresh(refreshToken)).refreshToken;
    await platform.gql('mutation ($t: String!) { logout(refreshToken: $t) }', { t: successor });
    expect((await refresh(refreshToken)).userErrors).toEqual([{ code: 'INVALID_REFRESH_TOKEN' }]);
    expect((await refresh(successor)).userErrors).toEqual([{ code: 'INVALID_REFRESH_TOKEN' }]);
  });

  describe('after the reuse grace window', () => {
    let short: Platform;
    beforeAll(async () => {
      short = await startPlatform({ ...stores(), env: { REFRESH_TOKEN_REUSE_GRACE_SECONDS: '1' } });
    });
    afterAll(async () => short?.stop());

    it('revokes the family when the old token is presented again', async () => {
      const { userId, refreshToken } = await signup(short);
      const first = await refresh(refreshToken, short);
      expect((await refresh(refreshToken, short)).refreshToken).toBe(first.refreshToken);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await refresh(refreshToken, short)).userErrors).toEqual([{ code: 'INVALID_REFRESH_TOKEN' }]);
      expect((await refresh(first.refreshToken, short)).userErrors).toEqual([{ code: 'INVALID_REFRESH_TOKEN' }]);
      expect((await tokensOf(userId, short)).filter((t) => !t.revokedAt)).toEqual([]);
    });
  });
});
