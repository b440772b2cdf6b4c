import { retryOnConflict } from '@shopcart/kit';
import { Types } from 'mongoose';
import type { OrderStore } from './deps.js';
import { orderPlaced, orderStatusChanged } from './orderEvents.js';
import type { OrderRecord, OrderStatus, OrdersModels, OrderTask, OutboxEntry } from './model.js';

/**
 * Every write to an order goes through here: queued behind this process's
 * other writes to it, and run again (reading the order anew) when the
 * embedded store refuses it because another replica changed the order first
 * (kit revisioned). Each write function reads, then writes conditionally.
 */
export const withOrder = <T>(store: Pick<OrderStore, 'locks'>, orderId: string, write: () => Promise<T>): Promise<T> =>
  store.locks.run(`order:${orderId}`, () => retryOnConflict(write));

export async function findOrder(models: OrdersModels, orderId: string): Promise<OrderRecord | null> {
  if (!Types.ObjectId.isValid(orderId)) return null;
  return models.Order.findById(orderId).lean<OrderRecord>();
}

export interface StatusChange {
  /** The move happens only from one of these. */
  from: readonly OrderStatus[];
  to: OrderStatus;
  note?: string | null;
  /** Tasks the new status owes (added) and the ones it settles (removed). */
  addTasks?: readonly OrderTask[];
  removeTasks?: readonly OrderTask[];
  set?: Record<string, unknown>;
}

export type StatusChangeResult = { changed: true; order: OrderRecord } | { changed: false; order: OrderRecord | null };

/**
 * The one way an order's status changes: conditional on where it stands,
 * with the timeline entry, the tasks the move owes other services and the
 * events for the stream, all in the same single-document write. Nothing a
 * status change implies can be lost to a crash between two writes.
 */
export async function changeStatus(store: OrderStore, orderId: string, change: StatusChange): Promise<StatusChangeResult> {
  const result = await withOrder(store, orderId, async (): Promise<StatusChangeResult> => {
    const current = await findOrder(store.models, orderId);
    if (!current || !change.from.includes(current.status)) return { changed: false, order: current };
    const at = new Date();
    const note = change.note ?? null;
    const events: Array<{ type: string; data: unknown }> = [orderStatusChanged(current, change.to, at, note)];
    if (change.to === 'CONFIRMED') events.push(orderPlaced(current));
    const outbox: OutboxEntry[] = events.map((event, i) => ({ seq: current.outboxSeq + i + 1, type: event.type, data: JSON.stringify(event.data) }));
    const removed = new Set(change.removeTasks ?? []);
    const tasks = [...new Set([...current.tasks.filter((task) => !removed.has(task)), ...(change.addTasks ?? [])])];
    const updated = await store.models.Order.findOneAndUpdate(
      { _id: current._id, status: current.status },
      {
        $set: { ...change.set, status: change.to, tasks, recoverAfter: new Date(at.getTime() + store.recoverAfterMs), outboxPending: true },
        $push: { events: { status: change.to, at, note }, outbox: { $each: outbox } },
        $inc: { outboxSeq: outbox.length },
      },
      { new: true },
    ).lean<OrderRecord>();
    return updated ? { changed: true, order: updated } : { changed: false, order: await findOrder(store.models, orderId) };
  });
  if (result.changed) store.eventsChanged();
  return result;
}

/** A task done: it leaves the order's list (a no-op when another run finished it first). */
export async function finishTask(store: OrderStore, orderId: string, task: OrderTask): Promise<void> {
  await withOrder(store, orderId, () => store.models.Order.updateOne({ _id: orderId }, { $pull: { tasks: task } }));
}

/** Recovery found the order's tasks still undone: try again no sooner than a full period from now. */
export async function postponeRecovery(store: OrderStore, orderId: string): Promise<void> {
  await withOrder(store, orderId, () => store.models.Order.updateOne({ _id: orderId }, { $set: { recoverAfter: new Date(Date.now() + store.recoverAfterMs) } }));
}

const ORDER_NUMBER_BASE = 100_000;

/**
 * Order numbers come from one counter document: human-friendly, unique and
 * increasing (SC-100001, SC-100002, ...). The counter is revisioned, so on
 * the embedded store a replica's increment computed from a stale read is
 * refused and retried; the unique index on `number` refuses a duplicate
 * whatever happens.
 */
export async function nextOrderNumber(store: Pick<OrderStore, 'models' | 'locks'>): Promise<string> {
  const counter = await store.locks.run('counter:orderNumber', () =>
    retryOnConflict(() => store.models.Counter.findOneAndUpdate({ _id: 'orderNumber' }, { $inc: { seq: 1 } }, { upsert: true, new: true }).lean()),
  );
  if (!counter) throw new Error('order number counter missing');
  return `SC-${ORDER_NUMBER_BASE + counter.seq}`;
}
