import { createServer, type Server } from 'node:http';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraphClient, roundRobinLookup, SubgraphConnectionError } from '../src/subgraphHttp.js';

/** Two "replicas" of one subgraph: the same port on two loopback addresses, behind one host name. */
const ADDRESSES = ['127.0.0.1', '127.0.0.2'];
const servers: Server[] = [];
const hits: Record<string, number> = {};
let port = 0;

const resolve = ((hostname: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
  if (hostname !== 'users.replicas.test') return callback(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }), []);
  callback(null, ADDRESSES.map((address) => ({ address, family: 4 })));
}) as never;

beforeAll(async () => {
  for (const address of ADDRESSES) {
    const server = createServer((req, res) => {
      hits[address] = (hits[address] ?? 0) + 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { replica: address } }));
    });
    await new Promise<void>((done) => server.listen(port, address, () => done()));
    port = (server.address() as { port: number }).port;
    servers.push(server);
  }
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
});

describe("the router's subgraph client", () => {
  it('hands out the addresses of a name in turn', async () => {
    const lookup = roundRobinLookup(resolve);
    const picks = await Promise.all(
      [1, 2, 3, 4].map(() => new Promise<string>((done) => lookup('users.replicas.test', {}, (_err, address) => done(address as string)))),
    );
    expect(picks).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.1', '127.0.0.2']);
  });

  it('spreads calls over every replica behind one host name, on kept-alive connections', async () => {
    for (const key of Object.keys(hits)) delete hits[key];
    const client = createSubgraphClient({ resolve, requestsPerConnection: 5 });
    try {
      // Concurrent calls open several connections; sequential ones recycle them every 5 requests.
      const call = () => client.post(`http://users.replicas.test:${port}/graphql`, '{}', { 'content-type': 'application/json' }, AbortSignal.timeout(5_000));
      const answers = await Promise.all(Array.from({ length: 20 }, call));
      for (let i = 0; i < 20; i += 1) answers.push(await call());
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(ADDRESSES).toContain((answer.body as { data: { replica: string } }).data.replica);
      }
    } finally {
      await client.close();
    }
    expect(hits['127.0.0.1']! + hits['127.0.0.2']!).toBe(40);
    expect(hits['127.0.0.1']).toBeGreaterThanOrEqual(10);
    expect(hits['127.0.0.2']).toBeGreaterThanOrEqual(10);
  });

  it('fails a call to a name that does not resolve, like any connection failure', async () => {
    const client = createSubgraphClient({ resolve });
    try {
      await expect(client.post(`http://nowhere.test:${port}/graphql`, '{}', {}, AbortSignal.timeout(5_000))).rejects.toThrow(SubgraphConnectionError);
    } finally {
      await client.close();
    }
  });
});
