import { subgraphCodegen } from '../kit/codegen.js';

export default subgraphCodegen({
  context: '../context.js#UsersContext',
  mappers: { User: '../model.js#UserDoc', Address: '../model.js#AddressDoc' },
});
