import { formatMinorUnits, parseMinorUnits, toMoney } from '@shopcart/kit';
import { describe, expect, it } from 'vitest';

describe('money', () => {
  it.each([
    ['0', 0],
    ['19', 1900],
    ['19.9', 1990],
    ['19.99', 1999],
    ['0.05', 5],
    ['007.50', 750],
    ['999999999.99', 99_999_999_999],
  ])('parses %s as %i minor units', (text, minor) => {
    expect(parseMinorUnits(text)).toBe(minor);
  });

  it.each(['', '-1', '-0.01', '1.999', '1.', '.5', '1,50', ' 1', '1e3', 'NaN', '1234567890', '12.3.4', '+1'])('refuses %j', (text) => {
    expect(parseMinorUnits(text)).toBeNull();
  });

  it('prints exactly two fraction digits', () => {
    expect(formatMinorUnits(0)).toBe('0.00');
    expect(formatMinorUnits(5)).toBe('0.05');
    expect(formatMinorUnits(1990)).toBe('19.90');
    expect(formatMinorUnits(123_456_789)).toBe('1234567.89');
    expect(formatMinorUnits(-250)).toBe('-2.50');
  });

  it('round-trips every parsed amount without float drift', () => {
    for (const text of ['0.10', '0.20', '0.30', '1.01', '19.99', '1000000.07']) {
      expect(formatMinorUnits(parseMinorUnits(text)!)).toBe(text);
    }
    expect(formatMinorUnits(parseMinorUnits('0.1')! + parseMinorUnits('0.2')!)).toBe('0.30');
  });

  it('refuses amounts that are not integers of minor units', () => {
    expect(() => formatMinorUnits(19.99)).toThrow(RangeError);
  });

  it('builds Money with its currency', () => {
    expect(toMoney(2500, 'EUR')).toEqual({ amount: '25.00', currencyCode: 'EUR' });
  });
});
