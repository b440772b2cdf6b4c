import { forbidden, unauthenticated } from '@shopcart/kit';
import { allow, deny, rule } from 'graphql-shield';
import type { Identity } from './auth.js';
import type { ShieldRuleLike } from './authorize.js';

type IRuleFieldMap = Record<string, ShieldRuleLike>;

/** What shield rules see as their context. */
export interface RuleContext {
  identity: Identity;
}

const isAuthenticated = rule({ cache: 'contextual' })((_parent, _args, ctx: RuleContext) =>
  ctx.identity.userId ? true : unauthenticated('Sign in to do this'),
);

const isAdmin = rule({ cache: 'contextual' })((_parent, _args, ctx: RuleContext) => {
  if (!ctx.identity.userId) return unauthenticated('Sign in to do this');
  return ctx.identity.role === 'ADMIN' ? true : forbidden('Admins only');
});

const isPublic = allow;

/**
 * The one permission matrix: every root field of the public API, for
 * anonymous callers, customers and admins. Anything not listed is denied
 * (the router's fallback), and a test fails when a contract operation has no
 * entry. Rules that need the data itself (is this order mine?) are enforced
 * again by the owning subgraph.
 */
export const permissions: { Query: IRuleFieldMap; Mutation: IRuleFieldMap } = {
  Query: {
    me: isPublic, // null when anonymous
    product: isPublic,
    products: isPublic,
    categories: isPublic,
    category: isPublic,
    cart: isPublic, // guest carts by unguessable id; ownership in the cart subgraph
    order: isAuthenticated, // ownership in the orders subgraph
    users: isAdmin,
    orders: isAdmin,
  },
  Mutation: {
    register: isPublic,
    login: isPublic,
    refreshToken: isPublic, // the refresh token is the credential
    logout: isPublic,
    addAddress: isAuthenticated,
    updateAddress: isAuthenticated,
    removeAddress: isAuthenticated,
    setDefaultAddress: isAuthenticated,
    cartAddLines: isPublic,
    cartUpdateLines: isPublic,
    cartRemoveLines: isPublic,
    checkout: isAuthenticated,
    cancelOrder: isAuthenticated, // its customer before SHIPPED (checked in orders), or an admin
    createCategory: isAdmin,
    createProduct: isAdmin,
    updateProduct: isAdmin,
    archiveProduct: isAdmin,
    updateVariant: isAdmin,
    setInventory: isAdmin,
    updateOrderStatus: isAdmin,
    setUserRole: isAdmin,
  },
};

/** Root fields without an entry are denied; fields of other types are open unless listed. */
export const rootFallbackRule: ShieldRuleLike = deny;
export const nestedFallbackRule: ShieldRuleLike = allow;

/** Rules on non-root fields, e.g. { Product: { costPrice: isAdmin } }; only nullable fields may be listed. */
export const fieldPermissions: Record<string, IRuleFieldMap> = {};
