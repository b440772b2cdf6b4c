import { startService } from '@shopcart/kit';
import { loadRouterEnv } from './env.js';
import { createRouter } from './server.js';

process.env.APOLLO_TELEMETRY_DISABLED = 'true';
await startService('router', loadRouterEnv, createRouter);
