import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Metrics } from './metrics.js';
import type { Logger } from './logger.js';

/** Counts and times operations by name, type and outcome; logs failures once. */
export function operationMetricsPlugin<T extends BaseContext & { logger?: Logger }>(metrics: Metrics): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, operation, errors, contextValue }) {
          // Apollo sets operationName only once the document parsed, validated and named one operation.
          const name = operationName ? metrics.operationLabel(operationName) : 'anonymous';
          const type = operation?.operation ?? 'unknown';
          const outcome = errors && errors.length > 0 ? 'error' : 'ok';
          metrics.operations.inc({ operation: name, type, outcome });
          metrics.operationDuration.observe({ operation: name, type }, Number(process.hrtime.bigint() - started) / 1e9);
          if (errors?.length) {
            const unexpected = errors.filter((e) => !e.extensions?.code || e.extensions.code === 'INTERNAL_SERVER_ERROR');
            for (const err of unexpected) contextValue.logger?.error({ err: err.originalError ?? err, path: err.path }, 'operation failed');
          }
        },
      };
    },
  };
}
