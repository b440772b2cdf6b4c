import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Resolver types generated from a subgraph's SDL keep its resolvers honest
 * about the schema. Every subgraph uses this one configuration with its own
 * context type and model mappers (paths relative to src/__generated__/).
 */
export function subgraphCodegen(options: { context: string; mappers?: Record<string, string> }): CodegenConfig {
  return {
    schema: 'src/schema.graphql',
    generates: {
      'src/__generated__/resolvers-types.ts': {
        plugins: ['typescript', 'typescript-resolvers'],
        config: {
          federation: true,
          useIndexSignature: true,
          useTypeImports: true,
          enumsAsTypes: true,
          contextType: options.context,
          mappers: options.mappers ?? {},
          scalars: { DateTime: 'Date | string' },
        },
      },
    },
  };
}
