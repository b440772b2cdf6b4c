import { subgraphCodegen } from '../kit/codegen.js';

export default subgraphCodegen({
  context: '../context.js#PaymentsContext',
  mappers: { Payment: '../model.js#PaymentRecord', Order: '../model.js#OrderRef' },
});
