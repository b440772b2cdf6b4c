import { startService } from '@shopcart/kit';
import { loadProductsEnv } from './env.js';
import { createProductsService, SUBGRAPH_NAME } from './server.js';

await startService(SUBGRAPH_NAME, loadProductsEnv, createProductsService);
