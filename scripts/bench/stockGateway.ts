import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ROUTER_ISSUER, createIdentitySigner, importPrivateKey } from '@shopcart/kit';

/**
 * Baseline (b): the router a team would write first, @apollo/gateway under
 * @apollo/server's standalone server with default settings. Its one
 * addition is what our subgraphs require of any caller: an anonymous
 * identity token for each subgraph, signed and cached exactly as the
 * router does, so the comparison is gateway against gateway.
 */
process.env.APOLLO_TELEMETRY_DISABLED = 'true';
const signer = createIdentitySigner(ROUTER_ISSUER, await importPrivateKey(process.env.ROUTER_PRIVATE_KEY ?? ''));

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH ?? '', 'utf8'),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url,
      async willSendRequest({ request }) {
        request.http?.headers.set('authorization', `Bearer ${await signer.sign(name, { userId: null, role: 'ANONYMOUS', clientIp: null })}`);
      },
    }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT), host: '127.0.0.1' } });
process.stdout.write(`stock gateway at ${url}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
