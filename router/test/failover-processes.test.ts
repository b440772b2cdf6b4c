import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { SUBGRAPHS } from '../../schema/subgraphs.js';
import { startProcessStack, spawnService, waitReady, freePort, type ProcessStack } from '@shopcart/testing';
import { UNAVAILABLE_MESSAGE } from '../src/dataSource.js';
import { CATALOG_PAGE, metricValue, nullAt, startFlakySubgraph, timedGql, type TimedResponse } from './support/resilience.js';

/**
 * Every subgraph of the supergraph runs as its own process, as in
 * production; each is stopped in turn with SIGKILL and with SIGTERM while
 * the router keeps serving, then started again on its port.
 */

const SUBGRAPH_TIMEOUT_MS = 2_000;
const BREAKER_RESET_MS = 1_000;

let stack: ProcessStack;
let routerBase: string;
let customer: string;
const baseline: Record<string, TimedResponse> = {};

const PROBES: Record<string, { query: string; signedIn: boolean }> = {
  catalog: { query: CATALOG_PAGE, signedIn: false },
  account: { query: '{ me { email addresses { city } } category(slug: "electronics") { name } }', signedIn: true },
};

/** Where today's subgraphs may leave errors in the probes; subgraphs added later get the general checks only. */
const OWNS: Record<string, (path: Array<string | number>) => boolean> = {
  users: (path) => path.length === 1 && path[0] === 'me',
  products: (path) => path.length === 1 && (path[0] === 'products' || path[0] === 'category'),
  inventory: (path) => path[0] === 'products' && path.at(-1) === 'inventory',
};

const probe = (name: string) => timedGql(stack.routerUrl, PROBES[name]!.query, { token: PROBES[name]!.signedIn ? customer : undefined });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  stack = await startProcessStack({
    mongoUrl: inject('mongoUrl'),
    redisUrl: inject('redisUrl'),
    seedProducts: 30,
    env: { LOG_LEVEL: 'warn' },
    routerEnv: { SUBGRAPH_TIMEOUT_MS: String(SUBGRAPH_TIMEOUT_MS), SUBGRAPH_BREAKER_RESET_MS: String(BREAKER_RESET_MS), SUBGRAPH_BREAKER_MIN_REQUESTS: '3' },
  });
  routerBase = new URL(stack.routerUrl).origin;
  const reg = await timedGql(stack.routerUrl, 'mutation { register(input: {email: "failover@example.com", password: "failover-password-1", name: "F"}) { accessToken } }');
  customer = reg.body.data.register.accessToken;
  await timedGql(stack.routerUrl, 'mutation ($a: AddressInput!) { addAddress(input: $a) { address { id } } }', {
    token: customer,
    variables: { a: { fullName: 'F', line1: '1 Main St', city: 'Pune', postalCode: '411001', countryCode: 'IN' } },
  });
  for (const name of Object.keys(PROBES)) baseline[name] = await probe(name);
}, 180_000);

afterAll(async () => stack?.close());

// A failed test must not leave its subgraph down for the next one.
afterEach(async () => {
  for (const name of stack.subgraphs) {
    const { child } = stack.process(name);
    if (child.exitCode !== null || child.signalCode !== null) await stack.start(name);
  }
});

describe('the stack as separate processes', () => {
  it('answers every probe in full while all subgraphs run', () => {
    expect(baseline.catalog!.body.errors).toBeUndefined();
    const nodes = baseline.catalog!.body.data.products.nodes as Array<{ variants: Array<{ inventory: { available: number } | null }> }>;
    expect(nodes).toHaveLength(20);
    expect(nodes.flatMap((n) => n.variants).every((v) => typeof v.inventory?.available === 'number')).toBe(true);
    expect(baseline.account!.body.errors).toBeUndefined();
    expect(baseline.account!.body.data.me).toEqual({ email: 'failover@example.com', addresses: [{ city: 'Pune' }] });
    expect(baseline.account!.body.data.category).toEqual({ name: 'Electronics' });
  });
});

/** A degraded answer: only SERVICE_UNAVAILABLE errors with paths, nothing internal, and only those fields missing. */
function expectDegraded(subgraph: string, name: string, response: TimedResponse): void {
  expect(response.status).toBe(200);
  expect(response.ms).toBeLessThan(SUBGRAPH_TIMEOUT_MS);
  expect(response.raw).not.toMatch(/127\.0\.0\.1|localhost|https?:|ECONN|fetch failed|stack|status|socket/i);
  const errors = response.body.errors ?? [];
  for (const error of errors) {
    expect(error).toEqual({ message: UNAVAILABLE_MESSAGE, path: expect.any(Array), extensions: { code: 'SERVICE_UNAVAILABLE' } });
    expect(error.path!.length).toBeGreaterThan(0);
    if (OWNS[subgraph]) expect(OWNS[subgraph]!(error.path!), `${subgraph} failure at ${error.path!.join('.')}`).toBe(true);
  }
  const data = response.body.data;
  if (data === null) {
    // A non-null root field of the dead subgraph takes the whole response with it.
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.path!.length === 1)).toBe(true);
  } else {
    let expected: unknown = baseline[name]!.body.data;
    for (const error of errors) expected = nullAt(expected, error.path!);
    expect(data).toEqual(expected);
  }
}

/** What a dead subgraph of today must take out of each probe, at least. */
function expectOwnFailures(subgraph: string, results: Record<string, TimedResponse>): void {
  const paths = (name: string) => (results[name]!.body.errors ?? []).map((e) => e.path!.join('.'));
  if (subgraph === 'users') {
    expect(paths('account')).toEqual(['me']);
    expect(results.account!.body.data.category).toEqual(baseline.account!.body.data.category);
    expect(paths('catalog')).toEqual([]);
  }
  if (subgraph === 'products') {
    expect(paths('catalog')).toEqual(['products']);
    expect(paths('account')).toEqual(['category']);
    expect(results.account!.body.data.me).toEqual(baseline.account!.body.data.me);
  }
  if (subgraph === 'inventory') {
    const variants = (baseline.catalog!.body.data.products.nodes as Array<{ variants: unknown[] }>).reduce((n, p) => n + p.variants.length, 0);
    expect(paths('catalog')).toHaveLength(variants);
    expect(paths('catalog')[0]).toBe('products.nodes.0.variants.0.inventory');
    expect(results.catalog!.body.data.products.nodes.map((n: { title: string }) => n.title)).toEqual(baseline.catalog!.body.data.products.nodes.map((n: { title: string }) => n.title));
    expect(paths('account')).toEqual([]);
  }
}

describe('one subgraph stopped at a time', () => {
  for (const { name: subgraph } of SUBGRAPHS) {
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      it(`${subgraph}, stopped with ${signal}, nulls only its own fields, then recovers without a router restart`, async () => {
        const routerPid = stack.process('router').child.pid;
        const exit = await stack.kill(subgraph, signal);
        // SIGTERM drains and exits cleanly; SIGKILL gives no chance to.
        if (signal === 'SIGTERM') expect(exit).toEqual({ code: 0, signal: null });
        else expect(exit.signal).toBe('SIGKILL');

        const ready = (await (await fetch(new URL('/ready', routerBase))).json()) as { ready: boolean; checks: Record<string, boolean> };
        expect(ready.ready).toBe(true);
        expect(ready.checks[subgraph]).toBe(false);

        let results: Record<string, TimedResponse> = {};
        let touched = false;
        // Calls that succeeded earlier in the window count too: keep going until failures pass the threshold.
        for (let round = 0; round < 60; round += 1) {
          results = { catalog: await probe('catalog'), account: await probe('account') };
          for (const [name, response] of Object.entries(results)) expectDegraded(subgraph, name, response);
          touched ||= Object.values(results).some((r) => (r.body.errors ?? []).length > 0);
          if (!touched || (await metricValue(stack.metricsUrls.router!, 'subgraph_breaker_state', { subgraph })) === 2) break;
        }
        expectOwnFailures(subgraph, results);
        if (touched) {
          expect(await metricValue(stack.metricsUrls.router!, 'subgraph_breaker_state', { subgraph })).toBe(2);
          // A stopped process refuses connections: counted as such, not as a timeout or an unknown error.
          expect(await metricValue(stack.metricsUrls.router!, 'subgraph_fetch_errors_total', { subgraph, code: 'connection' })).toBeGreaterThan(0);
          expect(await metricValue(stack.metricsUrls.router!, 'subgraph_fetch_errors_total', { subgraph, code: 'error' })).toBeNull();
          const refusedBefore = (await metricValue(stack.metricsUrls.router!, 'subgraph_fetch_errors_total', { subgraph, code: 'breaker_open' })) ?? 0;
          for (const name of Object.keys(PROBES)) expectDegraded(subgraph, name, await probe(name));
          expect(await metricValue(stack.metricsUrls.router!, 'subgraph_fetch_errors_total', { subgraph, code: 'breaker_open' })).toBeGreaterThan(refusedBefore);
        }

        await stack.start(subgraph);
        let recovered: Record<string, TimedResponse> = {};
        const until = Date.now() + BREAKER_RESET_MS + 8_000;
        while (Date.now() < until) {
          recovered = { catalog: await probe('catalog'), account: await probe('account') };
          if (Object.values(recovered).every((r) => !r.body.errors)) break;
          await sleep(200);
        }
        for (const [name, response] of Object.entries(recovered)) {
          expect(response.body.errors).toBeUndefined();
          expect(response.body.data).toEqual(baseline[name]!.body.data);
        }
        if (touched) expect(await metricValue(stack.metricsUrls.router!, 'subgraph_breaker_state', { subgraph })).toBe(0);
        const back = (await (await fetch(new URL('/ready', routerBase))).json()) as { checks: Record<string, boolean> };
        expect(back.checks[subgraph]).toBe(true);
        expect(stack.process('router').child.pid).toBe(routerPid);
      }, 60_000);
    }
  }
});

describe('another router process in front of the same subgraphs', () => {
  it('hands its request id to subgraphs, whose log lines carry it, and drains an in-flight request on SIGTERM', async () => {
    // users' URL points at products, which refuses an identity minted for users and logs why.
    const products = `http://127.0.0.1:${stack.ports.products}/graphql`;
    const slowProducts = await startFlakySubgraph(products);
    const port = await freePort();
    const lines: string[] = [];
    const router = spawnService('router', port, { ...stack.envOf('router'), METRICS_PORT: '0', USERS_URL: products, PRODUCTS_URL: slowProducts.url }, (line) => lines.push(line));
    try {
      await waitReady(router, 60_000);
      const url = `http://127.0.0.1:${port}/graphql`;
      const logged = (requestId: string) => stack.logs.products!.some((line) => line.includes(`"requestId":"${requestId}"`) && line.includes('request without valid identity'));

      const generated = await timedGql(url, '{ me { email } }', { token: customer });
      expect(generated.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      const requestId = generated.headers.get('x-request-id')!;
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      const given = await timedGql(url, '{ me { email } }', { token: customer, headers: { 'x-request-id': 'checkout-page-42' } });
      expect(given.headers.get('x-request-id')).toBe('checkout-page-42');
      await expect.poll(() => logged(requestId) && logged('checkout-page-42'), { timeout: 5_000 }).toBe(true);

      slowProducts.mode = 'slow';
      slowProducts.delayMs = 1_500;
      const inFlight = timedGql(url, CATALOG_PAGE);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const exited = new Promise<number | null>((resolve) => router.child.once('exit', (code) => resolve(code)));
      router.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      // No longer ready while the request finishes: refused or 503, never 200.
      const ready = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status, () => 'refused');
      expect(ready).not.toBe(200);
      const drained = await inFlight;
      expect(drained.status).toBe(200);
      expect(drained.body.errors).toBeUndefined();
      expect(drained.body.data).toEqual(baseline.catalog!.body.data);
      expect(await exited).toBe(0);
    } finally {
      if (router.child.exitCode === null) router.child.kill('SIGKILL');
      await slowProducts.close();
    }
  }, 60_000);
  it('exits promptly on SIGTERM when nothing is in flight', async () => {
    const port = await freePort();
    const router = spawnService('router', port, { ...stack.envOf('router'), METRICS_PORT: '0' }, null);
    try {
      await waitReady(router, 60_000);
      expect((await timedGql(`http://127.0.0.1:${port}/graphql`, CATALOG_PAGE)).body.errors).toBeUndefined();
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => router.child.once('exit', (code, signal) => resolve({ code, signal })));
      const began = Date.now();
      router.child.kill('SIGTERM');
      const exit = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 5_000))]);
      // Once, Apollo Server's own signal handler stopped the server under ours, and the process never exited.
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - began).toBeLessThan(5_000);
    } finally {
      if (router.child.exitCode === null) router.child.kill('SIGKILL');
    }
  }, 60_000);
});
