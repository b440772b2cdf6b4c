import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUBGRAPHS } from '@shopcart/schema/subgraphs.js';

export interface PlatformKeys {
  /** users signs access tokens with it; the router verifies with the public half. */
  accessPrivate: string;
  accessPublic: string;
  /** the router signs forwarded identity with it; subgraphs verify with the public half. */
  routerPrivate: string;
  routerPublic: string;
  /** Each service's own key pair for service-to-service calls. */
  services: Record<string, { privateKey: string; publicKey: string }>;
}

/** Every subgraph has a key pair of its own. */
export const SERVICE_NAMES = SUBGRAPHS.map((s) => s.name);

function ed25519(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey };
}

export function generateKeys(): PlatformKeys {
  const access = ed25519();
  const router = ed25519();
  const services = Object.fromEntries(SERVICE_NAMES.map((name) => [name, ed25519()]));
  return { accessPrivate: access.privateKey, accessPublic: access.publicKey, routerPrivate: router.privateKey, routerPublic: router.publicKey, services };
}

/**
 * The key material one service gets: the router's public key, its own
 * signing key, and the public keys of the services that may call it. In
 * development every service trusts every other; production lists callers.
 */
export function serviceKeyEnv(name: string, keys: PlatformKeys): Record<string, string> {
  const own = keys.services[name];
  const trusted = Object.fromEntries(Object.entries(keys.services).filter(([other]) => other !== name).map(([other, pair]) => [other, pair.publicKey]));
  return {
    ROUTER_PUBLIC_KEY: keys.routerPublic,
    ...(own ? { SERVICE_PRIVATE_KEY: own.privateKey } : {}),
    TRUSTED_SERVICE_KEYS: JSON.stringify(trusted),
    ...(name === 'users' ? { ACCESS_TOKEN_PRIVATE_KEY: keys.accessPrivate } : {}),
  };
}

/**
 * Development keys are generated on first start and kept under the
 * git-ignored data folder, so sessions survive restarts; nothing is baked
 * into the code.
 */
export function loadOrCreateKeys(dir: string): PlatformKeys {
  const file = join(dir, 'keys.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as PlatformKeys;
    // Keys for services added since the file was written.
    if (SERVICE_NAMES.every((name) => stored.services?.[name])) return stored;
    const fresh = generateKeys().services;
    const upgraded = { ...stored, services: { ...fresh, ...stored.services } };
    writeFileSync(file, JSON.stringify(upgraded, null, 2), { mode: 0o600 });
    return upgraded;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = generateKeys();
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}
