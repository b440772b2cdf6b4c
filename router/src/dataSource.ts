import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { graphqlError, type IdentitySigner, type Logger } from '@shopcart/kit';
import type { RouterContext } from './context.js';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  signer: IdentitySigner;
  timeoutMs: number;
  logger: Logger;
}

/**
 * Calls one subgraph: forwards the caller's identity as a router-signed JWT
 * whose audience is this subgraph, passes the request id and trace context
 * on, bounds the call with a timeout, and turns any transport failure into
 * SERVICE_UNAVAILABLE without the subgraph's URL, status or body.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<RouterContext> {
  private readonly options: SubgraphDataSourceOptions;

  constructor(options: SubgraphDataSourceOptions) {
    const timeoutMs = options.timeoutMs;
    super({
      url: options.url,
      fetcher: ((input: string, init?: RequestInit) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as never,
    });
    this.options = options;
  }

  override async willSendRequest({ request, context }: Parameters<RemoteGraphQLDataSource<RouterContext>['willSendRequest'] & object>[0]): Promise<void> {
    const headers = request.http?.headers;
    if (!headers || !context?.identity) return;
    const token = await this.options.signer.sign(this.options.name, {
      userId: context.identity.userId,
      role: context.identity.role,
      clientIp: context.clientIp,
    });
    headers.set('authorization', `Bearer ${token}`);
    headers.set('x-request-id', context.requestId);
    if (context.traceparent) headers.set('traceparent', context.traceparent);
  }

  override async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    try {
      return await super.process(options);
    } catch (err) {
      const context = 'context' in options ? options.context : undefined;
      (context?.logger ?? this.options.logger).warn(
        { subgraph: this.options.name, err: err instanceof Error ? err.message : String(err) },
        'subgraph request failed',
      );
      throw graphqlError('SERVICE_UNAVAILABLE', 'A service needed for this field is unavailable; try again shortly');
    }
  }
}
