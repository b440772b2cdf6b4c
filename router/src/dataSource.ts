import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { IdentitySigner, Logger, RouterMetrics } from '@shopcart/kit';
import { GraphQLError, Kind, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { createSubgraphBreaker, type BreakerOptions, type SubgraphBreaker } from './breaker.js';
import type { RouterContext } from './context.js';
import type { EntityCache } from './entityCache.js';
import { SubgraphConnectionError, type SubgraphClient } from './subgraphHttp.js';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  signer: IdentitySigner;
  timeoutMs: number;
  logger: Logger;
  metrics: RouterMetrics;
  breaker: BreakerOptions;
  /** The router's pooled, replica-spreading HTTP client. */
  client: SubgraphClient;
  /** Serves entity fetches of cacheable operations from memory where it can. */
  entityCache?: EntityCache;
}

export const UNAVAILABLE_MESSAGE = 'A service needed for this field is unavailable; try again shortly';

/** Why a call failed, as counted in metrics; never shown to clients. */
export type FailureCode = 'timeout' | 'deadline' | 'connection' | 'http_5xx' | 'http_4xx' | 'breaker_open' | 'error';

type Options = GraphQLDataSourceProcessOptions<RouterContext>;

class DeadlineExceeded extends Error {}

/**
 * Calls one subgraph: forwards the caller's identity as a router-signed JWT
 * whose audience is this subgraph, passes the request id and trace context
 * on, and bounds the call by SUBGRAPH_TIMEOUT_MS and by what is left of the
 * whole request's deadline. Calls go through this subgraph's circuit
 * breaker, so once it is open a dead or hanging subgraph costs nothing.
 *
 * A failed call does not fail the request: it answers as if the subgraph had
 * returned null for every field it was asked for, with one
 * SERVICE_UNAVAILABLE error per field at that field's path and nothing of
 * the subgraph's URL, status or body, so only that subgraph's fields are
 * null and the rest of the response is served.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<RouterContext> {
  private readonly options: SubgraphDataSourceOptions;
  readonly breaker: SubgraphBreaker<[Options, number], GatewayGraphQLResponse>;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url });
    this.options = options;
    const call = (processOptions: Options, budgetMs: number) => this.send(processOptions, AbortSignal.timeout(budgetMs));
    this.breaker = createSubgraphBreaker(options.name, call, options.breaker, options.metrics, options.logger, {
      // A subgraph that answers 4xx is up; a call cut short by the request's own deadline says nothing about it.
      isHealthy: (err, _processOptions, budgetMs) => failureCode(err) === 'http_4xx' || (isAbort(err) && budgetMs < options.timeoutMs),
    });
  }

  /**
   * One POST to the subgraph, in place of the gateway's own sending (which
   * builds fetch Request and Headers objects per call): a string body and a
   * header object on the pooled client. What is sent and how the answer is
   * read (status, JSON body, Cache-Control hint) stay the same.
   */
  private async send(options: Options, signal: AbortSignal): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const context = 'context' in options ? options.context : undefined;
    if (!request.query) throw new Error('Missing query');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (context?.identity) {
      const token = await this.options.signer.sign(this.options.name, {
        userId: context.identity.userId,
        role: context.identity.role,
        clientIp: context.clientIp,
      });
      headers.authorization = `Bearer ${token}`;
      headers['x-request-id'] = context.requestId;
      if (context.traceparent) headers.traceparent = context.traceparent;
    }
    const { query, variables, operationName, extensions } = request;
    const response = await this.options.client.post(this.options.url, JSON.stringify({ query, variables, operationName, extensions }), headers, signal);
    if (response.status < 200 || response.status >= 300) {
      throw new GraphQLError(`${response.status}`, { extensions: { response: { status: response.status } } });
    }
    if (typeof response.body !== 'object' || response.body === null) throw new Error('subgraph answered without a JSON body');
    restrictCachePolicy(options, response.cacheControl);
    return response.body as GatewayGraphQLResponse;
  }

  override process(options: Options): Promise<GatewayGraphQLResponse> {
    return this.options.entityCache?.resolve(this.options.name, options, (subset) => this.fetch(subset)) ?? this.fetch(options);
  }

  /** One call through the breaker; a failure answers as if each field asked for were null, with an error at each. */
  private async fetch(options: Options): Promise<GatewayGraphQLResponse> {
    const context = 'context' in options ? options.context : undefined;
    const started = process.hrtime.bigint();
    const { subgraphFetchDuration, subgraphFetchErrors } = this.options.metrics;
    const remaining = context?.deadline ? context.deadline - Date.now() : Number.POSITIVE_INFINITY;
    const budgetMs = Math.min(this.options.timeoutMs, remaining);
    try {
      if (remaining <= 0) throw new DeadlineExceeded('request deadline passed');
      const response = await this.breaker.fire(options, budgetMs);
      subgraphFetchDuration.observe({ subgraph: this.options.name, outcome: 'ok' }, seconds(started));
      return response;
    } catch (err) {
      const failure = failureCode(err);
      const code = failure === 'timeout' && budgetMs < this.options.timeoutMs ? 'deadline' : failure;
      subgraphFetchDuration.observe({ subgraph: this.options.name, outcome: 'error' }, seconds(started));
      subgraphFetchErrors.inc({ subgraph: this.options.name, code });
      // An open breaker refuses calls by the thousand; its opening was logged once.
      if (code !== 'breaker_open') {
        (context?.logger ?? this.options.logger).warn({ subgraph: this.options.name, code, err: err instanceof Error ? err.message : String(err) }, 'subgraph request failed');
      }
      return unavailableResponse(options);
    }
  }
}

/**
 * Narrows the operation's cache policy by the subgraph's Cache-Control
 * hint, as the gateway does: no max-age means not cacheable.
 */
function restrictCachePolicy(options: Options, cacheControl: string | undefined): void {
  if (!('incomingRequestContext' in options)) return;
  const policy = options.incomingRequestContext.overallCachePolicy;
  if (!policy || !('restrict' in policy)) return;
  const header = cacheControl ?? '';
  const maxAge = /(?:^|,)\s*max-age=(\d+)/i.exec(header)?.[1];
  const scope = /(?:^|,)\s*private\b/i.test(header) ? 'PRIVATE' : /(?:^|,)\s*public\b/i.test(header) ? 'PUBLIC' : undefined;
  policy.restrict({ maxAge: maxAge ? Number(maxAge) : 0, ...(scope ? { scope } : {}) });
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

export function failureCode(err: unknown): FailureCode {
  if (err instanceof DeadlineExceeded) return 'deadline';
  if (err instanceof Error && (err as { code?: string }).code === 'EOPENBREAKER') return 'breaker_open';
  if (isAbort(err)) return 'timeout';
  if (err instanceof GraphQLError) {
    const status = (err.extensions.response as { status?: number } | undefined)?.status;
    if (typeof status === 'number') return status >= 500 ? 'http_5xx' : 'http_4xx';
  }
  if (err instanceof SubgraphConnectionError) return 'connection';
  return 'error';
}

/**
 * What the gateway would have received had the subgraph answered null for
 * each field it was asked for, with an error at each. Entity fetches report
 * per entity (_entities.<i>.<field>), which the gateway maps to the path of
 * that entity in the client's response.
 */
export function unavailableResponse(options: Options): GatewayGraphQLResponse {
  const document = ('document' in options ? options.document : undefined) ?? safeParse(options.request.query);
  const error = (path: Array<string | number>) => new GraphQLError(UNAVAILABLE_MESSAGE, { path, extensions: { code: 'SERVICE_UNAVAILABLE' } });
  const representations = options.request.variables?.representations;
  const selection = document ? rootSelection(document) : undefined;
  if (!document || !selection) return { data: null, errors: [error([])] };
  const fragments = fragmentsOf(document);
  const rootKeys = responseKeys(selection, fragments);
  if (Array.isArray(representations) && rootKeys.includes('_entities')) {
    const entitiesField = selection.selections.find((s) => s.kind === Kind.FIELD && s.name.value === '_entities');
    const fields = entitiesField?.kind === Kind.FIELD && entitiesField.selectionSet ? responseKeys(entitiesField.selectionSet, fragments) : [];
    const keys = fields.length > 0 ? fields : [undefined];
    return {
      data: null,
      errors: representations.flatMap((_, index) => keys.map((key) => error(key === undefined ? ['_entities', index] : ['_entities', index, key]))),
    };
  }
  return { data: null, errors: rootKeys.map((key) => error([key])) };
}

function safeParse(query: string | undefined): DocumentNode | undefined {
  try {
    return query ? parse(query) : undefined;
  } catch {
    return undefined;
  }
}

function rootSelection(document: DocumentNode): SelectionSetNode | undefined {
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  return operation?.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet : undefined;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/** The response keys a selection set produces, through fragments, without __typename. */
function responseKeys(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): string[] {
  const keys = new Set<string>();
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') keys.add(selection.alias?.value ?? selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      for (const key of responseKeys(selection.selectionSet, fragments, seen)) keys.add(key);
    } else {
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) continue;
      for (const key of responseKeys(fragment.selectionSet, fragments, new Set([...seen, fragment.name.value]))) keys.add(key);
    }
  }
  return [...keys];
}
