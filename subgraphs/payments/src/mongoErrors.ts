/** A write refused by a unique index: someone else wrote that key first. */
export function isDuplicateKey(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if ((err as { code?: unknown }).code === 11000) return true;
  // FerretDB v1 reports some unique-index violations as a generic error
  // carrying SQLite's message, without code 11000.
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && message.includes('UNIQUE constraint failed');
}
