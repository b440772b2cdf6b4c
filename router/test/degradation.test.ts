import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listen } from '@shopcart/kit';
import { startPlatform, type Platform } from '@shopcart/testing';

let platform: Platform;
let token: string;

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl'), env: { SUBGRAPH_TIMEOUT_MS: '1000' } });
  const reg = await platform.gql(`mutation { register(input: {email: "down@example.com", password: "down-password-1", name: "D"}) { accessToken } }`);
  token = reg.data.register.accessToken;
});
afterAll(async () => platform?.stop());

describe('a subgraph that is down', () => {
  it('reports each subgraph on the router readiness endpoint', async () => {
    const response = await fetch(new URL('/ready', platform.routerUrl));
    expect(response.status).toBe(200);
    // Only users runs here; the router still reports every subgraph of its supergraph.
    const body = (await response.json()) as { ready: boolean; checks: Record<string, boolean> };
    expect(body.ready).toBe(true);
    expect(body.checks.users).toBe(true);
    const others = Object.entries(body.checks).filter(([name]) => name !== 'users');
    expect(others.map(([name]) => name).sort()).toEqual(['cart', 'inventory', 'orders', 'payments', 'products']);
    expect(others.every(([, up]) => up === false)).toBe(true);
  });

  it('answers with a masked SERVICE_UNAVAILABLE and no internal detail, then recovers without a router restart', async () => {
    const port = Number(new URL(platform.subgraphUrls.users!).port);
    await platform.users.http.shutdown(500);

    const down = await platform.gql('{ me { id email } }', undefined, { token });
    expect(down.status).toBe(200);
    expect(down.data).toEqual({ me: null });
    expect(down.errors).toHaveLength(1);
    expect(down.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    const raw = JSON.stringify(down.body);
    expect(raw).not.toMatch(/127\.0\.0\.1|localhost|http:|ECONNREFUSED|stack|response/i);

    // Same port again, as a restarted process would.
    const server = platform.users.http.server;
    await listen(server, port, '127.0.0.1');
    const back = await platform.gql('{ me { email } }', undefined, { token });
    expect(back.errors).toBeUndefined();
    expect(back.data.me.email).toBe('down@example.com');
  });
});
