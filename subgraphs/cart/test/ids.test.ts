import { describe, expect, it } from 'vitest';
import { isCartId, newGuestCartId, newLineId } from '../src/store.js';

describe('cart and line ids', () => {
  it('are distinct, of full length and valid, across many draws from the random pool', () => {
    // 3,000 ids take several 4 KiB draws: no byte may be handed out twice, none left short.
    const carts = Array.from({ length: 3_000 }, newGuestCartId);
    const lines = Array.from({ length: 3_000 }, newLineId);
    expect(new Set(carts).size).toBe(carts.length);
    expect(new Set(lines).size).toBe(lines.length);
    for (const id of carts) {
      expect(id).toHaveLength(22); // 16 bytes, base64url
      expect(isCartId(id)).toBe(true);
    }
    for (const id of lines) expect(id).toHaveLength(16); // 12 bytes
  });
});
