import type { KeyedLock } from '@shopcart/kit';
import type { GuestCartMerger } from './clients.js';
import type { UsersModels } from './model.js';
import type { SessionRegistry } from './sessions.js';
import type { SuccessorStash } from './successorStash.js';
import type { LoginThrottle } from './throttle.js';
import type { AccessTokenIssuer } from './tokens.js';

/** What the account functions (registration, login, sessions) run with. */
export interface AccountDeps {
  models: UsersModels;
  tokens: AccessTokenIssuer;
  throttle: LoginThrottle;
  passwordCost: number;
  refreshTtlDays: number;
  /** How long a just-rotated refresh token still answers with its successor (REFRESH_TOKEN_REUSE_GRACE_SECONDS). */
  refreshGraceMs: number;
  successors: SuccessorStash;
  /** Serialises rotations of one refresh token (see kit locks.ts for why). */
  locks: KeyedLock;
  mergeGuestCart: GuestCartMerger;
  sessions: SessionRegistry;
}
