import { Agent, request } from 'undici';
import { z } from 'zod';
import { graphqlError } from './errors.js';
import {
  ROUTER_ISSUER,
  createIdentitySigner,
  importPrivateKey,
  importPublicKey,
  type IdentitySigner,
} from './identity.js';
import type { Logger } from './logger.js';

/**
 * Service-to-service calls (orders asks inventory to reserve, products asks
 * inventory to stock a new SKU) carry an identity JWT signed by the calling
 * service's own key: issuer "shopcart-<caller>", role SERVICE, audience the
 * callee. Each callee lists the services it trusts, so a leaked key of one
 * service cannot impersonate the router or another service.
 */
export const serviceIssuer = (service: string) => `shopcart-${service}`;

/** Env fields for a service that calls others and/or is called by them. */
export const serviceEnvFields = {
  /** This service's own signing key (PKCS#8 PEM) for calls it makes. */
  SERVICE_PRIVATE_KEY: z.string().optional(),
  /** JSON object: calling service name -> its public key (SPKI PEM). */
  TRUSTED_SERVICE_KEYS: z.string().default('{}'),
};

const trustedSchema = z.record(z.string().regex(/^[a-z]+$/), z.string().min(1));

/** Issuer -> public key: the router plus the services this one trusts. */
export async function loadTrustedKeys(routerPublicKey: string, trustedServiceKeys: string): Promise<Record<string, Awaited<ReturnType<typeof importPublicKey>>>> {
  let parsed: Record<string, string>;
  try {
    parsed = trustedSchema.parse(JSON.parse(trustedServiceKeys));
  } catch {
    throw new Error('Invalid configuration:\n  TRUSTED_SERVICE_KEYS: must be a JSON object of service name to public key PEM');
  }
  const keys: Record<string, Awaited<ReturnType<typeof importPublicKey>>> = { [ROUTER_ISSUER]: await importPublicKey(routerPublicKey) };
  for (const [name, pem] of Object.entries(parsed)) keys[serviceIssuer(name)] = await importPublicKey(pem.replace(/\\n/g, '\n'));
  return keys;
}

export async function createServiceSigner(service: string, privateKeyPem: string | undefined): Promise<IdentitySigner | null> {
  if (!privateKeyPem) return null;
  return createIdentitySigner(serviceIssuer(service), await importPrivateKey(privateKeyPem.replace(/\\n/g, '\n')));
}

/** A client for one service this one calls; null when this service has no signing key. */
export type ServiceClientFactory = (callee: string, url: string, options?: { timeoutMs?: number }) => ServiceClient | null;

/**
 * Makes the clients a service calls others with, each signed with its own key
 * (SERVICE_PRIVATE_KEY). Without the key every client is null, and each caller
 * says what a call it cannot make means (the cart answers SERVICE_UNAVAILABLE,
 * products keeps initial stock pending, users leaves the guest cart as it is).
 */
export async function serviceClientFactory(service: string, privateKeyPem: string | undefined, logger: Logger): Promise<ServiceClientFactory> {
  const signer = await createServiceSigner(service, privateKeyPem);
  return (callee, url, options = {}) => (signer ? createServiceClient({ callee, url, signer, logger, timeoutMs: options.timeoutMs }) : null);
}

export interface ServiceClient {
  /** Runs one operation on the callee; throws SERVICE_UNAVAILABLE when it cannot be reached or fails. */
  request<T>(query: string, variables?: Record<string, unknown>, options?: { requestId?: string }): Promise<T>;
}

export class ServiceCallError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ServiceCallError';
  }
}

/**
 * Keep-alive connections shared by every service client in the process.
 * Calls go through undici's dispatcher API rather than fetch: one POST of a
 * JSON string and one JSON answer, without fetch's Request, Headers and web
 * streams, which cost the cart more CPU per add than the calls themselves.
 */
const servicePool = new Agent({ connections: 64, keepAliveTimeout: 4_000 });

export function createServiceClient(options: {
  callee: string;
  url: string;
  signer: IdentitySigner;
  logger: Logger;
  timeoutMs?: number;
}): ServiceClient {
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    async request<T>(query: string, variables?: Record<string, unknown>, requestOptions: { requestId?: string } = {}): Promise<T> {
      const token = await options.signer.sign(options.callee, { userId: null, role: 'SERVICE', clientIp: null });
      let body: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
      try {
        const response = await request(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            ...(requestOptions.requestId ? { 'x-request-id': requestOptions.requestId } : {}),
          },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(timeoutMs),
          dispatcher: servicePool,
        });
        body = JSON.parse(await response.body.text()) as typeof body;
      } catch (err) {
        options.logger.warn({ callee: options.callee, err: err instanceof Error ? err.message : String(err) }, 'service call failed');
        throw graphqlError('SERVICE_UNAVAILABLE', 'A service needed for this request is unavailable; try again shortly');
      }
      if (body.errors?.length || body.data === undefined) {
        const first = body.errors?.[0];
        options.logger.warn({ callee: options.callee, error: first?.message }, 'service call returned errors');
        throw new ServiceCallError(first?.message ?? 'no data', first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
      }
      return body.data;
    },
  };
}
