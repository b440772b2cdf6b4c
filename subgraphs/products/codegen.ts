import { subgraphCodegen } from '../kit/codegen.js';

export default subgraphCodegen({
  context: '../context.js#ProductsContext',
  mappers: { Product: '../model.js#ProductParent', ProductVariant: '../model.js#VariantDoc', Category: '../model.js#CategoryDoc' },
});
