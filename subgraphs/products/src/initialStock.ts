import type { Logger } from '@shopcart/kit';
import type { Types } from 'mongoose';
import type { InventoryClient } from './clients.js';
import type { ProductsModels } from './model.js';

/** A pending record older than this without its product belongs to a create that failed or crashed. */
const ABANDONED_AFTER_MS = 60_000;
/** With nothing known to be pending, look this often for what a crashed replica left. */
const IDLE_SCAN_MS = 60_000;

export type StockLevel = { sku: string; available: number };

export interface InitialStock {
  /** Hands the levels of a new product's SKUs to inventory; true once confirmed and the pending record is gone. */
  send(productId: Types.ObjectId, levels: StockLevel[]): Promise<boolean>;
  /**
   * Sends every pending record old enough that its own create is done with
   * it; returns how many were confirmed. The loop runs it every retryMs while
   * anything is pending, and once a minute otherwise.
   */
  flushPending(): Promise<number>;
  start(): void;
  stop(): void;
}

/**
 * Initial stock travels to inventory's internal initializeStock. The levels
 * are written to `pending_stock` before the product itself, and removed only
 * once inventory confirms, so a failed call or a crash loses nothing: a loop
 * on every replica sends what is left. Inventory may therefore receive the
 * same levels twice; initializeStock only sets levels for SKUs it does not
 * know yet, which makes the repeat harmless.
 */
export function createInitialStock(options: { models: ProductsModels; inventory: InventoryClient | null; logger: Logger; retryMs: number }): InitialStock {
  const { models, inventory, logger, retryMs } = options;
  let timer: NodeJS.Timeout | null = null;
  let flushing = false;
  let stopped = true;
  /** Records seen but not confirmed: while there are any, retry every retryMs. */
  let outstanding = 0;

  async function send(productId: Types.ObjectId, levels: StockLevel[]): Promise<boolean> {
    if (!inventory) {
      logger.warn({ productId: String(productId) }, 'no SERVICE_PRIVATE_KEY: initial stock stays pending');
      return false;
    }
    try {
      await inventory.initializeStock(levels);
      await models.PendingStock.deleteOne({ _id: productId });
      return true;
    } catch (err) {
      logger.warn({ productId: String(productId), err: err instanceof Error ? err.message : String(err) }, 'initial stock not confirmed; will retry');
      outstanding += 1;
      if (!flushing) schedule(retryMs);
      return false;
    }
  }

  function schedule(ms: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void tick(), ms);
    timer.unref();
  }

  async function tick(): Promise<void> {
    await flushPending().catch((err: unknown) => {
      outstanding += 1;
      logger.warn({ err }, 'pending stock flush failed');
    });
    schedule(outstanding > 0 ? retryMs : Math.max(retryMs, IDLE_SCAN_MS));
  }

  // One flush at a time; a caller arriving during one gets a fresh one after it.
  let queue: Promise<unknown> = Promise.resolve();
  function flushPending(): Promise<number> {
    const run = queue.then(flushOnce, flushOnce);
    queue = run.catch(() => {});
    return run;
  }

  async function flushOnce(): Promise<number> {
    flushing = true;
    try {
      let confirmed = 0;
      // Tiny collection: only creates inventory has not confirmed yet.
      const pending = await models.PendingStock.find({}).comment('scan: an outbox, it holds only what is pending').lean();
      outstanding = pending.length;
      const now = Date.now();
      for (const record of pending) {
        const age = now - new Date(record.createdAt).getTime();
        // The create that wrote it is still sending it itself.
        if (age < 2 * retryMs) continue;
        const product = await models.Product.findById(record._id, { _id: 1 }).lean();
        if (!product) {
          if (age > ABANDONED_AFTER_MS) await models.PendingStock.deleteOne({ _id: record._id });
          continue;
        }
        if (await send(record._id, record.levels)) {
          confirmed += 1;
          outstanding -= 1;
        }
      }
      return confirmed;
    } finally {
      flushing = false;
    }
  }

  return {
    send,
    flushPending,
    start() {
      if (!stopped) return;
      stopped = false;
      // At start: whatever an earlier run of this replica left.
      schedule(0);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
