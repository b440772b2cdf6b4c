/**
 * Amounts are integer minor units (cents) inside orders and decimal strings
 * with exactly two fraction digits in the API, never floats.
 */
export interface Money {
  amount: string;
  currencyCode: string;
}

const AMOUNT = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

/** "19.9" -> 1990; null for anything but a non-negative decimal with at most two fraction digits. */
export function parseMinorUnits(text: string): number | null {
  const match = AMOUNT.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

export function formatMinorUnits(minor: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Not an amount in minor units: ${minor}`);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function toMoney(minor: number, currencyCode: string): Money {
  return { amount: formatMinorUnits(minor), currencyCode };
}
