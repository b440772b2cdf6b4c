/**
 * Amounts are integer minor units (cents) in storage and in the internal API,
 * and decimal strings with exactly two fraction digits in Money, as the
 * catalog speaks them; never floats.
 */
export interface Money {
  amount: string;
  currencyCode: string;
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
