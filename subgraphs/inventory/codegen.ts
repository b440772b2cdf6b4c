import type { CodegenConfig } from '@graphql-codegen/cli';

// Resolver types generated from the SDL keep resolvers honest about the schema.
const config: CodegenConfig = {
  schema: 'src/schema.graphql',
  generates: {
    'src/__generated__/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useIndexSignature: true,
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: '../context.js#InventoryContext',
        mappers: {
          ProductVariant: '../stock.js#VariantRef',
          Product: '../stock.js#ProductRef',
          Reservation: '../model.js#ReservationRecord',
        },
        scalars: { DateTime: 'Date | string' },
      },
    },
  },
};
export default config;
