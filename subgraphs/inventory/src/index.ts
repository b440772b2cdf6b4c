import { startService } from '@shopcart/kit';
import { loadInventoryEnv } from './env.js';
import { createInventoryService, SUBGRAPH_NAME } from './server.js';

await startService(SUBGRAPH_NAME, loadInventoryEnv, createInventoryService);
