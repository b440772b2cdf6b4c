/**
 * Stock levels as this replica last knew them, for reads only (variant
 * inventory, product inStock, stockLevels): reservations and every other
 * write keep their conditional updates on MongoDB. On FerretDB v1 a
 * `sku $in` lookup reads the whole collection (6.4 s at 100k products), so
 * a catalog page must not pay one.
 *
 * Every entry carries the SKU's version, and a level applies only when newer
 * than the one held: this replica's own writes (write-through), the
 * stock-levels stream (other replicas' writes, levelFeed.ts) and reads of
 * missing SKUs may arrive in any order and the newest always wins.
 */
export interface CachedLevel {
  available: number;
  version: number;
}

export class StockLevelCache {
  private levels = new Map<string, CachedLevel>();
  private following: () => boolean = () => false;

  /** Whether the cache may answer reads: false until levelFeed.ts has loaded every level and while it cannot follow the stream. */
  get usable(): boolean {
    return this.following();
  }

  /** levelFeed.ts tells the cache whether it is current. */
  followedBy(isCurrent: () => boolean): void {
    this.following = isCurrent;
  }

  get size(): number {
    return this.levels.size;
  }

  /** The level to answer with, or undefined when the database must be asked. */
  get(sku: string): CachedLevel | undefined {
    return this.usable ? this.levels.get(sku) : undefined;
  }

  apply(sku: string, available: number, version: number): void {
    const held = this.levels.get(sku);
    if (held && held.version >= version) return;
    this.levels.set(sku, { available, version });
  }
}
