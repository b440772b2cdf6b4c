import type { ApolloServerPlugin } from '@apollo/server';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { MAX_PAGE_SIZE } from '@shopcart/kit';
import {
  GraphQLError,
  GraphQLInt,
  Kind,
  TypeInfo,
  validate,
  valueFromAST,
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
  // Costing walks the whole document twice (page sizes, then armor's rule): about 6% of the
  // router's CPU on a catalog page. The verdict depends only on the document, the rule and
  // the page sizes, so it is kept per parsed document (Apollo Server reuses the parsed
  // document of a known query text) and dies with it.
  const verdicts = new WeakMap<DocumentNode, CostedDocument>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, schema, request, contextValue }) {
          if (!document || !operation) return;
          let costed = verdicts.get(document);
          if (!costed) {
            costed = { slots: pageSlots(schema, document), verdicts: new Map() };
            verdicts.set(document, costed);
          }
          const role = contextValue.identity.role === 'ADMIN' ? 'admin' : 'other';
          const sizes = pageSizes(costed.slots, operation, request.variables ?? {});
          const key = `${role}:${sizes.join(',')}`;
          let allowed = costed.verdicts.get(key);
          if (allowed === undefined) {
            allowed = withinCost(schema, writeSizes(schema, document, sizes), rules[role]);
            // Page sizes are bounded (0..100 per list), but a document with many lists has many combinations.
            if (costed.verdicts.size >= MAX_VERDICTS_PER_DOCUMENT) costed.verdicts.clear();
            costed.verdicts.set(key, allowed);
          }
          if (!allowed) {
            throw new GraphQLError('Operation is too expensive; ask for fewer items or fields', {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

const MAX_VERDICTS_PER_DOCUMENT = 256;

interface CostedDocument {
  slots: PageSlot[];
  verdicts: Map<string, boolean>;
}

/** One first/last argument of a list field, in document order: where its size comes from. */
interface PageSlot {
  literal?: number;
  variable?: string;
  /** The schema's default for the argument, used when nothing else gives a size. */
  defaultValue: unknown;
}

function withinCost(schema: GraphQLSchema, document: DocumentNode, rule: ValidationRule): boolean {
  try {
    return validate(schema, document, [rule]).length === 0;
  } catch (err) {
    // armor throws its rejection out of the visitor.
    if (!(err instanceof GraphQLError)) throw err;
    return false;
  }
}

/** Every page-size argument the schema allows on the document's list fields, in visit order. */
export function pageSlots(schema: GraphQLSchema, document: DocumentNode): PageSlot[] {
  const slots: PageSlot[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        for (const def of typeInfo.getFieldDef()?.args ?? []) {
          if (!PAGE_ARGUMENTS.has(def.name)) continue;
          const given = node.arguments?.find((arg) => arg.name.value === def.name)?.value;
          if (given?.kind === Kind.INT) slots.push({ literal: Number(given.value), defaultValue: def.defaultValue });
          else if (given?.kind === Kind.VARIABLE) slots.push({ variable: given.name.value, defaultValue: def.defaultValue });
          else slots.push({ defaultValue: def.defaultValue });
        }
      },
    }),
  );
  return slots;
}

/**
 * Each slot's size for this request: the literal, the variable's value (or its declared
 * default when it is not sent), else the schema's default; null when none is a number. Sizes outside 0..100
 * are refused by the authorization walk with a clearer error; they are costed at the cap.
 */
export function pageSizes(slots: PageSlot[], operation: OperationDefinitionNode, variables: Record<string, unknown>): Array<number | null> {
  return slots.map((slot) => {
    let value: unknown = slot.literal;
    if (slot.variable !== undefined) {
      const definition = operation.variableDefinitions?.find((d) => d.variable.name.value === slot.variable);
      // A variable the operation does not declare has no value; validation refuses it anyway.
      // Own properties only: an unsent $constructor must not read Object.prototype's. A null
      // sent explicitly stays null (the declared default applies only to an absent variable),
      // and the resolver then uses the schema's default, as this does below.
      if (definition) value = Object.hasOwn(variables, slot.variable) ? variables[slot.variable] : definition.defaultValue ? valueFromAST(definition.defaultValue, GraphQLInt) : undefined;
    }
    if (value === undefined || value === null) value = slot.defaultValue;
    return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(Math.trunc(value), 0), MAX_PAGE_SIZE) : null;
  });
}

/** The document with each page-size argument written as a literal (or dropped when it has no size), in pageSlots' order. */
export function writeSizes(schema: GraphQLSchema, document: DocumentNode, sizes: Array<number | null>): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  let next = 0;
  const literal = (name: string, value: number): ArgumentNode => ({
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: name },
    value: { kind: Kind.INT, value: String(value) },
  });
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const pageArgs = (typeInfo.getFieldDef()?.args ?? []).filter((arg) => PAGE_ARGUMENTS.has(arg.name));
        if (pageArgs.length === 0) return undefined;
        const args = (node.arguments ?? []).filter((arg) => !PAGE_ARGUMENTS.has(arg.name.value));
        for (const def of pageArgs) {
          const size = sizes[next++];
          if (typeof size === 'number') args.push(literal(def.name, size));
        }
        return { ...node, arguments: args };
      },
    }),
  );
}
