import { randomUUID } from 'node:crypto';
import { badUserInput, cleanText, DomainError, isDuplicateKey, type Viewer } from '@shopcart/kit';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { AccountDeps } from './deps.js';
import type { UserDoc, UsersModels } from './model.js';
import { burnPasswordCheck, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { createRefreshToken, revokeRefreshFamily, rotateRefreshToken } from './tokens.js';

export interface Session {
  user: UserDoc;
  accessToken: string;
  refreshToken: string;
}

const emailSchema = z.email().max(254);

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const accessTokenFor = (deps: AccountDeps, user: UserDoc, sessionId: string) =>
  deps.tokens.issue({ id: user.id as string, role: user.role, sessionId, sessionVersion: user.sessionVersion ?? 0 });

async function startSession(deps: AccountDeps, user: UserDoc): Promise<Session> {
  const sessionId = randomUUID();
  const [accessToken, refreshToken] = await Promise.all([accessTokenFor(deps, user, sessionId), createRefreshToken(deps.models, user._id, deps.refreshTtlDays, sessionId)]);
  return { user, accessToken, refreshToken };
}

export async function register(deps: AccountDeps, input: { email: string; password: string; name: string }): Promise<Session> {
  const email = normalizeEmail(input.email);
  if (!emailSchema.safeParse(email).success) throw new DomainError('INVALID_EMAIL', 'Enter a valid email address', ['input', 'email']);
  const name = cleanText(input.name, ['input', 'name'], { label: 'Name', min: 1, max: 100, code: 'INVALID_NAME' });
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
  const policy = { ttlDays: deps.refreshTtlDays, graceMs: deps.refreshGraceMs, successors: deps.successors };
  const rotated = await deps.locks.run(`refresh:${token}`, () => rotateRefreshToken(deps.models, token, policy));
  // A refresh token used twice leaked: the access tokens of its sign-in end with it.
  if (!rotated.ok && rotated.familyId) await deps.sessions.end(rotated.familyId);
  if (!rotated.ok) throw new DomainError('INVALID_REFRESH_TOKEN', 'The refresh token is invalid, expired or already used', ['refreshToken']);
  const user = await deps.models.User.findById(rotated.userId);
  if (!user) throw new DomainError('INVALID_REFRESH_TOKEN', 'The refresh token is invalid, expired or already used', ['refreshToken']);
  const accessToken = await accessTokenFor(deps, user, rotated.familyId);
  return { user, accessToken, refreshToken: rotated.token };
}

/** Ends the sign-in: its refresh tokens, and at once its access tokens too (the router checks). */
export async function logout(deps: AccountDeps, token: string): Promise<void> {
  const sessionId = await revokeRefreshFamily(deps.models, token);
  if (sessionId) await deps.sessions.end(sessionId);
}

/**
 * A role change takes effect on the account's next request: its session
 * version rises, and the router refuses access tokens issued before (the
 * client refreshes and gets one with the new role).
 */
export async function setUserRole(deps: Pick<AccountDeps, 'models' | 'sessions'>, viewer: Viewer, userId: string, role: 'CUSTOMER' | 'ADMIN'): Promise<UserDoc> {
  if (!Types.ObjectId.isValid(userId)) throw new DomainError('NOT_FOUND', 'No such user', ['userId']);
  if (viewer.userId === userId) throw new DomainError('FORBIDDEN', 'You cannot change your own role', ['userId']);
  const user = await deps.models.User.findByIdAndUpdate(userId, { $set: { role }, $inc: { sessionVersion: 1 } }, { new: true });
  if (!user) throw new DomainError('NOT_FOUND', 'No such user', ['userId']);
  await deps.sessions.raiseVersion(userId, user.sessionVersion ?? 0);
  return user;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A prefix this long already singles out an account; FerretDB runs the expression over every
// account (below), so 100 KB of query held the store at 190% CPU for two minutes.
export const MAX_USER_QUERY_LENGTH = 100;

export async function listUsers(models: UsersModels, args: { query?: string | null; first: number; afterId: string | null }) {
  if (args.query && args.query.length > MAX_USER_QUERY_LENGTH) throw badUserInput(`query must be at most ${MAX_USER_QUERY_LENGTH} characters`, ['query']);
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
