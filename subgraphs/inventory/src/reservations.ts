import { badUserInput, graphqlError, isDuplicateKey, retryOnConflict } from '@shopcart/kit';
import type { StockDeps } from './deps.js';
import type { InventoryModels, ReservationLine, ReservationRecord, ReservationStatus } from './model.js';
import { commitLine, forgetRestock, holdLine, isValidSku, releaseLine, restockLine } from './stock.js';

export const MAX_LINES = 100;
export const MAX_LINE_QUANTITY = 1_000;
export const MAX_TTL_SECONDS = 3_600;
/** A reservation still PENDING this long was abandoned mid-reserve (a crash); the sweep gives its units back. */
export const ABANDONED_AFTER_MS = 60_000;
/** How long a finished reservation keeps answering retries of its id; then the sweep deletes it. */
export const RESERVATION_RETENTION_MS = 7 * 86_400_000;
const SWEEP_BATCH = 200;
const RESERVATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TERMINAL: ReservationStatus[] = ['COMMITTED', 'RELEASED', 'REJECTED', 'RESTOCKED'];

/*
 * Life of a reservation, without transactions (FerretDB v1):
 *
 *   PENDING --every line held--> HELD --commit--> COMMITTED --restock--> RESTOCKED
 *      |                           |--release / expiry--> RELEASED
 *      |--a line short--> REJECTED
 *      |--release / abandoned--> RELEASED
 *
 * Each arrow is one conditional update on the reservation document, so of a
 * concurrent commit, release, expiry or retry exactly one wins (MongoDB makes
 * the update atomic; on FerretDB, one process queues them, locks.ts). The stock
 * documents follow: status first, then the holds (released, or pulled when
 * sold), with `holdsSettled` recording that the holds caught up. A crash in
 * between leaves holdsSettled false, and the sweep finishes the job.
 *
 * While a reservation is PENDING, nothing removes its holds. That is why a
 * rejection is recorded before the held lines go back: an attempt that has
 * seen every line held can then trust they are still held when it wins the
 * PENDING -> HELD update. (Attempts race only across replicas: within one
 * process, operations on one reservation run one at a time.)
 */

export interface ReserveInput {
  reservationId: string;
  lines: readonly ReservationLine[];
  ttlSeconds: number;
}

function checkReservationId(id: string): void {
  if (!RESERVATION_ID.test(id)) throw badUserInput('reservationId must be 1 to 128 letters, digits, ".", "_", ":" or "-"', ['reservationId']);
}

export function validateReserveInput(input: ReserveInput): ReservationLine[] {
  checkReservationId(input.reservationId);
  if (input.lines.length < 1 || input.lines.length > MAX_LINES) throw badUserInput(`A reservation has 1 to ${MAX_LINES} lines`, ['lines']);
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 1 || input.ttlSeconds > MAX_TTL_SECONDS) {
    throw badUserInput(`ttlSeconds must be from 1 to ${MAX_TTL_SECONDS}`, ['ttlSeconds']);
  }
  const seen = new Set<string>();
  return input.lines.map(({ sku, quantity }, index) => {
    const at = (field: string) => ['lines', String(index), field];
    if (!isValidSku(sku)) throw badUserInput('sku must be 1 to 64 letters, digits, ".", "_" or "-"', at('sku'));
    if (seen.has(sku)) throw badUserInput(`SKU ${sku} is listed twice; merge the lines`, at('sku'));
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
      throw badUserInput(`quantity must be from 1 to ${MAX_LINE_QUANTITY}`, at('quantity'));
    }
    seen.add(sku);
    return { sku, quantity };
  });
}

const sameLines = (a: readonly ReservationLine[], b: readonly ReservationLine[]) => {
  const key = (lines: readonly ReservationLine[]) => JSON.stringify([...lines].map((l) => [l.sku, l.quantity]).sort());
  return key(a) === key(b);
};

async function findReservation(models: InventoryModels, id: string): Promise<ReservationRecord | null> {
  return models.Reservation.findById(id).lean<ReservationRecord>();
}

/** The one way a status changes: conditional on where it stands now. */
async function transition(models: InventoryModels, filter: Record<string, unknown>, set: Record<string, unknown>): Promise<ReservationRecord | null> {
  return retryOnConflict(() => models.Reservation.findOneAndUpdate(filter, { $set: set }, { new: true }).lean<ReservationRecord>());
}

const exclusively = <T>(deps: StockDeps, reservationId: string, task: () => Promise<T>) => deps.locks.run(`reservation:${reservationId}`, task);

/**
 * Brings the stock documents in line with a final status: sold lines lose
 * their hold marker, released and rejected ones get their units back. Every
 * line operation is conditional on the hold, so running this twice (a retry,
 * the sweep) changes nothing the second time.
 */
async function settleHolds(deps: StockDeps, reservation: ReservationRecord, options: { force?: boolean } = {}): Promise<ReservationRecord> {
  if (reservation.holdsSettled && !options.force) return reservation;
  const id = reservation._id;
  if (reservation.status === 'COMMITTED') {
    await Promise.all(reservation.lines.map((line) => commitLine(deps, id, line.sku)));
  } else if (reservation.status === 'RELEASED' || reservation.status === 'REJECTED') {
    const released = await Promise.all(reservation.lines.map((line) => releaseLine(deps, id, line)));
    if (released.some(Boolean)) deps.stockChanged();
  } else if (reservation.status === 'RESTOCKED') {
    const restocked = await Promise.all(reservation.lines.map((line) => restockLine(deps, id, line)));
    if (restocked.some(Boolean)) deps.stockChanged();
  } else {
    return reservation;
  }
  await retryOnConflict(() => deps.models.Reservation.updateOne({ _id: id, status: reservation.status }, { $set: { holdsSettled: true } }));
  // A crash before this only leaves markers behind; the settled status already stops every retry.
  if (reservation.status === 'RESTOCKED') await Promise.all(reservation.lines.map((line) => forgetRestock(deps, id, line.sku)));
  return reservation;
}

/**
 * Holds every line or none. Idempotent per reservationId: a retry returns the
 * stored outcome, or resumes a reservation left PENDING (the line operations
 * cannot take units twice for one id).
 */
export async function reserveStock(deps: StockDeps, input: ReserveInput): Promise<ReservationRecord> {
  const lines = validateReserveInput(input);
  return exclusively(deps, input.reservationId, async () => {
    let reservation: ReservationRecord;
    try {
      const created = await deps.models.Reservation.create({ _id: input.reservationId, lines, status: 'PENDING', ttlSeconds: input.ttlSeconds });
      reservation = created.toObject() as ReservationRecord;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const stored = await findReservation(deps.models, input.reservationId);
      if (!stored) throw err;
      // An id names one request; reusing it for other lines is a caller bug, not a retry.
      // (A release that came first left a record without lines: it answers RELEASED.)
      if (stored.lines.length > 0 && !sameLines(stored.lines, lines)) throw badUserInput('This reservationId was already used for other lines', ['reservationId']);
      if (stored.status !== 'PENDING') return stored;
      reservation = stored;
    }
    return holdAll(deps, reservation);
  });
}

async function holdAll(deps: StockDeps, reservation: ReservationRecord): Promise<ReservationRecord> {
  const { models } = deps;
  const id = reservation._id;
  const outcomes = await Promise.all(reservation.lines.map((line) => holdLine(deps, id, line)));
  deps.stockChanged();
  const shortSkus = reservation.lines.filter((_, i) => outcomes[i] === 'short').map((line) => line.sku);
  const decided =
    shortSkus.length === 0
      ? await transition(models, { _id: id, status: 'PENDING' }, { status: 'HELD', expiresAt: new Date(Date.now() + reservation.ttlSeconds * 1000) })
      : await transition(models, { _id: id, status: 'PENDING' }, { status: 'REJECTED', shortSkus });
  if (decided) return settleHolds(deps, decided);
  // Another attempt, a release or the sweep decided first and its outcome stands.
  // If that outcome gives the units back, so must whatever this attempt took,
  // even after the holds were settled once: this attempt may have come later.
  const current = await findReservation(models, id);
  if (!current) throw new Error(`reservation ${id} vanished`);
  return settleHolds(deps, current, { force: true });
}

/** The held units are sold. After expiry the answer is RELEASED: the caller must not sell. */
export async function commitReservation(deps: StockDeps, reservationId: string): Promise<ReservationRecord> {
  checkReservationId(reservationId);
  return exclusively(deps, reservationId, async () => {
    for (;;) {
      const now = new Date();
      const committed = await transition(deps.models, { _id: reservationId, status: 'HELD', expiresAt: { $gt: now } }, { status: 'COMMITTED' });
      if (committed) return settleHolds(deps, committed);
      const current = await findReservation(deps.models, reservationId);
      if (!current) throw graphqlError('NOT_FOUND', 'No such reservation');
      if (current.status === 'PENDING') throw graphqlError('BAD_USER_INPUT', 'The reservation is not held yet; retry reserveStock first', { field: ['reservationId'] });
      if (current.status !== 'HELD') return settleHolds(deps, current);
      if (!current.expiresAt || current.expiresAt <= now) return expire(deps, current);
      // Became HELD after the first try (another replica's attempt): try again.
    }
  });
}

/**
 * The held units return. Releasing a COMMITTED reservation changes nothing;
 * a PENDING one (the caller gave up waiting for reserveStock) is released and
 * the attempt still running sees it. An unknown id leaves a RELEASED record,
 * so a reserveStock that arrives late cannot hold units nobody will release.
 */
export async function releaseReservation(deps: StockDeps, reservationId: string): Promise<ReservationRecord> {
  checkReservationId(reservationId);
  return exclusively(deps, reservationId, async () => {
    for (;;) {
      const released = await transition(deps.models, { _id: reservationId, status: { $in: ['HELD', 'PENDING'] } }, { status: 'RELEASED' });
      if (released) return settleHolds(deps, released);
      const current = await findReservation(deps.models, reservationId);
      if (current) return settleHolds(deps, current);
      try {
        const tombstone = await deps.models.Reservation.create({ _id: reservationId, lines: [], status: 'RELEASED', ttlSeconds: 0, holdsSettled: true });
        return tombstone.toObject() as ReservationRecord;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // A reserveStock on another replica created it just now: release that instead.
      }
    }
  });
}

/**
 * Every unit the reservation took goes back on sale, whatever became of it
 * (an order cancelled after checkout): a sold (COMMITTED) reservation becomes
 * RESTOCKED; a HELD or PENDING one is released; one given back already stays
 * as it is; an unknown id leaves a RELEASED record, as releaseReservation
 * does. Idempotent.
 */
export async function restockReservation(deps: StockDeps, reservationId: string): Promise<ReservationRecord> {
  checkReservationId(reservationId);
  for (;;) {
    const restocked = await exclusively(deps, reservationId, async () => {
      const moved = await transition(deps.models, { _id: reservationId, status: 'COMMITTED' }, { status: 'RESTOCKED', holdsSettled: false });
      if (moved) return settleHolds(deps, moved);
      const current = await findReservation(deps.models, reservationId);
      return current?.status === 'RESTOCKED' ? settleHolds(deps, current) : null;
    });
    if (restocked) return restocked;
    const released = await releaseReservation(deps, reservationId);
    // Committed between the two steps (another replica): restock it after all.
    if (released.status !== 'COMMITTED') return released;
  }
}

/** HELD past its expiry -> RELEASED. Callers hold the reservation's lock. */
async function expire(deps: StockDeps, reservation: ReservationRecord): Promise<ReservationRecord> {
  const expired = await transition(deps.models, { _id: reservation._id, status: 'HELD', expiresAt: { $lte: new Date() } }, { status: 'RELEASED' });
  const current = expired ?? (await findReservation(deps.models, reservation._id));
  return current ? settleHolds(deps, current) : reservation;
}

export interface SweepResult {
  expired: number;
  abandoned: number;
  settled: number;
  purged: number;
}

/**
 * FerretDB v1 has no TTL indexes, so the service gives back what nobody will:
 * holds past their expiry, reservations a crash left PENDING, and final
 * statuses whose holds a crash left behind; and it forgets finished
 * reservations after a week. Safe to run on every replica at once: every
 * step is conditional.
 */
export async function sweepReservations(deps: StockDeps, now = new Date()): Promise<SweepResult> {
  const { Reservation } = deps.models;
  // Each listed reservation is read again under its lock: it may have moved on since the list was made.
  const each = (list: ReservationRecord[], step: (current: ReservationRecord) => Promise<unknown>) =>
    Promise.all(
      list.map((listed) =>
        exclusively(deps, listed._id, async () => {
          const current = await findReservation(deps.models, listed._id);
          if (current) await step(current);
        }),
      ),
    );

  const expired = await Reservation.find({ status: 'HELD', expiresAt: { $lte: now } }).limit(SWEEP_BATCH).lean<ReservationRecord[]>();
  await each(expired, (current) => expire(deps, current));

  const abandonedBefore = new Date(now.getTime() - ABANDONED_AFTER_MS);
  const abandoned = await Reservation.find({ status: 'PENDING', createdAt: { $lt: abandonedBefore } }).limit(SWEEP_BATCH).lean<ReservationRecord[]>();
  await each(abandoned, async (current) => {
    const released = await transition(deps.models, { _id: current._id, status: 'PENDING', createdAt: { $lt: abandonedBefore } }, { status: 'RELEASED' });
    if (released) await settleHolds(deps, released);
  });

  const unsettled = await Reservation.find({ status: { $in: TERMINAL }, holdsSettled: false }).limit(SWEEP_BATCH).lean<ReservationRecord[]>();
  await each(unsettled, (current) => settleHolds(deps, current));

  const purgeBefore = new Date(now.getTime() - RESERVATION_RETENTION_MS);
  const purged = await Reservation.deleteMany({ status: { $in: TERMINAL }, holdsSettled: true, updatedAt: { $lt: purgeBefore } });
  return { expired: expired.length, abandoned: abandoned.length, settled: unsettled.length, purged: purged.deletedCount };
}
