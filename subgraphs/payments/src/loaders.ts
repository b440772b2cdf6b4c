import DataLoader from 'dataloader';
import type { PaymentModels, PaymentRecord } from './model.js';
import { latestSettledPayments } from './records.js';

/** Fresh per request: nothing cached here outlives the request or crosses users. */
export function createLoaders(models: PaymentModels) {
  return {
    // Every order of one query-plan fetch in one find.
    paymentByOrderId: new DataLoader<string, PaymentRecord | null>(async (orderIds) => {
      const latest = await latestSettledPayments(models, orderIds);
      return orderIds.map((orderId) => latest.get(orderId) ?? null);
    }),
  };
}

export type PaymentLoaders = ReturnType<typeof createLoaders>;
