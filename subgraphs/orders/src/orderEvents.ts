import { formatMinorUnits } from '@shopcart/kit';
import type { OrderRecord, OrderStatus } from './model.js';

/**
 * The bodies of the events on the order-events stream (see events.ts for
 * the stream itself). Amounts are decimal strings, as in the API.
 */
export type OrderEventType = 'OrderPlaced' | 'OrderStatusChanged';

export interface OrderPlacedData {
  orderId: string;
  number: string;
  customerId: string;
  currencyCode: string;
  subtotal: string;
  shippingTotal: string;
  total: string;
  placedAt: string;
  lines: Array<{ variantId: string; sku: string; title: string; quantity: number; unitPrice: string; lineTotal: string }>;
}

export interface OrderStatusChangedData {
  orderId: string;
  number: string;
  customerId: string;
  from: OrderStatus;
  to: OrderStatus;
  at: string;
  note: string | null;
  lines: Array<{ variantId: string; sku: string; quantity: number }>;
}

export function orderPlaced(order: OrderRecord): { type: OrderEventType; data: OrderPlacedData } {
  return {
    type: 'OrderPlaced',
    data: {
      orderId: String(order._id),
      number: order.number,
      customerId: order.customerId,
      currencyCode: order.currencyCode,
      subtotal: formatMinorUnits(order.subtotal),
      shippingTotal: formatMinorUnits(order.shippingTotal),
      total: formatMinorUnits(order.total),
      placedAt: order.placedAt.toISOString(),
      lines: order.lines.map((line) => ({
        variantId: line.variantId,
        sku: line.sku,
        title: line.title,
        quantity: line.quantity,
        unitPrice: formatMinorUnits(line.unitPrice),
        lineTotal: formatMinorUnits(line.lineTotal),
      })),
    },
  };
}

export function orderStatusChanged(order: OrderRecord, to: OrderStatus, at: Date, note: string | null): { type: OrderEventType; data: OrderStatusChangedData } {
  return {
    type: 'OrderStatusChanged',
    data: {
      orderId: String(order._id),
      number: order.number,
      customerId: order.customerId,
      from: order.status,
      to,
      at: at.toISOString(),
      note,
      lines: order.lines.map((line) => ({ variantId: line.variantId, sku: line.sku, quantity: line.quantity })),
    },
  };
}
