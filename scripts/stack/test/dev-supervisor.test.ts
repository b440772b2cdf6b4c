import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../processes.js';
import { runDir } from '../stores.js';

/*
 * npm start's stack as the README starts it (scripts/stack/dev.ts, on free ports,
 * with stores of its own): a service or a store that dies is started again
 * while the rest keeps serving.
 */

let dev: ChildProcess;
let dir: string;
const lines: string[] = [];
let endpoint = '';

function waitForLine(pattern: RegExp, timeoutMs: number, after = 0): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      for (let i = after; i < lines.length; i += 1) {
        const match = pattern.exec(lines[i]!);
        if (match) return resolve(match);
      }
      if (Date.now() > deadline) return reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${lines.slice(-20).join('\n')}`));
      setTimeout(check, 100);
    };
    check();
  });
}

const pidOf = async (name: string, after = 0) => Number((await waitForLine(new RegExp(`^\\[shopcart\\] ${name} (?:re)?started \\(pid (\\d+)\\)`), 60_000, after))[1]);

async function catalog(): Promise<{ data: any; errors?: Array<{ path?: unknown[]; extensions?: { code?: string } }> }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ products(first: 3) { nodes { title variants { sku inventory { available } } } } }' }),
  });
  return (await response.json()) as never;
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  dir = runDir('shopcart-dev-');
  dev = spawn(process.execPath, ['--import', 'tsx', 'scripts/stack/dev.ts'], {
    cwd: REPO_ROOT,
    // Its own stores: the suite's query audit is not about them.
    env: { ...process.env, STORE_QUERY_AUDIT_DIR: '', NODE_ENV: 'development', LOG_LEVEL: 'warn', SHOPCART_DATA_DIR: dir, SHOPCART_FREE_PORTS: 'true', SEED_PRODUCTS: '30' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [dev.stdout!, dev.stderr!]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  endpoint = (await waitForLine(/GraphQL endpoint: (http:\/\/\S+)/, 150_000))[1]!.replace('localhost', '127.0.0.1');
}, 180_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    dev.kill('SIGINT');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('npm start when a process dies', () => {
  it('restarts a killed subgraph; meanwhile the catalog is answered with inventory null', { timeout: 90_000 }, async () => {
    const before = lines.length;
    process.kill(await pidOf('inventory'), 'SIGKILL');
    await waitForLine(/\[shopcart\] inventory stopped unexpectedly \(signal SIGKILL\); restarting in 1s/, 10_000, before);

    const degraded = await until(async () => {
      const page = await catalog();
      return page.errors?.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE') ? page : undefined;
    }, 10_000);
    expect(degraded.data.products.nodes.length).toBe(3);
    expect(degraded.data.products.nodes[0].title).toEqual(expect.any(String));
    expect(degraded.data.products.nodes[0].variants[0].inventory).toBeNull();

    await waitForLine(/\[shopcart\] inventory restarted \(pid \d+\)/, 30_000, before);
    const back = await until(async () => {
      const page = await catalog();
      return !page.errors && page.data.products.nodes[0].variants[0].inventory ? page : undefined;
    }, 60_000);
    expect(back.data.products.nodes[0].variants[0].inventory.available).toEqual(expect.any(Number));
    expect(dev.exitCode).toBeNull();
  });

  it('restarts a killed Redis; carts work again without restarting a service', { timeout: 90_000 }, async () => {
    const before = lines.length;
    const addToCart = async () => {
      const page = await catalog();
      const sku = page.data.products.nodes.flatMap((p: any) => p.variants).find((v: any) => (v.inventory?.available ?? 0) > 0)?.sku;
      const ids = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ products(first: 3) { nodes { variants { id sku } } } }' }) });
      const variantId = ((await ids.json()) as any).data.products.nodes.flatMap((p: any) => p.variants).find((v: any) => v.sku === sku)?.id;
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation($l: [CartLineInput!]!) { cartAddLines(lines: $l) { cart { id } userErrors { code } } }', variables: { l: [{ variantId, quantity: 1 }] } }),
      });
      return (await response.json()) as { data?: any; errors?: unknown[] };
    };
    expect((await addToCart()).data.cartAddLines.cart.id).toEqual(expect.any(String));

    process.kill(await pidOf('redis'), 'SIGKILL');
    await waitForLine(/\[shopcart\] redis stopped unexpectedly \(signal SIGKILL\)/, 10_000, before);
    // The catalog does not need Redis: it is still answered.
    const page = await catalog();
    expect(page.data.products.nodes.length).toBe(3);

    await waitForLine(/\[shopcart\] redis restarted \(pid \d+\)/, 30_000, before);
    const added = await until(async () => {
      const answer = await addToCart();
      return answer.data?.cartAddLines?.cart?.id ? answer : undefined;
    }, 60_000);
    expect(added.data.cartAddLines.userErrors).toEqual([]);
    expect(dev.exitCode).toBeNull();
  });
});
