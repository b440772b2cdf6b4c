import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { MAX_PAGE_SIZE } from '@shopcart/kit';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getArgumentValues,
  getVariableValues,
  getOperationAST,
  isNonNullType,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Identity } from './auth.js';

/** The structural part of a graphql-shield rule (rule(), and(), or(), allow, deny...). */
export interface ShieldRuleLike {
  resolve(parent: object, args: object, ctx: object, info: never, options: object): Promise<boolean | string | Error>;
}

export interface RuleSet {
  rules: Record<string, Record<string, ShieldRuleLike>>;
  rootFallback: ShieldRuleLike;
  nestedFallback: ShieldRuleLike;
  /** Rules equal to this one are skipped without evaluation (the hot path). */
  allow: ShieldRuleLike;
}

export interface AuthorizationContext extends BaseContext {
  identity: Identity;
  _shield: { cache: Record<string, unknown> };
}

interface Denial {
  path: string[];
  error: GraphQLFormattedError;
}

// graphql-shield's rule options; with debug off a throwing rule counts as a denial.
const shieldOptions = { debug: false, allowExternalErrors: false, hashFunction: ({ parent, args }: { parent: unknown; args: unknown }) => JSON.stringify({ parent, args }) };

const PRUNED_ALIAS = 'shopcartPruned__';

function toDenialError(result: boolean | string | Error, path: string[]): GraphQLFormattedError {
  const code = result instanceof GraphQLError && typeof result.extensions.code === 'string' ? result.extensions.code : 'FORBIDDEN';
  const message = result instanceof Error ? result.message : typeof result === 'string' ? result : 'Not authorised';
  return { message, path, extensions: { code } };
}

function reject(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/**
 * Enforces the permission matrix at the router. @apollo/gateway executes query
 * plans, not field resolvers, so shield middleware would never run; instead
 * this walks the operation with TypeInfo before any subgraph is called,
 * evaluates the shield rule of every field with (ctx, args), and prunes the
 * denied fields. The pruned document gets its own queryHash, because the
 * gateway caches query plans by it: reusing the original hash would hand one
 * caller's plan to another. After execution each denied field reads null with
 * an UNAUTHENTICATED or FORBIDDEN error at its path; the rest of the
 * operation is answered normally.
 *
 * The same walk enforces the page size cap (first <= 100, variables included)
 * and restricts introspection to admins unless it is enabled for everyone.
 */
export function authorizationPlugin<T extends AuthorizationContext>(ruleSet: RuleSet, options: { introspectionForAll: boolean }): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      let denials: Denial[] = [];
      return {
        async validationDidStart({ contextValue }) {
          return async (errors) => {
            // Suggestions ("Did you mean ...?") map the schema for an attacker; admins keep them.
            if (!errors || contextValue.identity.role === 'ADMIN') return;
            for (const error of errors) error.message = error.message.replace(/\s*Did you mean .+\?$/, '');
          };
        },
        async didResolveOperation(requestContext) {
          const { document, operation, schema, contextValue } = requestContext;
          if (!document || !operation) return;
          const analysis = await analyze(schema, document, operation, requestContext.request.variables ?? {}, contextValue, ruleSet, options);
          denials = analysis.denials;
          if (analysis.deniedNodes.size === 0) return;
          const pruned = prune(document, analysis.deniedNodes);
          const mutable = requestContext as { document: DocumentNode; queryHash: string; operation: OperationDefinitionNode | undefined };
          mutable.document = pruned;
          mutable.queryHash = createHash('sha256').update(print(pruned)).digest('hex');
          mutable.operation = getOperationAST(pruned, requestContext.request.operationName) ?? undefined;
        },
        async willSendResponse({ response }) {
          if (denials.length === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (result.data) {
            stripPruned(result.data);
            for (const denial of denials) nullAt(result.data, denial.path);
          }
          const expanded = denials.flatMap((d) => (result.data ? concretePaths(result.data, d.path) : [d.path]).map((path) => ({ ...d.error, path })));
          result.errors = [...(result.errors ?? []), ...expanded];
        },
      };
    },
  };
}

async function analyze(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown>,
  ctx: AuthorizationContext,
  ruleSet: RuleSet,
  options: { introspectionForAll: boolean },
): Promise<{ denials: Denial[]; deniedNodes: Set<FieldNode> }> {
  // Apollo coerces variables only when it executes, after this hook: bad ones are refused here, as a 400.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables, { maxErrors: 1 });
  if (coerced.errors?.length) throw reject('BAD_USER_INPUT', coerced.errors[0]!.message);
  const variables = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const rootNames = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name, schema.getSubscriptionType()?.name]);
  const typeInfo = new TypeInfo(schema);
  const checks: Array<Promise<void>> = [];
  const decisions = new Map<FieldNode, Promise<boolean | string | Error>>();
  const denials: Denial[] = [];
  const deniedNodes = new Set<FieldNode>();

  const walk = (selectionSet: SelectionSetNode, path: string[], seen: Set<string>) => {
    typeInfo.enter(selectionSet);
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        typeInfo.enter(selection);
        const parentType = typeInfo.getParentType();
        const fieldDef = typeInfo.getFieldDef();
        const name = selection.name.value;
        const responsePath = [...path, selection.alias?.value ?? name];
        if ((name === '__schema' || name === '__type') && !options.introspectionForAll && ctx.identity.role !== 'ADMIN') {
          throw reject('GRAPHQL_VALIDATION_FAILED', 'Introspection is disabled');
        }
        if (parentType && fieldDef && !name.startsWith('__')) {
          const args = getArgumentValues(fieldDef, selection, variables);
          if (typeof args.first === 'number' && args.first > MAX_PAGE_SIZE) {
            throw reject('BAD_USER_INPUT', `first must be at most ${MAX_PAGE_SIZE}`);
          }
          const isRoot = rootNames.has(parentType.name);
          const rule = ruleSet.rules[parentType.name]?.[name] ?? (isRoot ? ruleSet.rootFallback : ruleSet.nestedFallback);
          if (rule !== ruleSet.allow) {
            if (!isRoot && isNonNullType(fieldDef.type)) {
              // A denied non-null field would null its parent; the matrix must not do that.
              throw new Error(`permission rule on non-null field ${parentType.name}.${name}`);
            }
            let decision = decisions.get(selection);
            if (!decision) {
              decision = rule.resolve({}, args, ctx, { fieldName: name, parentType, returnType: fieldDef.type, schema } as never, shieldOptions);
              decisions.set(selection, decision);
            }
            checks.push(
              decision.then((result) => {
                if (result === true) return;
                deniedNodes.add(selection);
                denials.push({ path: responsePath, error: toDenialError(result, responsePath) });
              }),
            );
          }
        }
        if (selection.selectionSet) walk(selection.selectionSet, responsePath, seen);
        typeInfo.leave(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        typeInfo.enter(selection);
        walk(selection.selectionSet, path, seen);
        typeInfo.leave(selection);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        typeInfo.enter(fragment);
        walk(fragment.selectionSet, path, new Set([...seen, fragment.name.value]));
        typeInfo.leave(fragment);
      }
    }
    typeInfo.leave(selectionSet);
  };

  typeInfo.enter(operation);
  walk(operation.selectionSet, [], new Set());
  typeInfo.leave(operation);
  await Promise.all(checks);
  return { denials, deniedNodes };
}

/** Removes denied fields; a selection set left empty keeps a marker __typename to stay valid. */
function prune(document: DocumentNode, denied: Set<FieldNode>): DocumentNode {
  return visit(document, {
    Field: {
      enter(node) {
        return denied.has(node) ? null : undefined;
      },
    },
    SelectionSet: {
      leave(node) {
        if (node.selections.length > 0) return undefined;
        const marker: FieldNode = { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: PRUNED_ALIAS }, name: { kind: Kind.NAME, value: '__typename' } };
        return { ...node, selections: [marker] };
      },
    },
  });
}

function stripPruned(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) stripPruned(item);
  } else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    delete record[PRUNED_ALIAS];
    for (const child of Object.values(record)) stripPruned(child);
  }
}

function nullAt(data: unknown, path: string[]): void {
  if (data === null || data === undefined) return;
  if (Array.isArray(data)) {
    for (const item of data) nullAt(item, path);
    return;
  }
  const [head, ...rest] = path;
  if (head === undefined || typeof data !== 'object') return;
  const record = data as Record<string, unknown>;
  if (rest.length === 0) record[head] = null;
  else nullAt(record[head], rest);
}

/** Expands a field path through lists into the concrete response paths, e.g. users.nodes.1.email. */
function concretePaths(data: unknown, path: string[], prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (path.length === 0) return [prefix];
  if (Array.isArray(data)) return data.flatMap((item, index) => concretePaths(item, path, [...prefix, index]));
  if (data === null || typeof data !== 'object') return path.length === 0 ? [prefix] : [];
  const [head, ...rest] = path;
  if (rest.length === 0) return [[...prefix, head!]];
  return concretePaths((data as Record<string, unknown>)[head!], rest, [...prefix, head!]);
}

