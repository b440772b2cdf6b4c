import type { Logger } from '@shopcart/kit';
import { Types } from 'mongoose';
import { fetchByIds, type CategoryDoc, type ProductDoc, type ProductsModels } from './model.js';
import { SearchIndex } from './searchIndex.js';

/*
 * Keeps every replica's in-memory index in step with MongoDB. The replica
 * that writes applies its change at once; every replica polls the change log
 * (`catalog_changes`: revision -> what changed) every CATALOG_SYNC_MS and
 * re-reads, by `_id`, what its index holds at an older revision. Polling a
 * short log rather than `products.find({ revision: { $gt } })` matters on
 * FerretDB v1, where that query reads all 100k products every second.
 *
 * A write takes its revision before it lands, so revisions can land out of
 * order; each poll therefore looks again at every revision it first saw less
 * than CATALOG_SYNC_SETTLE_MS ago. Re-reading is harmless: documents apply
 * only when newer than what the index holds.
 */

/** Log entries older than this are trimmed; a replica that could not poll for half of it reloads everything. */
const CHANGE_RETENTION_MS = 10 * 60_000;
/**
 * Why the log's queries may read it whole: it keeps CHANGE_RETENTION_MS of
 * changes, so it is as long as the catalog's recent writes, never as long as
 * the catalog; and FerretDB v1 pushes no range ($gt, $lt) down to an index.
 */
const SHORT_LOG = 'scan: the change log holds only the last 10 minutes of writes';
const TRIM_EVERY_MS = 60_000;
const objectId = (id: string) => new Types.ObjectId(id);
/** The index keeps whole documents (entity references and pages are answered from it), minus what no reader uses. */
const INDEX_PROJECTION = { __v: 0 } as const;

export interface CatalogSync {
  /** Resolves once the first full load is in the index. */
  loaded: Promise<void>;
  isLoaded(): boolean;
  /** One poll now (tests; the timer polls on its own). */
  pollNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startCatalogSync(options: { models: ProductsModels; index: SearchIndex; intervalMs: number; settleMs: number; logger: Logger }): CatalogSync {
  const { models, index, intervalMs, settleMs, logger } = options;
  let loadedOnce = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  /** Revisions up to `revision` were all taken before `at`. */
  let marks: Array<{ at: number; revision: number }> = [];
  let baseFloor = 0;
  let handledReload = 0;
  let lastPollOk = Date.now();
  let lastTrim = 0;

  async function load(): Promise<void> {
    const startedAt = Date.now();
    // Before reading anything: what this load surely covers, and the last bulk import it includes.
    const [settled, reload] = await Promise.all([
      models.Change.findOne({ at: { $lt: new Date(startedAt - settleMs) } }, { _id: 1 }).sort({ _id: -1 }).comment(SHORT_LOG).lean(),
      models.Change.findOne({ kind: 'reload' }, { _id: 1 }).sort({ _id: -1 }).comment(SHORT_LOG).lean(),
    ]);
    const fresh = new SearchIndex();
    for await (const category of models.Category.find({}).comment('scan: the search index holds every category, loaded once at start').lean<CategoryDoc>().cursor()) fresh.upsertCategory(category);
    for await (const product of models.Product.find({}, INDEX_PROJECTION).comment('scan: the search index holds every product, loaded once at start').lean<ProductDoc>().cursor({ batchSize: 1_000 })) fresh.upsertProduct(product);
    index.replaceWith(fresh);
    baseFloor = settled?._id ?? 0;
    handledReload = Math.max(handledReload, reload?._id ?? 0);
    marks = [];
    lastPollOk = Date.now();
    logger.info({ products: index.size, ms: Date.now() - startedAt }, 'catalog index loaded');
  }

  function floorAt(now: number): number {
    let latestSettled = -1;
    for (let i = 0; i < marks.length; i += 1) if (marks[i]!.at <= now - settleMs) latestSettled = i;
    if (latestSettled < 0) return baseFloor;
    marks = marks.slice(latestSettled);
    return Math.max(baseFloor, marks[0]!.revision);
  }

  async function poll(): Promise<void> {
    const startedAt = Date.now();
    if (startedAt - lastPollOk > CHANGE_RETENTION_MS / 2) {
      logger.warn('catalog changes may have been trimmed unseen; reloading the index');
      await load();
      return;
    }
    const floor = floorAt(startedAt);
    const changes = await models.Change.find({ _id: { $gt: floor } }).sort({ _id: 1 }).comment(SHORT_LOG).lean();
    const reload = changes.findLast((c) => c.kind === 'reload');
    if (reload && reload._id > handledReload) {
      await load();
      return;
    }
    const staleCategories = new Set<string>();
    const staleProducts = new Set<string>();
    for (const change of changes) {
      if (!change.ref) continue;
      const ref = String(change.ref);
      if (change.kind === 'category' && index.categoryRevisionOf(ref) < change._id) staleCategories.add(ref);
      if (change.kind === 'product' && index.revisionOf(ref) < change._id) staleProducts.add(ref);
    }
    // Categories first: products name them in their search text.
    for (const category of await fetchByIds(models.Category, [...staleCategories].map(objectId))) index.upsertCategory(category as CategoryDoc);
    const resolvable = index.resolvableProducts();
    for (const product of await fetchByIds(models.Product, [...staleProducts, ...resolvable].map(objectId), INDEX_PROJECTION)) {
      index.upsertProduct(product as ProductDoc, { force: resolvable.includes(String(product._id)) });
    }
    marks.push({ at: startedAt, revision: Math.max(floor, changes.at(-1)?._id ?? 0) });
    lastPollOk = Date.now();
    if (startedAt - lastTrim > TRIM_EVERY_MS) {
      lastTrim = startedAt;
      await models.Change.deleteMany({ at: { $lt: new Date(startedAt - CHANGE_RETENTION_MS) } }, { comment: SHORT_LOG });
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = running
        .catch(() => {})
        .then(poll)
        .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'catalog sync poll failed'))
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  const loaded = (async () => {
    for (;;) {
      try {
        await load();
        return;
      } catch (err) {
        if (stopped) throw err;
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'catalog index load failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  })().then(() => {
    loadedOnce = true;
    schedule();
  });
  // Callers await `loaded`; an unobserved rejection must not crash the process on shutdown.
  loaded.catch(() => {});

  return {
    loaded,
    isLoaded: () => loadedOnce,
    pollNow: () => (running = running.catch(() => {}).then(poll)),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running.catch(() => {});
    },
  };
}
