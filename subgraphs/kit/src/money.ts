/**
 * Prices are integer minor units (cents) in storage and decimal strings with
 * exactly two fraction digits in the API, never floats: 19.99 as a float is
 * 19.989999..., and sums of such values drift.
 */

/** Up to 9 integer digits keeps every amount, and every sum of 100 of them, a safe integer. */
const PRICE_PATTERN = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

export interface Money {
  amount: string;
  currencyCode: string;
}

/** "19.9" -> 1990; null for anything that is not a non-negative decimal with at most two fraction digits. */
export function parseMinorUnits(text: string): number | null {
  const match = PRICE_PATTERN.exec(text);
  if (!match) return null;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(2, '0'));
  return whole * 100 + fraction;
}

/** 1990 -> "19.90"; integer arithmetic only. */
export function formatMinorUnits(minor: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Not an amount in minor units: ${minor}`);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function toMoney(minor: number, currencyCode: string): Money {
  return { amount: formatMinorUnits(minor), currencyCode };
}
