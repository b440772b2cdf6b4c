import { CATALOG_CHANGES_STREAM, parseStockLevel, STOCK_LEVELS_STREAM, startStreamFollower, type Logger, type Redis, type StreamFollower } from '@shopcart/kit';
import { LRUCache } from 'lru-cache';
import type { Counter } from 'prom-client';
import type { VariantFacts } from './catalog.js';

/*
 * Variant facts (price, title, status) and stock levels the cart has already
 * asked products and inventory for, kept current by the streams those two
 * publish, so an add in the steady state makes no service call at all.
 *
 * - Stock: inventory's `stock-levels` stream carries every SKU's level with
 *   a version; a level (from the stream or from stockLevels) replaces the one
 *   held only when its version is newer, so the two sources may race freely.
 * - Facts: products' `catalog-changes` stream names each changed product and
 *   its new revision. Facts held at a lower revision are dropped, and an
 *   answer is kept only if its revision is at least the newest announced
 *   (a products replica that has not polled the change yet answers older).
 *
 * Bounds: both streams are read within one round trip of their publication.
 * While they cannot be read, or reading is behind, the cache answers nothing
 * (every lookup asks the service); after a failed read it is emptied, and an
 * answer fetched before that is not kept. An entry is also dropped
 * CART_CATALOG_CACHE_TTL_MS after it was fetched, which bounds what a lost
 * announcement can leave behind. Checkout never reads prices from here.
 */

export interface CachedVariant extends VariantFacts {
  productId: string;
  revision: number;
}

export interface CatalogCacheOptions {
  redis: Redis;
  logger: Logger;
  maxEntries: number;
  ttlMs: number;
  lookups: Counter<'kind' | 'outcome'>;
}

/** Announcements are remembered this long: longer than any lookup they could race with. */
const ANNOUNCEMENT_MEMORY_MS = 60_000;

export class CatalogCache {
  /** Facts per product, so an announcement drops all of a product's variants at once. */
  private readonly products: LRUCache<string, { revision: number; variants: Map<string, VariantFacts> }>;
  private readonly productOf: LRUCache<string, string>;
  private readonly announced: LRUCache<string, number>;
  private readonly levels: LRUCache<string, { available: number; version: number }>;
  private readonly follower: StreamFollower;
  private readonly lookups: Counter<'kind' | 'outcome'>;
  /** Bumped whenever the cache is emptied: an answer fetched before that may predate a change it missed. */
  private generation = 0;
  readonly loaded: Promise<void>;

  constructor(options: CatalogCacheOptions) {
    const { maxEntries, ttlMs } = options;
    this.lookups = options.lookups;
    this.products = new LRUCache({ max: maxEntries, ttl: ttlMs });
    this.productOf = new LRUCache({ max: maxEntries, ttl: ttlMs });
    this.announced = new LRUCache({ max: maxEntries, ttl: ANNOUNCEMENT_MEMORY_MS });
    this.levels = new LRUCache({ max: maxEntries, ttl: ttlMs });
    this.follower = startStreamFollower({
      redis: options.redis,
      streams: [STOCK_LEVELS_STREAM, CATALOG_CHANGES_STREAM],
      name: 'cart-catalog',
      logger: options.logger,
      reset: async () => this.clear(),
      apply: (stream, fields) => (stream === STOCK_LEVELS_STREAM ? this.applyLevel(fields) : this.applyChange(fields)),
    });
    this.loaded = this.follower.loaded;
  }

  private get usable(): boolean {
    return this.follower.isCurrent();
  }

  private clear(): void {
    this.generation += 1;
    this.products.clear();
    this.productOf.clear();
    this.levels.clear();
  }

  private applyLevel(fields: Map<string, string>): void {
    const level = parseStockLevel(fields);
    if (level) this.applyNewer(level.sku, level.available, level.version);
  }

  private applyNewer(sku: string, available: number, version: number): void {
    const held = this.levels.peek(sku);
    if (!held || held.version < version) this.levels.set(sku, { available, version });
  }

  /** Taken before asking a service; the answer is kept only if the cache was not emptied meanwhile. */
  fetchStarted(): number {
    return this.generation;
  }

  private applyChange(fields: Map<string, string>): void {
    const productId = fields.get('product');
    const revision = Number(fields.get('revision'));
    if (!productId || !Number.isSafeInteger(revision)) return;
    if ((this.announced.get(productId) ?? 0) < revision) this.announced.set(productId, revision);
    const held = this.products.get(productId);
    if (held && held.revision < revision) this.products.delete(productId);
  }

  /** The facts to use, or undefined when products must be asked. */
  variant(id: string): VariantFacts | undefined {
    const productId = this.usable ? this.productOf.get(id) : undefined;
    const facts = productId === undefined ? undefined : this.products.get(productId)?.variants.get(id);
    this.lookups.inc({ kind: 'variant', outcome: facts ? 'hit' : 'miss' });
    return facts;
  }

  rememberVariant(fact: CachedVariant, since: number): void {
    if (!this.usable || since !== this.generation || fact.revision < (this.announced.get(fact.productId) ?? 0)) return;
    const { productId, revision, ...facts } = fact;
    let held = this.products.get(productId);
    if (held && held.revision > revision) return;
    if (!held || held.revision < revision) {
      held = { revision, variants: new Map() };
      this.products.set(productId, held);
    }
    held.variants.set(facts.id, facts);
    this.productOf.set(facts.id, productId);
  }

  /** Units available, or undefined when inventory must be asked. */
  level(sku: string): number | undefined {
    const available = this.usable ? this.levels.get(sku)?.available : undefined;
    this.lookups.inc({ kind: 'stock', outcome: available === undefined ? 'miss' : 'hit' });
    return available;
  }

  rememberLevel(sku: string, available: number, version: number, since: number): void {
    if (since === this.generation) this.applyNewer(sku, Math.max(0, available), version);
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }
}
