import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createIdentitySigner, createIdentityVerifier, IDENTITY_ALG, importPrivateKey, importPublicKey, ROUTER_ISSUER } from '../src/identity.js';

async function keys() {
  const pair = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  return { privateKey: await importPrivateKey(pair.privateKey), publicKey: await importPublicKey(pair.publicKey) };
}

describe('identity verification', () => {
  it('answers a token seen before with the same viewer, and never remembers a bad one', async () => {
    const router = await keys();
    const verifier = createIdentityVerifier('products', { [ROUTER_ISSUER]: router.publicKey });
    const token = await createIdentitySigner(ROUTER_ISSUER, router.privateKey).sign('products', { userId: 'u1', role: 'CUSTOMER', clientIp: '10.0.0.1' });
    const first = await verifier.verify(`Bearer ${token}`);
    expect(first).toEqual({ userId: 'u1', role: 'CUSTOMER', clientIp: '10.0.0.1', issuer: ROUTER_ISSUER });
    expect(await verifier.verify(`Bearer ${token}`)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // A token differing in its signature is checked on its own, and fails.
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature!.slice(0, -4)}${signature!.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    await expect(verifier.verify(`Bearer ${forged}`)).rejects.toThrow();
    await expect(verifier.verify(`Bearer ${forged}`)).rejects.toThrow();
    // Another audience's token is not this subgraph's, cached or not.
    const other = await createIdentitySigner(ROUTER_ISSUER, router.privateKey).sign('orders', { userId: 'u1', role: 'CUSTOMER', clientIp: null });
    await expect(verifier.verify(`Bearer ${other}`)).rejects.toThrow();
  });

  it('stops accepting a remembered token once it expires', async () => {
    const router = await keys();
    const verifier = createIdentityVerifier('products', { [ROUTER_ISSUER]: router.publicKey });
    const token = await new SignJWT({ role: 'ANONYMOUS' }).setProtectedHeader({ alg: IDENTITY_ALG }).setIssuer(ROUTER_ISSUER).setAudience('products').setIssuedAt().setExpirationTime('1s').sign(router.privateKey);
    expect((await verifier.verify(`Bearer ${token}`)).role).toBe('ANONYMOUS');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(/expired|exp/i);
  });
});
