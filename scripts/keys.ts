import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PlatformKeys {
  /** users signs access tokens with it; the router verifies with the public half. */
  accessPrivate: string;
  accessPublic: string;
  /** the router signs forwarded identity with it; subgraphs verify with the public half. */
  routerPrivate: string;
  routerPublic: string;
}

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
  return { accessPrivate: access.privateKey, accessPublic: access.publicKey, routerPrivate: router.privateKey, routerPublic: router.publicKey };
}

/**
 * Development keys are generated on first start and kept under the
 * git-ignored data folder, so sessions survive restarts; nothing is baked
 * into the code.
 */
export function loadOrCreateKeys(dir: string): PlatformKeys {
  const file = join(dir, 'keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as PlatformKeys;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = generateKeys();
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}
