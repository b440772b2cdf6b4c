/**
 * Cart amounts are integers in minor units (cents) from the moment they
 * arrive, so a subtotal is exact; only the API shows them as decimal strings.
 */
export interface Money {
  amount: string;
  currencyCode: string;
}

/** "19.99" -> 1999; "5" -> 500. Throws on anything else (products always sends two decimals). */
export function toMinor(amount: string): number {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (!match) throw new Error(`not a money amount: ${amount}`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** 1999 -> "19.99", with exactly two fraction digits. */
export function formatMinor(minor: number): string {
  const whole = Math.floor(minor / 100);
  return `${whole}.${String(minor - whole * 100).padStart(2, '0')}`;
}

export function money(minor: number, currencyCode: string): Money {
  return { amount: formatMinor(minor), currencyCode };
}
