import { cleanText, DomainError, type Viewer } from '@shopcart/kit';
import type { OrdersDeps } from './deps.js';
import type { OrderRecord, OrderStatus, OrderTask } from './model.js';
import { changeStatus, findOrder } from './orders.js';
import { runTasks } from './settlement.js';

/**
 * The tracking state machine (the orders README): CONFIRMED -> PACKED ->
 * SHIPPED -> OUT_FOR_DELIVERY -> DELIVERED; CANCELLED before SHIPPED;
 * REFUNDED after payment. PENDING_PAYMENT and PAYMENT_FAILED belong to
 * checkout: nobody moves them by hand.
 */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING_PAYMENT: [],
  PAYMENT_FAILED: [],
  CONFIRMED: ['PACKED', 'CANCELLED', 'REFUNDED'],
  PACKED: ['SHIPPED', 'CANCELLED', 'REFUNDED'],
  SHIPPED: ['OUT_FOR_DELIVERY', 'REFUNDED'],
  OUT_FOR_DELIVERY: ['DELIVERED', 'REFUNDED'],
  DELIVERED: ['REFUNDED'],
  CANCELLED: [],
  REFUNDED: [],
};

/** Until it ships, the goods are still in the warehouse: undoing the order puts them back on sale. */
const NOT_SHIPPED: readonly OrderStatus[] = ['CONFIRMED', 'PACKED'];

export const MAX_NOTE_LENGTH = 500;
const MAX_SHIPMENT_FIELD = 100;

export const canMove = (from: OrderStatus, to: OrderStatus): boolean => NEXT[from].includes(to);

function illegal(from: OrderStatus, to: OrderStatus): DomainError {
  const hint = from === 'PENDING_PAYMENT' ? ': its payment is still being confirmed, try again shortly' : '';
  return new DomainError('INVALID_STATUS_TRANSITION', `An order that is ${from} cannot become ${to}${hint}`, ['status']);
}

// Notes reach the customer's timeline, notification emails and admin screens.
const cleanNote = (note: string | null | undefined, field: string): string | null =>
  cleanText(note ?? '', [field], { max: MAX_NOTE_LENGTH, multiline: true }) || null;

/** Its customer or an admin sees an order; for anyone else it does not exist. */
export const canSee = (viewer: Viewer, order: OrderRecord): boolean => viewer.role === 'ADMIN' || (viewer.userId !== null && viewer.userId === order.customerId);

async function visibleOrder(deps: OrdersDeps, viewer: Viewer, orderId: string): Promise<OrderRecord> {
  const order = await findOrder(deps.models, orderId);
  if (!order || !canSee(viewer, order)) throw new DomainError('NOT_FOUND', 'No such order', ['id']);
  return order;
}

/** What a move owes other services: cancelling and refunding give the money back, and the goods if still here. */
function tasksFor(from: OrderStatus, to: OrderStatus): OrderTask[] {
  if (to !== 'CANCELLED' && to !== 'REFUNDED') return [];
  return NOT_SHIPPED.includes(from) ? ['restockStock', 'refundPayment'] : ['refundPayment'];
}

async function move(deps: OrdersDeps, order: OrderRecord, to: OrderStatus, note: string | null, set: Record<string, unknown> = {}): Promise<OrderRecord> {
  if (!canMove(order.status, to)) throw illegal(order.status, to);
  const result = await changeStatus(deps, String(order._id), { from: [order.status], to, note, addTasks: tasksFor(order.status, to), set });
  // Someone else moved it first: judge this move against where it stands now.
  if (!result.changed) throw result.order ? illegal(result.order.status, to) : new DomainError('NOT_FOUND', 'No such order', ['id']);
  return runTasks(deps, result.order);
}

/** The customer before the order ships, or an admin: stock back on sale, payment refunded. */
export async function cancelOrder(deps: OrdersDeps, viewer: Viewer, orderId: string, reason?: string | null): Promise<OrderRecord> {
  const note = cleanNote(reason, 'reason');
  const order = await visibleOrder(deps, viewer, orderId);
  const by = viewer.role === 'ADMIN' && viewer.userId !== order.customerId ? 'by an admin' : 'by the customer';
  return move(deps, order, 'CANCELLED', note ?? `Cancelled ${by}`, { cancelReason: note ?? `Cancelled ${by}` });
}

export interface StatusUpdate {
  status: OrderStatus;
  note?: string | null;
  shipment?: { carrier: string; trackingNumber: string } | null;
}

/** Admin: the next step of the timeline; a shipment (carrier and tracking number) comes with SHIPPED and only then. */
export async function updateOrderStatus(deps: OrdersDeps, viewer: Viewer, orderId: string, update: StatusUpdate): Promise<OrderRecord> {
  const note = cleanNote(update.note, 'note');
  let shipment: { carrier: string; trackingNumber: string } | null = null;
  if (update.shipment) {
    if (update.status !== 'SHIPPED') throw new DomainError('INVALID_INPUT', 'A shipment is given only with status SHIPPED', ['shipment']);
    const carrier = cleanText(update.shipment.carrier, ['shipment', 'carrier'], { max: MAX_SHIPMENT_FIELD });
    const trackingNumber = cleanText(update.shipment.trackingNumber, ['shipment', 'trackingNumber'], { max: MAX_SHIPMENT_FIELD });
    if (!carrier || !trackingNumber) throw new DomainError('SHIPMENT_REQUIRED', 'A shipment needs a carrier and a tracking number', ['shipment']);
    shipment = { carrier, trackingNumber };
  } else if (update.status === 'SHIPPED') {
    throw new DomainError('SHIPMENT_REQUIRED', 'SHIPPED needs a shipment: carrier and tracking number', ['shipment']);
  }
  const order = await visibleOrder(deps, viewer, orderId);
  if (update.status === 'CANCELLED' || update.status === 'REFUNDED') {
    const reason = note ?? (update.status === 'CANCELLED' ? 'Cancelled by an admin' : 'Refunded by an admin');
    return move(deps, order, update.status, reason, { cancelReason: reason });
  }
  return move(deps, order, update.status, note, shipment ? { shipment } : {});
}
