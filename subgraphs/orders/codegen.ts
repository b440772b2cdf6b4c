import { subgraphCodegen } from '../kit/codegen.js';

export default subgraphCodegen({
  context: '../context.js#OrdersContext',
  mappers: {
    Order: '../model.js#OrderRecord',
    OrderLine: '../model.js#OrderLineView',
    OrderEvent: '../model.js#OrderEventRecord',
    Address: '../model.js#AddressSnapshot',
    User: '../history.js#CustomerRef',
  },
});
