import { DomainError, badUserInput, findIn, isDuplicateKey, retryOnConflict } from '@shopcart/kit';
import { mongo } from 'mongoose';
import type { StockDeps } from './deps.js';
import type { CachedLevel } from './levelCache.js';
import type { ReservationLine } from './model.js';

export const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const MAX_AVAILABLE = 1_000_000_000;
export const MAX_LEVELS_PER_CALL = 1_000;

/** What the router hands inventory for a variant: the catalog owns everything else. */
export interface VariantRef {
  sku: string;
}

/** A Product entity as the router sends it for inStock (@requires variants { sku }). */
export interface ProductRef {
  id: string;
  variants?: VariantRef[] | null;
}

/**
 * Every write to a stock document goes through here: queued behind this
 * process's other writes to the SKU (locks.ts), and run again when the
 * embedded store refuses it because another replica changed the document
 * first (kit revisioned).
 */
export const withStock = <T>(deps: Pick<StockDeps, 'locks'>, sku: string, write: () => Promise<T>): Promise<T> => deps.locks.run(`stock:${sku}`, () => retryOnConflict(write));

export const isValidSku = (sku: string): boolean => SKU_PATTERN.test(sku);
export const isValidLevel = (available: number): boolean => Number.isInteger(available) && available >= 0 && available <= MAX_AVAILABLE;

// Every update that moves `available` also bumps the version and flags the
// document for the publisher, in the same single-document write: a change
// can never be stored without also being queued for the stream.
const MARK_CHANGED = { needsPublish: true } as const;

/**
 * A level-changing write returns the document as it left it (same filter,
 * same update, one round trip), and the replica's level cache takes it at
 * once: reads on this replica see their own writes without waiting for the
 * stream.
 */
// No projection: FerretDB v1 does not implement one on findAndModify.
const AFTER_WRITE = { returnDocument: 'after', lean: true } as const;

function writeThrough(deps: Pick<StockDeps, 'levels'>, doc: { sku: string; available: number; version: number } | null): boolean {
  if (doc) deps.levels.apply(doc.sku, doc.available, doc.version);
  return doc !== null;
}

/** Two first-time upserts of one SKU race on the unique index; the loser's retry finds the document. */
async function retryOnDuplicate<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isDuplicateKey(err)) return write();
    throw err;
  }
}

/**
 * Takes `quantity` units of one SKU for a reservation. The filter does all the
 * work on one document: enough stock, and not already held by this
 * reservation (so a retry cannot take the units twice).
 */
export function holdLine(deps: StockDeps, reservationId: string, line: ReservationLine): Promise<'held' | 'short'> {
  const { Stock } = deps.models;
  return withStock(deps, line.sku, async () => {
    const held = await Stock.findOneAndUpdate(
      { sku: line.sku, available: { $gte: line.quantity }, holdIds: { $ne: reservationId } },
      { $inc: { available: -line.quantity, version: 1 }, $push: { holdIds: reservationId }, $set: MARK_CHANGED },
      AFTER_WRITE,
    );
    if (writeThrough(deps, held)) return 'held';
    // Nothing taken now: an earlier attempt of the same reservation holds it already, or stock is short.
    return (await Stock.exists({ sku: line.sku, holdIds: reservationId })) ? 'held' : 'short';
  });
}

/** Gives held units back; a no-op when this reservation holds nothing of the SKU. */
export function releaseLine(deps: StockDeps, reservationId: string, line: ReservationLine): Promise<boolean> {
  return withStock(deps, line.sku, async () => {
    const released = await deps.models.Stock.findOneAndUpdate(
      { sku: line.sku, holdIds: reservationId },
      // $pull of the exact id: FerretDB v1 silently ignores $pull with a condition document.
      { $inc: { available: line.quantity, version: 1 }, $pull: { holdIds: reservationId }, $set: MARK_CHANGED },
      AFTER_WRITE,
    );
    return writeThrough(deps, released);
  });
}

/** The held units are sold: only the hold marker goes, `available` stays lowered. */
export function commitLine(deps: StockDeps, reservationId: string, sku: string): Promise<boolean> {
  return withStock(deps, sku, async () => {
    const result = await deps.models.Stock.updateOne({ sku, holdIds: reservationId }, { $pull: { holdIds: reservationId } });
    return result.modifiedCount === 1;
  });
}

/**
 * Puts a reservation's units of one SKU back on sale after its order was
 * undone: units still held (a commit not yet settled) lose their hold, sold
 * ones come back. The restock marker in the same write makes it happen once
 * per reservation and SKU, however often it is retried.
 */
export function restockLine(deps: StockDeps, reservationId: string, line: ReservationLine): Promise<boolean> {
  const { Stock } = deps.models;
  return withStock(deps, line.sku, async () => {
    const back = { $inc: { available: line.quantity, version: 1 }, $set: MARK_CHANGED };
    const held = await Stock.findOneAndUpdate(
      { sku: line.sku, holdIds: reservationId, restockIds: { $ne: reservationId } },
      { ...back, $pull: { holdIds: reservationId }, $push: { restockIds: reservationId } },
      AFTER_WRITE,
    );
    if (writeThrough(deps, held)) return true;
    const sold = await Stock.findOneAndUpdate(
      { sku: line.sku, holdIds: { $ne: reservationId }, restockIds: { $ne: reservationId } },
      { ...back, $push: { restockIds: reservationId } },
      AFTER_WRITE,
    );
    return writeThrough(deps, sold);
  });
}

/** Once the reservation records its restock as settled, the markers have done their job. */
export function forgetRestock(deps: StockDeps, reservationId: string, sku: string): Promise<unknown> {
  return withStock(deps, sku, () => deps.models.Stock.updateOne({ sku, restockIds: reservationId }, { $pull: { restockIds: reservationId } }));
}

/** Admin: sets the sellable quantity of a SKU, creating its stock record if needed. */
export async function setInventory(deps: StockDeps, sku: string, available: number): Promise<VariantRef> {
  if (!isValidSku(sku)) throw new DomainError('VARIANT_NOT_FOUND', 'No variant has this SKU', ['sku']);
  if (!isValidLevel(available)) {
    throw new DomainError('INVALID_QUANTITY', `available must be a whole number from 0 to ${MAX_AVAILABLE}`, ['available']);
  }
  await withStock(deps, sku, async () =>
    writeThrough(deps, await retryOnDuplicate(() => deps.models.Stock.findOneAndUpdate({ sku }, { $set: { available, ...MARK_CHANGED }, $inc: { version: 1 } }, { ...AFTER_WRITE, upsert: true }))),
  );
  deps.stockChanged();
  return { sku };
}

export interface StockLevelInput {
  sku: string;
  available: number;
}

function validateLevels(levels: readonly StockLevelInput[]): void {
  if (levels.length > MAX_LEVELS_PER_CALL) throw badUserInput(`At most ${MAX_LEVELS_PER_CALL} levels per call`, ['levels']);
  const seen = new Set<string>();
  levels.forEach((level, index) => {
    if (!isValidSku(level.sku)) throw badUserInput('sku must be 1 to 64 letters, digits, ".", "_" or "-"', ['levels', String(index), 'sku']);
    if (!isValidLevel(level.available)) {
      throw badUserInput(`available must be a whole number from 0 to ${MAX_AVAILABLE}`, ['levels', String(index), 'available']);
    }
    if (seen.has(level.sku)) throw badUserInput(`SKU ${level.sku} is listed twice`, ['levels', String(index), 'sku']);
    seen.add(level.sku);
  });
}

/**
 * Sets the first level of new SKUs (products' createProduct, seeding). An
 * existing level is never overwritten, so callers may retry freely and a
 * replayed call cannot undo sales or admin changes made since.
 *
 * Plain inserts, not upserts: the unique SKU index refuses the existing ones
 * atomically (on FerretDB too), without touching them, and one insertMany is
 * one round trip where FerretDB spends a collection scan on every upsert.
 */
export async function initializeStock(deps: StockDeps, levels: readonly StockLevelInput[]): Promise<number> {
  validateLevels(levels);
  if (levels.length === 0) return 0;
  // Inserted by the driver, past the schema's defaults: _rev too, or the revision guard would not cover the first writes.
  const docs = levels.map((level) => ({ sku: level.sku, available: level.available, holdIds: [], version: 1, publishedVersion: 0, _rev: 0, ...MARK_CHANGED }));
  let inserted: number;
  let refused = new Set<number>();
  try {
    inserted = (await deps.models.Stock.collection.insertMany(docs, { ordered: false })).insertedCount;
  } catch (err) {
    if (!(err instanceof mongo.MongoBulkWriteError) || !isDuplicateKey(err)) throw err;
    inserted = err.result.insertedCount;
    refused = new Set(writeErrorsOf(err).map((e) => e.index));
  }
  // Only the levels that went in: an existing one (refused) may be newer than this first level.
  docs.forEach((doc, i) => refused.has(i) || deps.levels.apply(doc.sku, doc.available, doc.version));
  if (inserted > 0) deps.stockChanged();
  return inserted;
}

const writeErrorsOf = (err: mongo.MongoBulkWriteError): readonly mongo.WriteError[] => {
  const errors = err.writeErrors;
  return Array.isArray(errors) ? errors : [errors as mongo.WriteError];
};

/**
 * Sellable units per SKU, for reads only; SKUs inventory has never heard of
 * have none. The level cache answers what it holds, the rest is one query.
 */
export async function readLevels(deps: Pick<StockDeps, 'models' | 'levels'>, skus: readonly string[]): Promise<Map<string, CachedLevel>> {
  const levels = new Map<string, CachedLevel>();
  const misses: string[] = [];
  for (const sku of new Set(skus.filter(isValidSku))) {
    const cached = deps.levels.get(sku);
    if (cached === undefined) misses.push(sku);
    else levels.set(sku, cached);
  }
  if (misses.length === 0) return levels;
  const docs = await findIn<{ sku: string; available: number; version: number }>(deps.models.Stock, 'sku', misses, { projection: { _id: 0, sku: 1, available: 1, version: 1 } });
  for (const doc of docs) {
    levels.set(doc.sku, { available: doc.available, version: doc.version });
    deps.levels.apply(doc.sku, doc.available, doc.version);
  }
  return levels;
}

/** Version 0 for a SKU inventory has never stocked: any level it is later given is newer. */
export async function stockLevels(deps: Pick<StockDeps, 'models' | 'levels'>, skus: readonly string[]): Promise<Array<{ sku: string; available: number; version: number }>> {
  if (skus.length > MAX_LEVELS_PER_CALL) throw badUserInput(`At most ${MAX_LEVELS_PER_CALL} SKUs per call`, ['skus']);
  const levels = await readLevels(deps, skus);
  return skus.map((sku) => ({ sku, available: levels.get(sku)?.available ?? 0, version: levels.get(sku)?.version ?? 0 }));
}
