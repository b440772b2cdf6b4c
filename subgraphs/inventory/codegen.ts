import { subgraphCodegen } from '../kit/codegen.js';

export default subgraphCodegen({
  context: '../context.js#InventoryContext',
  mappers: { ProductVariant: '../stock.js#VariantRef', Product: '../stock.js#ProductRef', Reservation: '../model.js#ReservationRecord' },
});
