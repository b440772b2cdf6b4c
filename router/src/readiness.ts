import type { Readiness } from '@shopcart/kit';

/**
 * The router is ready once its supergraph is loaded; it reports each
 * subgraph's reachability but does not go unready for one of them, because
 * a missing subgraph only nulls its own fields.
 */
export async function subgraphReadiness(subgraphUrls: Record<string, string>): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(subgraphUrls).map(async ([name, url]) => {
      try {
        const response = await fetch(new URL('/ready', url), { signal: AbortSignal.timeout(1_000) });
        return [name, response.ok] as const;
      } catch {
        return [name, false] as const;
      }
    }),
  );
  return { ready: true, checks: Object.fromEntries(entries) };
}
