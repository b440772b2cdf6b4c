import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type GraphQLFormattedError, type ValidationRule } from 'graphql';
import type { RouterContext } from './context.js';
import { costPerRolePlugin } from './costPerRole.js';
import type { RouterEnv } from './env.js';

/**
 * Fragment names starting with "__" are how one depth-limit bypass hides a
 * subtree behind a "__schema" fragment; no legitimate client needs them.
 */
export const reservedFragmentNamesRule: ValidationRule = (context) => ({
  FragmentDefinition(node) {
    if (node.name.value.startsWith('__')) {
      context.reportError(new GraphQLError('Fragment names must not start with "__"', { nodes: [node] }));
    }
  },
});

/**
 * Depth, alias, token and directive limits from graphql-armor. Limits
 * are not echoed in error messages (exposeLimits: false) so they cannot be
 * probed; field suggestions are handled per role by the authorization plugin.
 */
export function createLimits(env: RouterEnv) {
  const armor = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    maxDepth: { n: env.MAX_DEPTH, exposeLimits: false, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: env.MAX_ALIASES, exposeLimits: false },
    // Cost depends on who asks (admins may run heavier operations): costPerRolePlugin.
    costLimit: { enabled: false },
    // Token limit: graphql's own parser option (below) answers 400; armor's throws mid-parse (500).
    maxTokens: { enabled: false },
    maxDirectives: { n: env.MAX_DIRECTIVES, exposeLimits: false },
  });
  const protection = armor.protect();
  return {
    plugins: [...protection.plugins, costPerRolePlugin<RouterContext>({ maxCost: env.MAX_COST, adminMaxCost: env.ADMIN_MAX_COST })],
    validationRules: [...protection.validationRules, reservedFragmentNamesRule],
    parseOptions: { maxTokens: env.MAX_TOKENS },
  };
}

/** graphql's token-limit message states the limit; clients get a neutral one. */
export function hideLimitDetails(formatted: GraphQLFormattedError): GraphQLFormattedError {
  // (graphql 16 spells it "more that"; match both.)
  if (/Document contains more th[ae][nt] \d+ tokens/.test(formatted.message)) {
    return { ...formatted, message: 'Syntax Error: Document is too large.' };
  }
  return formatted;
}
