import { DomainError, formatMinorUnits, parseMinorUnits, toMoney } from '@shopcart/kit';
import { describe, expect, it } from 'vitest';
import { priceOrder, shippingFor, stockLines, type CheckoutLineInput } from '../src/pricing.js';

const policy = { flatRate: 499, freeFrom: 5_000 };
let n = 0;
const line = (amount: string, quantity: number, overrides: Partial<CheckoutLineInput> = {}): CheckoutLineInput => {
  n += 1;
  return { id: `l${n}`, variantId: `v${n}`, sku: `SKU-${n}`, title: `Item ${n}`, quantity, unitPrice: { amount, currencyCode: 'USD' }, purchasable: true, ...overrides };
};

describe('money', () => {
  it('parses decimal strings into minor units exactly and formats them back with two digits', () => {
    expect(parseMinorUnits('19.99')).toBe(1999);
    expect(parseMinorUnits('19.9')).toBe(1990);
    expect(parseMinorUnits('5')).toBe(500);
    expect(parseMinorUnits('0.07')).toBe(7);
    for (const bad of ['', '-1.00', '1.999', '1e3', ' 1.00', 'abc', '1,00']) expect(parseMinorUnits(bad)).toBeNull();
    expect(formatMinorUnits(1990)).toBe('19.90');
    expect(formatMinorUnits(7)).toBe('0.07');
    expect(formatMinorUnits(0)).toBe('0.00');
    expect(toMoney(123456, 'EUR')).toEqual({ amount: '1234.56', currencyCode: 'EUR' });
    expect(() => formatMinorUnits(1.5)).toThrow(RangeError);
  });
});

describe('priceOrder', () => {
  it('sums lines in minor units, with no float drift', () => {
    const priced = priceOrder([line('0.10', 3), line('0.20', 1), line('19.99', 2)], policy);
    expect(priced.lines.map((l) => l.lineTotal)).toEqual([30, 20, 3998]);
    expect(priced).toMatchObject({ subtotal: 4048, shippingTotal: 499, total: 4547, currencyCode: 'USD' });
  });

  it('charges the flat rate below the threshold and nothing from it up', () => {
    expect(shippingFor(4_999, policy)).toBe(499);
    expect(shippingFor(5_000, policy)).toBe(0);
    expect(priceOrder([line('50.00', 1)], policy)).toMatchObject({ shippingTotal: 0, total: 5_000 });
    expect(shippingFor(1, { flatRate: 499, freeFrom: 0 })).toBe(0);
  });

  it('refuses an empty cart and lines no longer sold, naming them', () => {
    expect(() => priceOrder([], policy)).toThrow(expect.objectContaining({ code: 'CART_EMPTY' }));
    const gone = line('5.00', 1, { purchasable: false, title: 'Old Hat' });
    let error: unknown;
    try {
      priceOrder([line('5.00', 1), gone], policy);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'VARIANT_NOT_FOUND' });
    expect((error as Error).message).toContain(`Old Hat (${gone.sku})`);
  });

  it('refuses prices it cannot use rather than guess', () => {
    expect(() => priceOrder([line('5.00', 1), line('5.00', 1, { unitPrice: { amount: '5.00', currencyCode: 'EUR' } })], policy)).toThrow(/cannot use/);
    expect(() => priceOrder([line('5.001', 1)], policy)).toThrow(/cannot use/);
    expect(() => priceOrder([line('5.00', 0)], policy)).toThrow(/quantity/);
  });
});

describe('stockLines', () => {
  it('merges lines of one SKU into one reservation line', () => {
    const a = line('1.00', 2, { sku: 'A' });
    const b = line('1.00', 1, { sku: 'B' });
    const a2 = line('1.00', 3, { sku: 'A' });
    expect(stockLines(priceOrder([a, b, a2], policy).lines)).toEqual([
      { sku: 'A', quantity: 5 },
      { sku: 'B', quantity: 1 },
    ]);
  });
});
