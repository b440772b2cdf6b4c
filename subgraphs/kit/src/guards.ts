import { forbidden, unauthenticated } from './errors.js';
import type { Viewer } from './identity.js';

/** Subgraphs re-check what the router enforced: identity can arrive by other paths (services). */
export function requireUser(viewer: Viewer): asserts viewer is Viewer & { userId: string } {
  if (!viewer.userId) throw unauthenticated();
}

/** Anonymous callers must sign in; anyone else who is not an admin (customers, services) is refused. */
export function requireAdmin(viewer: Viewer): void {
  if (viewer.role === 'ANONYMOUS') throw unauthenticated();
  if (viewer.role !== 'ADMIN') throw forbidden('Admins only');
}

/** Internal operations (a checkout's reservation, a login's cart merge) serve only services calling with their own signed identity. */
export function requireService(viewer: Viewer): void {
  if (viewer.role !== 'SERVICE') throw forbidden('Internal operation: services only');
}
