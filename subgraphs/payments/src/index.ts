import { startService } from '@shopcart/kit';
import { loadPaymentsEnv } from './env.js';
import { createPaymentsService, SUBGRAPH_NAME } from './server.js';

await startService(SUBGRAPH_NAME, loadPaymentsEnv, createPaymentsService);
