import { randomBytes } from 'node:crypto';
import { serve, type Platform } from '@shopcart/testing';
import { loadRouterEnv } from '../../src/env.js';
import { createRouter, type RouterService } from '../../src/server.js';

/**
 * Extra router replicas in front of a platform's subgraphs, as a deployment
 * with several routers behind a load balancer has. Replicas made with the
 * same `group` share one Redis key prefix, and so their rate limits and
 * persisted queries.
 */
export interface Replica {
  url: string;
  metricsUrl: string;
  service: RouterService;
}

export async function startReplicas(platform: Platform, count: number, env: Record<string, string> = {}): Promise<{ replicas: Replica[]; prefix: string; stop(): Promise<void> }> {
  const prefix = `replicas-${randomBytes(4).toString('hex')}:`;
  const replicas: Replica[] = [];
  for (let i = 0; i < count; i += 1) {
    const service = await createRouter(loadRouterEnv({ ...platform.env, REDIS_KEY_PREFIX: prefix, ...env }));
    const { url, metricsUrl } = await serve(service);
    replicas.push({ url: `${url}/graphql`, metricsUrl, service });
  }
  return {
    replicas,
    prefix,
    async stop() {
      for (const { service } of replicas) {
        await service.http.shutdown(500);
        await service.close();
      }
    },
  };
}
