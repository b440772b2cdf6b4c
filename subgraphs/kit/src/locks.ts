/**
 * Runs tasks one after another per key, in arrival order, within this process.
 *
 * Why: rules such as "never below zero" and "a refresh token rotates once"
 * rely on single-document conditional updates being atomic, as they are in
 * MongoDB. FerretDB v1 (the development and test store) reads, then writes,
 * without isolation: 50 concurrent
 * `updateOne({ sku, available: { $gte: 1 } }, { $inc: { available: -1 } })`
 * on a document with 10 all report a modification there, and the level ends
 * at 9. So writes that must be exclusive per document also queue behind each
 * other here. With MongoDB this costs a little latency on a hot key and
 * changes nothing else; with FerretDB it makes one process of a service
 * correct. Across replicas on FerretDB, documents that several replicas
 * write carry the `revisioned` guard instead (mongo.ts): stock, reservations,
 * orders and the order counter.
 */
export interface KeyedLock {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Whether a task of this key is running or queued now. */
  busy(key: string): boolean;
}

export function createKeyedLock(): KeyedLock {
  // The last queued task per key, settled either way; absent when the key is idle.
  const tails = new Map<string, Promise<unknown>>();
  async function run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const current = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = current.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  }
  return { run, busy: (key) => tails.has(key) };
}
