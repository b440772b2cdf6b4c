import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIpOf } from '../src/context.js';

const request = (remote: string, forwarded?: string) =>
  ({ socket: { remoteAddress: remote }, headers: forwarded ? { 'x-forwarded-for': forwarded } : {} }) as unknown as IncomingMessage;

describe('client address', () => {
  it('is the socket address when no proxy is trusted, whatever the headers claim', () => {
    expect(clientIpOf(request('203.0.113.9', '1.2.3.4'), 0)).toBe('203.0.113.9');
  });

  it('takes the address the trusted proxy saw, not what the client wrote further left', () => {
    expect(clientIpOf(request('10.0.0.2', 'spoofed, 198.51.100.7'), 1)).toBe('198.51.100.7');
    expect(clientIpOf(request('10.0.0.3', 'spoofed, 198.51.100.7, 10.0.0.2'), 2)).toBe('198.51.100.7');
  });

  it('falls back to the leftmost known address when the chain is shorter than the hops', () => {
    expect(clientIpOf(request('10.0.0.2'), 1)).toBe('10.0.0.2');
    expect(clientIpOf(request('10.0.0.2', '198.51.100.7'), 3)).toBe('198.51.100.7');
  });
});
