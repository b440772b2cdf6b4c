import { startService } from '@shopcart/kit';
import { loadOrdersEnv } from './env.js';
import { createOrdersService, SUBGRAPH_NAME } from './server.js';

await startService(SUBGRAPH_NAME, loadOrdersEnv, createOrdersService);
