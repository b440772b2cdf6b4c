import { SignJWT, importPKCS8 } from 'jose';

/**
 * Baseline (c): Hive Gateway serving the same supergraph with its defaults.
 * Its one plugin adds what our subgraphs require of any caller: an
 * anonymous identity token per subgraph (EdDSA, audience = the subgraph),
 * reused for half its lifetime as the router reuses its own.
 */
const privateKey = await importPKCS8(process.env.ROUTER_PRIVATE_KEY ?? '', 'EdDSA');
const subgraphByUrl = new Map(Object.entries(JSON.parse(process.env.BENCH_SUBGRAPH_URLS ?? '{}') as Record<string, string>).map(([name, url]) => [url, name]));
const tokens = new Map<string, { token: string; renewAt: number }>();

async function tokenFor(audience: string): Promise<string> {
  const cached = tokens.get(audience);
  if (cached && cached.renewAt > Date.now()) return cached.token;
  const token = await new SignJWT({ role: 'ANONYMOUS' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('shopcart-router').setAudience(audience).setIssuedAt().setExpirationTime('60s').sign(privateKey);
  tokens.set(audience, { token, renewAt: Date.now() + 30_000 });
  return token;
}

export const gatewayConfig = {
  plugins: () => [
    {
      async onFetch({ url, options, setOptions }: { url: string; options: { headers?: Record<string, string> }; setOptions: (options: object) => void }) {
        const audience = subgraphByUrl.get(url);
        if (audience) setOptions({ ...options, headers: { ...options.headers, authorization: `Bearer ${await tokenFor(audience)}` } });
      },
    },
  ],
};
