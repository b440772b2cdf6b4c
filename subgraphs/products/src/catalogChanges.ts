import { CATALOG_CHANGES_STREAM, type Logger, type Redis } from '@shopcart/kit';

/**
 * Public integration point: the `catalog-changes` Redis Stream, which lets
 * other services keep product facts (prices, titles, status) they cached.
 *
 * Key:      `${REDIS_KEY_PREFIX}catalog-changes`, capped near the newest
 *           10,000 entries (XADD MAXLEN ~).
 * Entry:    `product`   the product's id
 *           `revision`  its revision after the change, a decimal integer that
 *                       grows with every change (the internal field
 *                       Product.revision answers the same number)
 * Delivery: best effort, right after the write lands; an entry may repeat.
 *           A reader drops what it cached for the product at a lower revision
 *           and caches a later answer only if its revision is at least the
 *           highest announced, since a products replica may answer from an
 *           index that has not polled the change yet (CATALOG_SYNC_MS).
 *           A write whose announcement fails (Redis away, a crash in
 *           between) is not announced again: readers bound their caches'
 *           age as well (the cart: CART_CATALOG_CACHE_TTL_MS).
 * Not announced: new products (nothing can have cached them) and stock
 * flags (inStock), which no reader caches.
 */
const MAX_LEN = 10_000;

export type AnnounceChange = (productId: string, revision: number) => void;

export function createChangeAnnouncer(redis: Redis, logger: Logger): AnnounceChange {
  return (productId, revision) => {
    redis
      .xadd(CATALOG_CHANGES_STREAM, 'MAXLEN', '~', MAX_LEN, '*', 'product', productId, 'revision', String(revision))
      .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err), productId, revision }, 'catalog change not announced'));
  };
}
