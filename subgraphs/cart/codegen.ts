import { subgraphCodegen } from '../kit/codegen.js';

export default subgraphCodegen({
  context: '../context.js#CartContext',
  mappers: { Cart: '../store.js#CartRecord', CartLine: '../store.js#CartLineRecord' },
});
