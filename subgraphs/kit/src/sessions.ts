/*
 * Where users tells the router that access tokens it issued no longer hold,
 * before they expire: shared Redis keys (users writes, the router reads on
 * every signed-in request). Access tokens carry `sid` (the sign-in's refresh
 * token family) and `sv` (the account's session version when issued).
 *   - sign-out or a leaked refresh token ends one sign-in: its sid is marked;
 *   - a role change raises the account's version: every older token is stale.
 * Each key outlives the longest-lived access token issued before it was
 * written and then goes, since no such token is valid any more anyway.
 */

export const sessionEndedKey = (sessionId: string): string => `session:ended:${sessionId}`;
export const sessionVersionKey = (userId: string): string => `session:version:${userId}`;
