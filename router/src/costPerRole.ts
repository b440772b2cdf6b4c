import type { ApolloServerPlugin } from '@apollo/server';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getVariableValues,
  validate,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import type { AuthorizationContext } from './authorize.js';

export interface CostLimits {
  maxCost: number;
  adminMaxCost: number;
}

const PAGE_ARGUMENTS = new Set(['first', 'last']);
const MAX_PAGE_SIZE = 100;

/**
 * graphql-armor's cost limit, chosen per caller: admins may run heavier
 * operations (back-office lists and reports) than anyone else. A static
 * validation rule cannot see the caller, so the rule runs here, once the
 * operation and the caller's role are known, and before any subgraph is
 * called.
 *
 * armor multiplies a list's cost by its page size only when `first` is a
 * literal; a variable or the schema's default would make a 100-item page
 * cost as much as one item. The operation is costed with each page size
 * written in, whatever way the client gave it.
 */
export function costPerRolePlugin<T extends AuthorizationContext>(limits: CostLimits): ApolloServerPlugin<T> {
  const rules: Record<'admin' | 'other', ValidationRule> = {
    admin: costLimitRule({ maxCost: limits.adminMaxCost, exposeLimits: false }),
    other: costLimitRule({ maxCost: limits.maxCost, exposeLimits: false }),
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, schema, request, contextValue }) {
          if (!document || !operation) return;
          const costed = withPageSizes(schema, document, operation, request.variables ?? {});
          const rule = contextValue.identity.role === 'ADMIN' ? rules.admin : rules.other;
          let errors: readonly GraphQLError[];
          try {
            errors = validate(schema, costed, [rule]);
          } catch (err) {
            // armor throws its rejection out of the visitor.
            if (!(err instanceof GraphQLError)) throw err;
            errors = [err];
          }
          if (errors.length > 0) {
            throw new GraphQLError('Operation is too expensive; ask for fewer items or fields', {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

/** The document with every first/last argument (variable, or the schema's default) written as a literal. */
export function withPageSizes(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, rawVariables: Record<string, unknown>): DocumentNode {
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables).coerced ?? {};
  const typeInfo = new TypeInfo(schema);
  const literal = (name: string, value: number): ArgumentNode => ({
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: name },
    value: { kind: Kind.INT, value: String(Math.trunc(value)) },
  });
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const fieldDef = typeInfo.getFieldDef();
        if (!fieldDef) return undefined;
        const pageArgs = fieldDef.args.filter((arg) => PAGE_ARGUMENTS.has(arg.name));
        if (pageArgs.length === 0) return undefined;
        const args = (node.arguments ?? []).filter((arg) => !PAGE_ARGUMENTS.has(arg.name.value));
        for (const def of pageArgs) {
          const given = node.arguments?.find((arg) => arg.name.value === def.name);
          let value: unknown = def.defaultValue;
          if (given?.value.kind === Kind.INT) value = Number(given.value.value);
          else if (given?.value.kind === Kind.VARIABLE) value = variables[given.value.name.value] ?? def.defaultValue;
          // Sizes outside 0..100 are refused by the authorization walk with a clearer error; cost them at the cap.
          if (typeof value === 'number' && Number.isFinite(value)) args.push(literal(def.name, Math.min(Math.max(value, 0), MAX_PAGE_SIZE)));
        }
        return { ...node, arguments: args };
      },
    }),
  );
}
