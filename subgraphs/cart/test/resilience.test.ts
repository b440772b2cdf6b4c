import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentitySigner, importPrivateKey, listen } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, postGraphQL, serviceKeyEnv, startRedis, type StoreProcess } from '@shopcart/testing';
import { loadCartEnv } from '../src/env.js';
import { createCartService } from '../src/server.js';
import { ADD, CART, startCartPlatform, type CartPlatform } from './support.js';

/** This file runs its own Redis (append-only file, no snapshots), so it can kill and restart it. */
const dir = mkdtempSync(join(tmpdir(), 'shopcart-cart-redis-'));
let redis: StoreProcess;
let p: CartPlatform;

const startOwnRedis = (port?: number) => startRedis({ dir, port, appendonly: true });

beforeAll(async () => {
  redis = await startOwnRedis();
  p = await startCartPlatform({}, { redisUrl: redis.url });
});
afterAll(async () => {
  await p?.platform.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('durability', () => {
  it('a cart survives a restart of the cart service', async () => {
    const v = await p.variant('6.00', 10);
    const cart = (await p.anonymous(ADD, { lines: [{ variantId: v.id, quantity: 2 }] })).data.cartAddLines.cart;
    // A second cart process, started fresh, serves the same cart: nothing lives in process memory.
    const env = { ...p.platform.env, ...serviceKeyEnv('cart', p.platform.keys) };
    const fresh = await createCartService(loadCartEnv(env));
    try {
      const url = `http://127.0.0.1:${await listen(fresh.http.server, 0, '127.0.0.1')}/graphql`;
      const router = createIdentitySigner('shopcart-router', await importPrivateKey(p.platform.keys.routerPrivate));
      const token = await router.sign('cart', { userId: null, role: 'ANONYMOUS', clientIp: null });
      const r = await postGraphQL<any>(url, 'query($id: ID) { cart(id: $id) { id totalQuantity lines { quantity } } }', { id: cart.id }, { token });
      expect(r.data.cart).toEqual({ id: cart.id, totalQuantity: 2, lines: [{ quantity: 2 }] });
    } finally {
      await fresh.http.shutdown(1_000);
      await fresh.close();
    }
  });

  it('a cart survives Redis being killed and restarted (append-only file, no snapshot)', async () => {
    const v = await p.variant('6.00', 10);
    const cart = (await p.anonymous(ADD, { lines: [{ variantId: v.id, quantity: 3 }] })).data.cartAddLines.cart;
    // appendfsync everysec: what was written more than a second ago is on disk.
    await sleep(1_500);
    redis.child.kill('SIGKILL');
    await new Promise((resolve) => redis.child.once('exit', resolve));
    redis = await startOwnRedis(redis.port);
    const read = await pollUntil(
      () => p.anonymous(CART, { id: cart.id }),
      (r) => !r.errors && r.data?.cart != null,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(read.errors).toBeUndefined();
    expect(read.data.cart.lines.map((line: any) => line.quantity)).toEqual([3]);
    expect(read.data.cart.expiresAt).toBe(cart.expiresAt);
  });
});

describe('Redis unavailable', () => {
  it('changes and reads fail fast with SERVICE_UNAVAILABLE, write nothing, and work again when Redis returns', async () => {
    const v = await p.variant('6.00', 10);
    const cart = (await p.anonymous(ADD, { lines: [{ variantId: v.id, quantity: 1 }] })).data.cartAddLines.cart;
    await sleep(1_500);
    redis.child.kill('SIGKILL');
    await new Promise((resolve) => redis.child.once('exit', resolve));

    const began = Date.now();
    const add = await p.anonymous(ADD, { cartId: cart.id, lines: [{ variantId: v.id, quantity: 1 }] });
    const addMs = Date.now() - began;
    expect(add.data?.cartAddLines ?? null).toBeNull();
    expect(add.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(JSON.stringify(add.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|redis:\/\//i);
    // Bounded by the client's command and connect timeouts (2 s), not by a hang.
    expect(addMs).toBeLessThan(3_000);
    const read = await p.anonymous(CART, { id: cart.id });
    expect(read.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    const ready = await fetch(new URL('/ready', p.platform.subgraphUrls.cart!));
    expect(ready.status).toBe(503);

    redis = await startOwnRedis(redis.port);
    const back = await pollUntil(
      () => p.anonymous(ADD, { cartId: cart.id, lines: [{ variantId: v.id, quantity: 1 }] }),
      (r) => !r.errors,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(back.errors).toBeUndefined();
    // The add refused while Redis was down wrote nothing: 1 + 1, not 1 + 2.
    expect(back.data.cartAddLines.cart.lines[0].quantity).toBe(2);
  });
});

describe('products unavailable', () => {
  it('the cart still lists its lines at the price when added, with variant null and an error at its path', async () => {
    const v = await p.variant('8.25', 10);
    // Never added to a cart before products goes away: the cart knows nothing about it.
    const unseen = await p.variant('4.00', 10);
    const cart = (await p.anonymous(ADD, { lines: [{ variantId: v.id, quantity: 2 }] })).data.cartAddLines.cart;
    const products = p.platform.services.products!;
    await products.http.shutdown(1_000);
    await products.close();
    delete p.platform.services.products;

    const r = await p.anonymous(CART, { id: cart.id });
    expect(r.data.cart).toMatchObject({
      id: cart.id,
      totalQuantity: 2,
      subtotal: { amount: '16.50' },
      lines: [{ quantity: 2, variant: null, unitPrice: { amount: '8.25' }, lineTotal: { amount: '16.50' } }],
    });
    // The router names the first field products would have filled (under the nulled variant).
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]!.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(r.errors![0]!.path?.slice(0, 4)).toEqual(['cart', 'lines', 0, 'variant']);
    expect(JSON.stringify(r.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|graphql/);

    // A variant the cart has not been told about cannot be checked against the catalog: refused, the cart unchanged.
    const before = await p.raw(cart.id);
    const add = await p.anonymous(ADD, { cartId: cart.id, lines: [{ variantId: unseen.id, quantity: 1 }] });
    expect(add.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(await p.raw(cart.id)).toBe(before);

    // One it was told about (and whose changes it follows) can still be added.
    const again = await p.anonymous(ADD, { cartId: cart.id, lines: [{ variantId: v.id, quantity: 1 }] });
    expect(again.data.cartAddLines.userErrors).toEqual([]);
    expect(JSON.parse((await p.raw(cart.id))!).lines.map((line: any) => line.quantity)).toEqual([3]);
  });
});
