import { networkInterfaces } from 'node:os';
import { MAX_OPERATION_NAMES } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, generateKeys, spawnService, stopService, freePort, type Platform, type ServiceProcess } from '@shopcart/testing';

/**
 * /metrics is for the operator's scraper only: never on a public port, and
 * with label values that callers cannot multiply.
 */

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
});
afterAll(async () => platform?.stop());

/** The sample lines of a /metrics page. */
async function seriesAt(metricsUrl: string): Promise<string[]> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return (await response.text()).split('\n').filter((line) => line && !line.startsWith('#'));
}

/** The series of the metrics whose labels come from requests: operations and HTTP routes. */
const requestSeries = (series: string[]) => series.filter((line) => /^(graphql_operation|http_request)/.test(line));

function labelValues(series: string[], metric: string, label: string): Set<string> {
  const values = new Set<string>();
  for (const line of series) {
    if (!line.startsWith(`${metric}{`)) continue;
    const value = new RegExp(`[{,]${label}="([^"]*)"`).exec(line)?.[1];
    if (value !== undefined) values.add(value);
  }
  return values;
}

/** 200 operations with names never seen before, and 200 paths that do not exist, on the router and on a subgraph. */
async function invent(round: string): Promise<void> {
  for (let batch = 0; batch < 200; batch += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const n = batch + i;
        const r = await platform.gql(`query Invented${round}N${n} { __typename }`);
        expect(r.status).toBe(200);
        for (const base of [platform.routerUrl, platform.subgraphUrls.users!]) {
          expect((await fetch(new URL(`/invented-${round}/${n}`, base))).status).toBe(404);
        }
      }),
    );
  }
}

describe('metrics', () => {
  it('are not served on the public ports, only on each service\'s metrics listener', async () => {
    for (const base of [platform.routerUrl, platform.subgraphUrls.users!]) {
      const response = await fetch(new URL('/metrics', base));
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('process_cpu');
    }
    for (const name of ['router', 'users']) {
      const response = await fetch(platform.metricsUrls[name]!);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toContain(`process_cpu_user_seconds_total{service="${name}"}`);
      // The metrics listener serves nothing else.
      expect((await fetch(new URL('/graphql', platform.metricsUrls[name]))).status).toBe(404);
    }
  });

  it('keep the series bounded whatever operation names and paths callers invent', async () => {
    const router = platform.metricsUrls.router!;
    const users = platform.metricsUrls.users!;
    await invent('a');
    const afterFirst = await seriesAt(router);
    const operations = labelValues(afterFirst, 'graphql_operations_total', 'operation');
    // The first MAX_OPERATION_NAMES names each, the rest as "other" (and nameless ones as "anonymous").
    expect(operations.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 2);
    expect(operations).toContain('other');
    expect([...operations].filter((name) => name.startsWith('Invented'))).toHaveLength(MAX_OPERATION_NAMES);
    // Routes are the server's own, never the path asked for.
    for (const series of [afterFirst, await seriesAt(users)]) {
      const routes = labelValues(series, 'http_request_duration_seconds_count', 'route');
      expect(routes).toContain('other');
      expect([...routes].filter((route) => route.includes('invented'))).toEqual([]);
    }
    // The audit saw 200 names and 200 paths take the router from 397 to 6,197 series.
    expect(afterFirst.length).toBeLessThan(2_500);

    const usersBefore = requestSeries(await seriesAt(users)).length;
    await invent('b');
    const afterSecond = await seriesAt(router);
    expect(requestSeries(afterSecond).length).toBe(requestSeries(afterFirst).length);
    expect(requestSeries(await seriesAt(users)).length).toBe(usersBefore);
    expect(afterSecond.length).toBeLessThan(2_500);
  });
});

describe('a service as it deploys (runService)', () => {
  let router: ServiceProcess | undefined;
  let port: number;
  let metricsPort: number;

  beforeAll(async () => {
    const keys = generateKeys();
    [port, metricsPort] = [await freePort(), await freePort()];
    router = spawnService(
      'router',
      port,
      {
        NODE_ENV: 'development',
        LOG_LEVEL: 'silent',
        REDIS_URL: inject('redisUrl'),
        REDIS_KEY_PREFIX: 'metrics-process:',
        ROUTER_PRIVATE_KEY: keys.routerPrivate,
        ACCESS_TOKEN_PUBLIC_KEY: keys.accessPublic,
        // METRICS_HOST is left to its default; the port is set only so that it is surely free.
        METRICS_PORT: String(metricsPort),
      },
      null,
    );
    // /ready waits for subgraphs this test does not start; /health only for the process.
    const deadline = Date.now() + 90_000;
    while (!(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false))) {
      if (router.child.exitCode !== null) throw new Error(`router exited with code ${router.child.exitCode}`);
      if (Date.now() > deadline) throw new Error('router did not answer /health within 90 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 120_000);
  afterAll(async () => {
    if (router) await stopService(router, 5_000);
  });

  it('serves /metrics on METRICS_PORT, on loopback only by default, and not on PORT', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('service="router"');
    // The service port listens on every address (HOST=0.0.0.0); the metrics port on loopback alone.
    const external = Object.values(networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) {
      expect((await fetch(`http://${external.address}:${port}/health`)).status).toBe(200);
      await expect(fetch(`http://${external.address}:${metricsPort}/metrics`)).rejects.toThrow();
    }
  });
});
