import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError, type ValidationRule } from 'graphql';

/*
 * Client mistakes the gateway or Apollo Server answered as server errors
 * (500, or a 400 with INTERNAL_SERVER_ERROR), each answered here as a 400
 * with the code Apollo uses for it.
 */

/**
 * Subscriptions need a transport this router does not offer (WebSocket or
 * SSE), and the supergraph has no Subscription type; the gateway failed on
 * them with a 500. Refused at validation, so before any limit, authorization
 * or subgraph work, as graphql-js 17 does for an operation type the schema
 * lacks.
 */
export const noSubscriptionsRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation === 'subscription') {
      context.reportError(new GraphQLError('Subscriptions are not supported: this endpoint serves queries and mutations over HTTP', { nodes: [node] }));
    }
  },
});

/**
 * A document with several operations and no operationName, or without the
 * operation operationName names, resolves to no operation. Apollo Server
 * answers that itself (400 OPERATION_RESOLUTION_FAILURE) only when it executes
 * a schema; with a gateway it passed the document on, and the gateway's
 * INVALID_GRAPHQL error left the mask as a 500.
 */
export function operationResolutionPlugin<T extends BaseContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation) return;
          // The name is not echoed back: it is whatever the client sent.
          const message = request.operationName
            ? 'The document has no operation with the given operationName'
            : 'The document has several operations: say which to run with operationName';
          throw new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
        },
      };
    },
  };
}

/** Apollo Server's message for a persisted query whose sha256Hash is not the hash of its text. */
const APOLLO_HASH_MISMATCH = 'provided sha does not match query';

/**
 * Apollo Server refuses that hash mismatch with a 400 but no code, which the
 * mask turned into INTERNAL_SERVER_ERROR. It gets the code Apollo's own
 * router gives it.
 */
export function namePersistedQueryMismatch(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.message !== APOLLO_HASH_MISMATCH || formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') return formatted;
  return { message: 'The persisted query hash does not match the query text', extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH' } };
}
