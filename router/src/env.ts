import { fileURLToPath } from 'node:url';
import { baseEnvSchema, loadEnv, pemString } from '@shopcart/kit';
import { z } from 'zod';

const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const routerEnvSchema = baseEnvSchema
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    SUPERGRAPH_PATH: z.string().default(fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url))),
    /** Signs the per-subgraph identity tokens (EdDSA, PKCS#8 PEM). */
    ROUTER_PRIVATE_KEY: pemString,
    /** Verifies customer access tokens: a fixed public key (SPKI PEM)... */
    ACCESS_TOKEN_PUBLIC_KEY: pemString.optional(),
    /** ...or the users service's key set, e.g. http://users:4001/.well-known/jwks.json */
    USERS_JWKS_URL: z.url().optional(),
    /** Introspection for everyone; admins may always introspect. Default: on outside production. */
    INTROSPECTION: booleanFlag.optional(),
    SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    MAX_DEPTH: z.coerce.number().int().positive().default(10),
    MAX_ALIASES: z.coerce.number().int().positive().default(15),
    MAX_COST: z.coerce.number().int().positive().default(5_000),
    MAX_TOKENS: z.coerce.number().int().positive().default(2_000),
    MAX_DIRECTIVES: z.coerce.number().int().positive().default(20),
    /** Comma-separated browser origins allowed to call the router (e.g. https://shop.example.com). */
    CORS_ORIGINS: z.string().default(''),
    /** Load balancers in front of the router whose X-Forwarded-For entries are trusted. */
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  })
  .refine((env) => env.ACCESS_TOKEN_PUBLIC_KEY || env.USERS_JWKS_URL, {
    message: 'set ACCESS_TOKEN_PUBLIC_KEY or USERS_JWKS_URL',
    path: ['ACCESS_TOKEN_PUBLIC_KEY'],
  });

export type RouterEnv = z.infer<typeof routerEnvSchema> & {
  introspection: boolean;
  /** Subgraph URL overrides from <NAME>_URL variables, e.g. USERS_URL. */
  subgraphUrls: Record<string, string>;
};

export function loadRouterEnv(source: Record<string, string | undefined> = process.env): RouterEnv {
  const env = loadEnv(routerEnvSchema, source);
  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    const match = /^([A-Z]+)_URL$/.exec(key);
    if (match?.[1] && value && !['MONGODB', 'REDIS', 'USERS_JWKS'].includes(match[1])) subgraphUrls[match[1].toLowerCase()] = value;
  }
  return { ...env, introspection: env.INTROSPECTION ?? env.NODE_ENV !== 'production', subgraphUrls };
}
