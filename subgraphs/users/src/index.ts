import { startService } from '@shopcart/kit';
import { loadUsersEnv } from './env.js';
import { createUsersService, SUBGRAPH_NAME } from './server.js';

await startService(SUBGRAPH_NAME, loadUsersEnv, createUsersService);
