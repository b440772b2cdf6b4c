/** The operations each scenario sends, and the distinct arguments that keep response caches cold. */

export const CATALOG_PAGE = `query CatalogPage($filter: ProductFilter, $sort: ProductSort, $first: Int) {
  products(filter: $filter, sort: $sort, first: $first) {
    nodes { id title category { name } variants { sku price { amount currencyCode } inventory { available } } }
  }
}`;

/** The products subgraph's own share of the catalog page: what "direct" can answer without the gateway. */
export const CATALOG_PAGE_PRODUCTS_ONLY = `query CatalogPage($filter: ProductFilter, $sort: ProductSort, $first: Int) {
  products(filter: $filter, sort: $sort, first: $first) {
    nodes { id title category { name } variants { sku price { amount currencyCode } } }
  }
}`;

export const PRODUCT_BY_ID = `query Product($id: ID!) {
  product(id: $id) { id title priceRange { min { amount currencyCode } } variants { sku price { amount } } }
}`;

export const CART_ADD_LINES = `mutation AddToCart($cartId: ID, $lines: [CartLineInput!]!) {
  cartAddLines(cartId: $cartId, lines: $lines) { cart { id totalQuantity } userErrors { code } }
}`;

/** Answered by the cart subgraph from input validation alone: no Redis, no catalog call. */
export const NO_OP_MUTATION = `mutation NoOp { cartRemoveLines(lineIds: []) { userErrors { code } } }`;

export const CHECKOUT = `mutation Checkout($input: CheckoutInput!) {
  checkout(input: $input) { order { id } userErrors { code message } }
}`;

const SORTS = ['PRICE_ASC', 'PRICE_DESC', 'NEWEST', 'TITLE_ASC'];

export function body(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify(variables ? { query, variables } : { query });
}

/** Distinct arguments per request: a minimum price in cents, a sort and sometimes a category. */
export function catalogVariables(i: number, categories: string[], first = 20): Record<string, unknown> {
  const cents = 1 + (i % 2000);
  const filter: Record<string, unknown> = { minPrice: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}` };
  const category = i % 3 === 0 ? undefined : categories[i % categories.length];
  if (category) filter.categorySlug = category;
  return { filter, sort: SORTS[i % SORTS.length], first };
}

export function catalogBodies(count: number, categories: string[], query = CATALOG_PAGE, first = 20): string[] {
  return Array.from({ length: count }, (_, i) => body(query, catalogVariables(i, categories, first)));
}

/**
 * Distinct operation texts (aliases, field sets and arguments all differ),
 * each a new query plan for the gateway. They read guest carts that do not
 * exist, which the cart subgraph answers from Redis at once: what is
 * measured is planning and its cache, not a subgraph's speed.
 */
export function distinctOperations(count: number): string[] {
  const fields = ['totalQuantity', 'updatedAt', 'expiresAt', 'lines { id quantity }', 'lines { id unitPrice { amount } }', 'subtotal { amount currencyCode }'];
  return Array.from({ length: count }, (_, i) => {
    const picked = fields.filter((_, f) => (i >> f) & 1);
    return body(`query Plan${i} { c${i}: cart(id: "bench-missing-${i}") { ${['id', ...picked].join(' ')} } }`);
  });
}
