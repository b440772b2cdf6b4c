import { DomainError, isDuplicateKey, type KeyedLock, type Viewer } from '@shopcart/kit';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { GuestCartMerger } from './cartMerge.js';
import type { UserDoc, UsersModels } from './model.js';
import { burnPasswordCheck, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import type { LoginThrottle } from './throttle.js';
import { createRefreshToken, revokeRefreshFamily, rotateRefreshToken, type AccessTokenIssuer } from './tokens.js';

export interface AccountDeps {
  models: UsersModels;
  tokens: AccessTokenIssuer;
  throttle: LoginThrottle;
  passwordCost: number;
  refreshTtlDays: number;
  /** Serialises rotations of one refresh token (see kit locks.ts for why). */
  locks: KeyedLock;
  mergeGuestCart: GuestCartMerger;
}

export interface Session {
  user: UserDoc;
  accessToken: string;
  refreshToken: string;
}

const emailSchema = z.email().max(254);

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

async function startSession(deps: AccountDeps, user: UserDoc): Promise<Session> {
  const [accessToken, refreshToken] = await Promise.all([
    deps.tokens.issue({ id: user.id as string, role: user.role }),
    createRefreshToken(deps.models, user._id, deps.refreshTtlDays),
  ]);
  return { user, accessToken, refreshToken };
}

export async function register(deps: AccountDeps, input: { email: string; password: string; name: string }): Promise<Session> {
  const email = normalizeEmail(input.email);
  if (!emailSchema.safeParse(email).success) throw new DomainError('INVALID_EMAIL', 'Enter a valid email address', ['input', 'email']);
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) throw new DomainError('INVALID_NAME', 'Name must be 1 to 100 characters', ['input', 'name']);
  const weak = passwordProblem(input.password);
  if (weak) throw new DomainError('WEAK_PASSWORD', weak, ['input', 'password']);
  const passwordHash = await hashPassword(input.password, deps.passwordCost);
  let user: UserDoc;
  try {
    user = await deps.models.User.create({ email, emailLower: email, name, role: 'CUSTOMER', passwordHash });
  } catch (err) {
    if (isDuplicateKey(err)) throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists', ['input', 'email']);
    throw err;
  }
  return startSession(deps, user);
}

export async function login(deps: AccountDeps, input: { email: string; password: string; guestCartId?: string | null }, viewer: Viewer): Promise<Session> {
  const email = normalizeEmail(input.email);
  // Counts this attempt as a failure until it succeeds (RATE_LIMITED past the limit).
  await deps.throttle.reserveAttempt(email, viewer.clientIp);
  const user = await deps.models.User.findOne({ emailLower: email });
  const valid = user ? await verifyPassword(input.password, user.passwordHash) : (await burnPasswordCheck(input.password, deps.passwordCost), false);
  if (!user || !valid) {
    // One message for unknown email and wrong password: no account probing.
    throw new DomainError('INVALID_CREDENTIALS', 'Email or password is incorrect');
  }
  await deps.throttle.recordSuccess(email, viewer.clientIp);
  if (input.guestCartId) await deps.mergeGuestCart(input.guestCartId, String(user._id));
  return startSession(deps, user);
}

export async function refresh(deps: AccountDeps, token: string): Promise<Session> {
  const rotated = await deps.locks.run(`refresh:${token}`, () => rotateRefreshToken(deps.models, token, deps.refreshTtlDays));
  if (!rotated.ok) throw new DomainError('INVALID_REFRESH_TOKEN', 'The refresh token is invalid, expired or already used', ['refreshToken']);
  const user = await deps.models.User.findById(rotated.userId);
  if (!user) throw new DomainError('INVALID_REFRESH_TOKEN', 'The refresh token is invalid, expired or already used', ['refreshToken']);
  const accessToken = await deps.tokens.issue({ id: user.id as string, role: user.role });
  return { user, accessToken, refreshToken: rotated.token };
}

export async function logout(deps: AccountDeps, token: string): Promise<void> {
  await revokeRefreshFamily(deps.models, token);
}

export async function setUserRole(models: UsersModels, viewer: Viewer, userId: string, role: 'CUSTOMER' | 'ADMIN'): Promise<UserDoc> {
  if (!Types.ObjectId.isValid(userId)) throw new DomainError('NOT_FOUND', 'No such user', ['userId']);
  if (viewer.userId === userId) throw new DomainError('FORBIDDEN', 'You cannot change your own role', ['userId']);
  const user = await models.User.findByIdAndUpdate(userId, { $set: { role } }, { new: true });
  if (!user) throw new DomainError('NOT_FOUND', 'No such user', ['userId']);
  return user;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function listUsers(models: UsersModels, args: { query?: string | null; first: number; afterId: string | null }) {
  const filter: Record<string, unknown> = {};
  const query = args.query?.trim();
  if (query) {
    const prefix = new RegExp(`^${escapeRegex(query.toLowerCase())}`);
    filter.$or = [{ emailLower: prefix }, { name: new RegExp(`^${escapeRegex(query)}`, 'i') }];
  }
  const page = args.afterId ? { ...filter, _id: { $gt: new Types.ObjectId(args.afterId) } } : filter;
  // Staff only. MongoDB answers an anchored prefix from the email index; FerretDB v1
  // pushes neither a regular expression nor $or down and reads every account.
  const options = { comment: 'scan: staff search of accounts, on FerretDB only (no regex pushdown)' };
  const [docs, totalCount] = await Promise.all([
    models.User.find(page, null, options).sort({ _id: 1 }).limit(args.first + 1),
    models.User.countDocuments(filter, options),
  ]);
  return { users: docs.slice(0, args.first), hasNextPage: docs.length > args.first, totalCount };
}

/**
 * Creates the configured admin once; later starts leave it alone so a changed
 * password is not reset by a restart.
 */
export async function ensureAdmin(models: UsersModels, email: string, password: string, cost: number): Promise<'created' | 'exists'> {
  const emailLower = normalizeEmail(email);
  const existing = await models.User.findOne({ emailLower });
  if (existing) return 'exists';
  try {
    await models.User.create({ email: emailLower, emailLower, name: 'Admin', role: 'ADMIN', passwordHash: await hashPassword(password, cost) });
    return 'created';
  } catch (err) {
    if (isDuplicateKey(err)) return 'exists';
    throw err;
  }
}
