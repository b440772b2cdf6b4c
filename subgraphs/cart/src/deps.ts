import type { Counter } from 'prom-client';
import type { Catalog } from './catalog.js';
import type { CartStore } from './store.js';

/** What the cart functions run with; tests reach it through the started service. */
export interface CartDeps {
  store: CartStore;
  catalog: Catalog;
  /** Shown for an empty cart, whose lines name no currency. */
  currency: string;
  /** GUEST_CART_TTL_DAYS, which the store applies and the CART_NOT_FOUND message states. */
  guestCartTtlDays: number;
  changes: Counter<'operation' | 'outcome'>;
}
