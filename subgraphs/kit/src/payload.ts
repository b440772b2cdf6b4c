import { DomainError, type UserError } from './errors.js';

/**
 * Runs a domain call for a mutation payload: its result under `key`, or
 * null and the business failure as a userError. Anything else is a real
 * error and propagates.
 */
export async function payload<K extends string, T>(key: K, run: () => Promise<T>): Promise<{ [P in K]: T | null } & { userErrors: UserError[] }> {
  try {
    return { [key]: await run(), userErrors: [] } as { [P in K]: T } & { userErrors: UserError[] };
  } catch (err) {
    if (err instanceof DomainError) return { [key]: null, userErrors: [err.toUserError()] } as { [P in K]: null } & { userErrors: UserError[] };
    throw err;
  }
}
