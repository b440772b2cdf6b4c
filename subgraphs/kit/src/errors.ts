import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The GraphQL error codes of the public contract. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'INTERNAL_SERVER_ERROR'
  | 'SERVICE_UNAVAILABLE';

const httpStatus: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

export function graphqlError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

/** A failure that should end the whole HTTP request with a status (e.g. 401). */
export function requestError(code: ErrorCode, message: string): GraphQLError {
  const status = httpStatus[code] ?? 400;
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

export const unauthenticated = (message = 'Authentication required') => graphqlError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Not allowed') => graphqlError('FORBIDDEN', message);
export const badUserInput = (message: string, field?: string[]) =>
  graphqlError('BAD_USER_INPUT', message, field ? { field } : {});

/**
 * The status a subgraph's error asks the router to answer with. A subgraph
 * cannot answer the router with it: the router takes a non-2xx answer for a
 * failed call and serves SERVICE_UNAVAILABLE instead. So it travels in the
 * error as `extensions.http`, which the gateway copies from a subgraph's error
 * and the router's Apollo Server makes the response's status (and removes from
 * what the client sees). Headers cannot travel so: Apollo wants a Map there.
 * Only RATE_LIMITED, which refuses the operation whole as the router's own
 * limits do; a FORBIDDEN field stays an error in an otherwise good answer.
 */
export function withRouterStatus(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.extensions?.code !== 'RATE_LIMITED') return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, http: { status: httpStatus.RATE_LIMITED } } };
}

/** Business failures travel as data (payload.userErrors), never as GraphQL errors. */
export interface UserError {
  code: string;
  message: string;
  field?: string[] | null;
}

export function userError(code: string, message: string, field?: string[]): UserError {
  return { code, message, field: field ?? null };
}

/** Thrown by domain functions for a business rule; resolvers turn it into userErrors. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
  toUserError(): UserError {
    return userError(this.code, this.message, this.field);
  }
}

const publicCodes = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'RATE_LIMITED',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_HASH_MISMATCH',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'SERVICE_UNAVAILABLE',
]);

/** Extension keys a client may see; everything else (stacks, URLs, bodies) is dropped. */
const publicExtensionKeys = new Set(['code', 'field', 'retryAfter']);

/**
 * Masks an error for a client: known codes (the contract's, and a subgraph's
 * own `extraCodes` for its internal API) keep their message and public
 * extensions, anything else becomes a bare INTERNAL_SERVER_ERROR. Never a
 * stack trace, a hostname or another service's response.
 */
export function maskError(formatted: GraphQLFormattedError, extraCodes: ReadonlySet<string> = new Set()): GraphQLFormattedError {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : 'INTERNAL_SERVER_ERROR';
  if (!publicCodes.has(code) && !extraCodes.has(code)) {
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  const extensions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(formatted.extensions ?? {})) {
    if (publicExtensionKeys.has(key)) extensions[key] = value;
  }
  const out: GraphQLFormattedError = { message: formatted.message, extensions };
  if (formatted.locations) (out as { locations?: unknown }).locations = formatted.locations;
  if (formatted.path) (out as { path?: unknown }).path = formatted.path;
  return out;
}
