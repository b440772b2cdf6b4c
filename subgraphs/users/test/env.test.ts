import { describe, expect, it } from 'vitest';
import { DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD, loadUsersEnv } from '../src/env.js';

const keys = { ACCESS_TOKEN_PRIVATE_KEY: 'private', ROUTER_PUBLIC_KEY: 'public' };

describe('users configuration', () => {
  it('uses the development admin outside production', () => {
    const env = loadUsersEnv({ ...keys });
    expect(env.adminEmail).toBe(DEV_ADMIN_EMAIL);
    expect(env.adminPassword).toBe(DEV_ADMIN_PASSWORD);
  });

  it('refuses the development admin defaults in production, naming the variables', () => {
    expect(() => loadUsersEnv({ ...keys, NODE_ENV: 'production' })).toThrowError(/ADMIN_EMAIL[\s\S]*ADMIN_PASSWORD/);
    expect(() => loadUsersEnv({ ...keys, NODE_ENV: 'production', ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: DEV_ADMIN_PASSWORD })).toThrowError(/ADMIN_PASSWORD/);
    const env = loadUsersEnv({ ...keys, NODE_ENV: 'production', ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: 'a long and unusual secret' });
    expect(env.adminEmail).toBe('ops@example.com');
  });

  it('requires the signing keys and names what is missing', () => {
    expect(() => loadUsersEnv({})).toThrowError(/ACCESS_TOKEN_PRIVATE_KEY[\s\S]*ROUTER_PUBLIC_KEY/);
  });

  it('takes a refresh token reuse grace window of 0 to 60 whole seconds, 10 by default', () => {
    expect(loadUsersEnv({ ...keys }).REFRESH_TOKEN_REUSE_GRACE_SECONDS).toBe(10);
    expect(loadUsersEnv({ ...keys, REFRESH_TOKEN_REUSE_GRACE_SECONDS: '0' }).REFRESH_TOKEN_REUSE_GRACE_SECONDS).toBe(0);
    for (const bad of ['-1', '61', '1.5', 'soon']) {
      expect(() => loadUsersEnv({ ...keys, REFRESH_TOKEN_REUSE_GRACE_SECONDS: bad })).toThrowError(/REFRESH_TOKEN_REUSE_GRACE_SECONDS/);
    }
  });

  it('prefers the per-service store URLs', () => {
    const env = loadUsersEnv({ ...keys, MONGODB_URL: 'mongodb://shared', USERS_MONGODB_URL: 'mongodb://own', REDIS_URL: 'redis://shared' });
    expect(env.mongoUrl).toBe('mongodb://own');
    expect(env.redisUrl).toBe('redis://shared');
  });
});
