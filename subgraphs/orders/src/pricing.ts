import { DomainError, parseMinorUnits, type CheckoutLine, type Money } from '@shopcart/kit';

/**
 * Shipping is one flat rate per order, free from a subtotal up (both set in
 * the environment, in the catalog currency). A threshold of 0 makes every
 * order ship free.
 */
export interface ShippingPolicy {
  flatRate: number;
  freeFrom: number;
}

/** A cart line as cart prices it for checkout (current catalog prices). */
export type CheckoutLineInput = CheckoutLine;

export interface PricedLine {
  lineId: string;
  variantId: string;
  sku: string;
  title: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

export interface PricedOrder {
  lines: PricedLine[];
  currencyCode: string;
  subtotal: number;
  shippingTotal: number;
  total: number;
}

export function shippingFor(subtotal: number, policy: ShippingPolicy): number {
  return subtotal >= policy.freeFrom ? 0 : policy.flatRate;
}

/**
 * Snapshots the cart's lines at the prices of this moment. Lines that can no
 * longer be bought stop the checkout with their titles named: the customer
 * removes them and tries again, nothing is dropped silently.
 */
export function priceOrder(lines: readonly CheckoutLineInput[], policy: ShippingPolicy): PricedOrder {
  if (lines.length === 0) throw new DomainError('CART_EMPTY', 'The cart is empty', ['input', 'cartId']);
  const unavailable = lines.filter((line) => !line.purchasable);
  if (unavailable.length > 0) {
    throw new DomainError(
      'VARIANT_NOT_FOUND',
      `No longer sold, remove from the cart first: ${unavailable.map((line) => `${line.title} (${line.sku})`).join(', ')}`,
      ['input', 'cartId'],
    );
  }
  const currencyCode = lines[0]!.unitPrice.currencyCode;
  const priced = lines.map((line): PricedLine => {
    const unitPrice = parseMinorUnits(line.unitPrice.amount);
    if (unitPrice === null || line.unitPrice.currencyCode !== currencyCode) {
      throw new Error(`cart line ${line.id} has a price orders cannot use: ${line.unitPrice.amount} ${line.unitPrice.currencyCode}`);
    }
    if (!Number.isInteger(line.quantity) || line.quantity < 1) throw new Error(`cart line ${line.id} has quantity ${line.quantity}`);
    return { lineId: line.id, variantId: line.variantId, sku: line.sku, title: line.title, quantity: line.quantity, unitPrice, lineTotal: unitPrice * line.quantity };
  });
  const subtotal = priced.reduce((sum, line) => sum + line.lineTotal, 0);
  const shippingTotal = shippingFor(subtotal, policy);
  return { lines: priced, currencyCode, subtotal, shippingTotal, total: subtotal + shippingTotal };
}

/** Inventory reserves per SKU: two cart lines of one SKU become one reservation line. */
export function stockLines(lines: readonly PricedLine[]): Array<{ sku: string; quantity: number }> {
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}
