import { revisioned } from '@shopcart/kit';
import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

// One document per SKU, so every stock change is a single-document atomic
// update: FerretDB v1 has no multi-document transactions.
const stockSchema = new Schema(
  {
    sku: { type: String, required: true, unique: true },
    /** Sellable now: stock minus every active hold. Never below zero (guarded by the update filters). */
    available: { type: Number, required: true, min: 0, default: 0 },
    /**
     * Reservation ids holding units of this SKU. The id in the array is what
     * makes hold, release and commit idempotent: each is conditional on its
     * presence or absence in the same update that moves `available`.
     */
    holdIds: { type: [String], default: [] },
    /**
     * Reservations whose units were put back on sale (restockReservation),
     * kept only while the restock settles, so a retry cannot add them twice.
     */
    restockIds: { type: [String], default: [] },
    /** +1 on every change of `available`; consumers of the stream order by it. */
    version: { type: Number, required: true, default: 0 },
    /** The last version put on the stock-levels stream. */
    publishedVersion: { type: Number, required: true, default: 0 },
    /**
     * True while version > publishedVersion. Redundant on purpose: FerretDB v1
     * cannot compare two fields in a query ($expr), and the publisher must find
     * its backlog with an index instead of scanning every SKU.
     */
    needsPublish: { type: Boolean, required: true, default: false, index: true },
  },
  { collection: 'stock', versionKey: false },
);

// Replicas write the same documents: each write raises _rev, so the embedded store can refuse a stale one.
stockSchema.plugin(revisioned);

const reservationLineSchema = new Schema({ sku: { type: String, required: true }, quantity: { type: Number, required: true } }, { _id: false });

const reservationSchema = new Schema(
  {
    /** The caller's reservationId: a retry with the same id finds this document. */
    _id: { type: String, required: true },
    lines: { type: [reservationLineSchema], default: [] },
    /** PENDING is internal (lines being held); callers only ever see the others. */
    status: { type: String, enum: ['PENDING', 'HELD', 'COMMITTED', 'RELEASED', 'REJECTED', 'RESTOCKED'], required: true },
    shortSkus: { type: [String], default: [] },
    ttlSeconds: { type: Number, required: true },
    expiresAt: { type: Date, default: null },
    /** The stock documents have caught up with a final status (holds released or pulled). */
    holdsSettled: { type: Boolean, required: true, default: false },
  },
  { timestamps: true, collection: 'reservations', versionKey: false },
);
// The sweep's queries: expired holds, reservations abandoned mid-reserve,
// final statuses with holds left over, finished reservations past retention.
reservationSchema.index({ status: 1, expiresAt: 1 });
reservationSchema.index({ status: 1, createdAt: 1 });
reservationSchema.index({ holdsSettled: 1, status: 1 });
reservationSchema.index({ status: 1, updatedAt: 1 });
reservationSchema.plugin(revisioned);

export type Stock = InferSchemaType<typeof stockSchema>;
export type Reservation = InferSchemaType<typeof reservationSchema>;
export type ReservationStatus = Reservation['status'];
export type ReservationLine = { sku: string; quantity: number };
/** A reservation as read with lean(): what resolvers and domain functions pass around. */
export type ReservationRecord = Omit<Reservation, 'lines'> & { _id: string; lines: ReservationLine[] };

export interface InventoryModels {
  Stock: Model<Stock>;
  Reservation: Model<Reservation>;
}

export function createModels(connection: Connection): InventoryModels {
  return {
    Stock: connection.model('Stock', stockSchema),
    Reservation: connection.model('Reservation', reservationSchema),
  };
}
