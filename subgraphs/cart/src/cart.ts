import { DomainError, forbidden, type Viewer, toMoney, type CheckoutLine, type Money } from '@shopcart/kit';
import type { VariantFacts } from './catalog.js';
import type { CartDeps } from './deps.js';
import type { CartLoaders } from './loaders.js';
import { isCartId, MAX_LINE_QUANTITY, newGuestCartId, newLineId, userCartId, type CartLineRecord, type CartRecord, type MergeFact } from './store.js';

/** The most lines one call may carry; a cart holds at most MAX_CART_LINES. */
export const MAX_LINES_PER_CALL = 50;

const days = (count: number) => `${count} ${count === 1 ? 'day' : 'days'}`;
const notFound = (deps: CartDeps) =>
  new DomainError('CART_NOT_FOUND', `No cart with this id (guest carts expire ${days(deps.guestCartTtlDays)} after their last change)`, ['cartId']);

/**
 * Which cart a change applies to. No id: the caller's own cart (a signed-in
 * user's stable one, created on first use) or, for an anonymous caller, a new
 * guest cart. Ownership itself is checked inside the change script.
 */
function target(deps: CartDeps, viewer: Viewer, cartId: string | null | undefined): { cartId: string; create: boolean } {
  if (cartId != null) {
    if (!isCartId(cartId)) throw notFound(deps);
    return { cartId, create: false };
  }
  return viewer.userId ? { cartId: userCartId(viewer.userId), create: true } : { cartId: newGuestCartId(), create: true };
}

function checkQuantity(quantity: number, min: number, field: string[]): void {
  if (!Number.isInteger(quantity) || quantity < min || quantity > MAX_LINE_QUANTITY) {
    throw new DomainError('INVALID_QUANTITY', `Quantity must be ${min} to ${MAX_LINE_QUANTITY}`, field);
  }
}

function checkCount(count: number, field: string): void {
  if (count === 0) throw new DomainError('INVALID_INPUT', 'Give at least one line', [field]);
  if (count > MAX_LINES_PER_CALL) throw new DomainError('INVALID_INPUT', `At most ${MAX_LINES_PER_CALL} lines per call`, [field]);
}

/** Counts each change by outcome (ok, or the userError code) for the cart dashboards. */
async function counted<T>(deps: CartDeps, operation: string, run: () => Promise<T>): Promise<T> {
  try {
    const result = await run();
    deps.changes.inc({ operation, outcome: 'ok' });
    return result;
  } catch (err) {
    deps.changes.inc({ operation, outcome: err instanceof DomainError ? err.code : 'error' });
    throw err;
  }
}

export async function addLines(
  deps: CartDeps,
  loaders: CartLoaders,
  viewer: Viewer,
  cartId: string | null | undefined,
  lines: ReadonlyArray<{ variantId: string; quantity: number }>,
): Promise<CartRecord> {
  return counted(deps, 'add', async () => {
    checkCount(lines.length, 'lines');
    lines.forEach((line, index) => checkQuantity(line.quantity, 1, ['lines', String(index), 'quantity']));
    const where = target(deps, viewer, cartId);
    const facts = await loaders.variant.loadMany(lines.map((line) => line.variantId));
    const known = facts.map((fact, index) => {
      if (fact instanceof Error) throw fact;
      if (!fact) throw new DomainError('VARIANT_NOT_FOUND', 'No variant on sale with this id', ['lines', String(index), 'variantId']);
      return fact;
    });
    const available = await loaders.stock.loadMany(known.map((fact) => fact.sku));
    // The same variant twice in one call is one line with the summed quantity.
    const merged = new Map<string, { index: number; fact: VariantFacts; quantity: number; available: number }>();
    known.forEach((fact, index) => {
      const stock = available[index];
      if (stock instanceof Error) throw stock;
      const entry = merged.get(fact.id);
      if (entry) entry.quantity += lines[index]!.quantity;
      else merged.set(fact.id, { index, fact, quantity: lines[index]!.quantity, available: stock ?? 0 });
    });
    return deps.store.change({
      ...where,
      callerId: viewer.userId,
      change: {
        op: 'add',
        lines: [...merged.values()].map(({ index, fact, quantity, available: stock }) => ({
          index,
          lineId: newLineId(),
          variantId: fact.id,
          sku: fact.sku,
          quantity,
          priceMinor: fact.priceMinor,
          currencyCode: fact.currencyCode,
          available: stock,
        })),
      },
    });
  });
}

/** Reads a cart for a change: it must exist and be the caller's (or a guest cart). */
async function cartForChange(deps: CartDeps, viewer: Viewer, cartId: string | null | undefined): Promise<CartRecord> {
  const { cartId: id } = target(deps, viewer, cartId);
  const cart = await deps.store.get(id);
  if (!cart) throw notFound(deps);
  if (cart.ownerId && cart.ownerId !== viewer.userId) throw new DomainError('FORBIDDEN', 'This cart belongs to another customer', ['cartId']);
  return cart;
}

export async function updateLines(
  deps: CartDeps,
  loaders: CartLoaders,
  viewer: Viewer,
  cartId: string | null | undefined,
  lines: ReadonlyArray<{ lineId: string; quantity: number }>,
): Promise<CartRecord> {
  return counted(deps, 'update', async () => {
    checkCount(lines.length, 'lines');
    lines.forEach((line, index) => checkQuantity(line.quantity, 0, ['lines', String(index), 'quantity']));
    const cart = await cartForChange(deps, viewer, cartId);
    // Only raised quantities need stock; the script re-checks the line still exists.
    const skuOf = new Map(cart.lines.map((line) => [line.id, line]));
    const levels = await Promise.all(
      lines.map(async (input) => {
        const line = skuOf.get(input.lineId);
        return line && input.quantity > line.quantity ? loaders.stock.load(line.sku) : MAX_LINE_QUANTITY;
      }),
    );
    return deps.store.change({
      cartId: cart.id,
      create: false,
      callerId: viewer.userId,
      change: { op: 'update', lines: lines.map((line, index) => ({ index, lineId: line.lineId, quantity: line.quantity, available: levels[index]! })) },
    });
  });
}

export async function removeLines(deps: CartDeps, viewer: Viewer, cartId: string | null | undefined, lineIds: readonly string[]): Promise<CartRecord> {
  return counted(deps, 'remove', async () => {
    checkCount(lineIds.length, 'lineIds');
    const cart = await cartForChange(deps, viewer, cartId);
    return deps.store.change({
      cartId: cart.id,
      create: false,
      callerId: viewer.userId,
      change: { op: 'remove', lines: lineIds.map((lineId, index) => ({ index, lineId })) },
    });
  });
}

/**
 * cart(id): no id is the signed-in caller's own cart; null when there is no
 * such cart (never created, or a guest cart that expired). Another
 * customer's cart is FORBIDDEN, never data.
 */
export async function readCart(deps: CartDeps, viewer: Viewer, cartId: string | null | undefined): Promise<CartRecord | null> {
  let id: string;
  if (cartId != null) {
    if (!isCartId(cartId)) return null;
    id = cartId;
  } else if (viewer.userId) {
    id = userCartId(viewer.userId);
  } else {
    return null;
  }
  const cart = await deps.store.get(id);
  if (cart?.ownerId && cart.ownerId !== viewer.userId) throw forbidden('This cart belongs to another customer');
  return cart;
}

/**
 * A line's price now. When products cannot be reached the price when added
 * stands in (the cart still renders); a variant no longer on sale keeps it too.
 */
export async function linePrice(loaders: CartLoaders, line: CartLineRecord): Promise<{ minor: number; currencyCode: string }> {
  try {
    const fact = await loaders.variant.load(line.variantId);
    if (fact) return { minor: fact.priceMinor, currencyCode: fact.currencyCode };
  } catch {
    // Logged once by the catalog client; the stored price is the documented fallback.
  }
  return { minor: line.priceMinor, currencyCode: line.currencyCode };
}

export async function subtotal(deps: CartDeps, loaders: CartLoaders, cart: CartRecord): Promise<Money> {
  const prices = await Promise.all(cart.lines.map((line) => linePrice(loaders, line)));
  const minor = prices.reduce((sum, price, index) => sum + price.minor * cart.lines[index]!.quantity, 0);
  return toMoney(minor, prices[0]?.currencyCode ?? deps.currency);
}

/**
 * Login hands over a guest cart: its lines join the user's cart with
 * quantities summed and capped by stock, once (the script keeps a marker).
 * Catalog facts are read first; if products or inventory are away this
 * throws and the guest cart stays for the next login.
 */
export async function mergeGuestCart(deps: CartDeps, loaders: CartLoaders, guestCartId: string, userId: string): Promise<boolean> {
  if (!isCartId(guestCartId)) return false;
  const guest = await deps.store.get(guestCartId);
  const facts: Record<string, MergeFact> = {};
  if (guest && !guest.ownerId && guest.lines.length > 0) {
    const variants = await loaders.variant.loadMany(guest.lines.map((line) => line.variantId));
    const onSale = variants.filter((fact): fact is VariantFacts => fact != null && !(fact instanceof Error));
    if (variants.some((fact) => fact instanceof Error)) throw variants.find((fact) => fact instanceof Error);
    const levels = await loaders.stock.loadMany(onSale.map((fact) => fact.sku));
    onSale.forEach((fact, index) => {
      const available = levels[index];
      if (available instanceof Error) throw available;
      facts[fact.id] = { available: available ?? 0, priceMinor: fact.priceMinor, currencyCode: fact.currencyCode };
    });
  }
  const merged = await deps.store.merge({ guestCartId, userId, facts });
  deps.changes.inc({ operation: 'merge', outcome: merged ? 'ok' : 'nothing' });
  return merged;
}

export interface CheckoutLineView extends CheckoutLine {
  lineTotal: Money;
}

/**
 * The cart as checkout prices it: current prices from products, which must
 * answer (a checkout never falls back to old prices). Lines whose variant is
 * no longer on sale are returned with purchasable false, outside the subtotal.
 */
export async function checkoutCart(
  deps: CartDeps,
  loaders: CartLoaders,
  cartId: string | null | undefined,
  userId: string,
): Promise<{ id: string; lines: CheckoutLineView[]; subtotal: Money } | null> {
  const id = cartId ?? userCartId(userId);
  if (!isCartId(id)) return null;
  const cart = await deps.store.get(id);
  if (!cart) return null;
  if (cart.ownerId && cart.ownerId !== userId) throw forbidden('This cart belongs to another customer');
  const facts = await loaders.currentVariant.loadMany(cart.lines.map((line) => line.variantId));
  let total = 0;
  let currency = deps.currency;
  const lines = cart.lines.map((line, index): CheckoutLineView => {
    const fact = facts[index];
    if (fact instanceof Error) throw fact;
    const priceMinor = fact ? fact.priceMinor : line.priceMinor;
    const currencyCode = fact ? fact.currencyCode : line.currencyCode;
    if (fact) {
      total += priceMinor * line.quantity;
      currency = currencyCode;
    }
    return {
      id: line.id,
      variantId: line.variantId,
      sku: line.sku,
      title: fact?.title ?? line.sku,
      quantity: line.quantity,
      unitPrice: toMoney(priceMinor, currencyCode),
      lineTotal: toMoney(priceMinor * line.quantity, currencyCode),
      purchasable: fact != null,
    };
  });
  return { id: cart.id, lines, subtotal: toMoney(total, currency) };
}

export function clearCart(deps: CartDeps, cartId: string, userId: string, orderId: string): Promise<boolean> {
  if (!isCartId(cartId)) return Promise.resolve(true);
  return deps.store.clear({ cartId, userId, orderId });
}
