import { startService } from '@shopcart/kit';
import { loadCartEnv } from './env.js';
import { createCartService, SUBGRAPH_NAME } from './server.js';

await startService(SUBGRAPH_NAME, loadCartEnv, createCartService);
