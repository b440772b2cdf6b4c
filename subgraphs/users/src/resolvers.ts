import { DateTime, decodeCursor, DomainError, encodeCursor, pageSize, payload, requireAdmin, requireService, requireUser, type Viewer } from '@shopcart/kit';
import { Types } from 'mongoose';
import * as accounts from './accounts.js';
import * as addresses from './addresses.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { UserDoc } from './model.js';

async function authPayload(run: () => Promise<accounts.Session>) {
  try {
    const session = await run();
    return { ...session, userErrors: [] };
  } catch (err) {
    if (err instanceof DomainError) return { user: null, accessToken: null, refreshToken: null, userErrors: [err.toUserError()] };
    throw err;
  }
}

const isObjectIdCursor = (value: unknown): value is { id: string } =>
  typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' && Types.ObjectId.isValid((value as { id: string }).id);

/** A user is visible to itself, to admins and to services. */
function canSee(viewer: Viewer, user: UserDoc): boolean {
  return viewer.role === 'ADMIN' || viewer.role === 'SERVICE' || viewer.userId === String(user._id);
}

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    me: async (_parent, _args, { viewer, loaders }) => (viewer.userId ? loaders.userById.load(viewer.userId) : null),
    users: async (_parent, args, { viewer, models }) => {
      requireAdmin(viewer);
      const first = pageSize(args.first);
      const afterId = args.after ? decodeCursor(args.after, isObjectIdCursor).id : null;
      const page = await accounts.listUsers(models, { query: args.query, first, afterId });
      const edges = page.users.map((node) => ({ node, cursor: encodeCursor({ id: String(node._id) }) }));
      return {
        edges,
        nodes: page.users,
        totalCount: page.totalCount,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
    checkoutAddress: (_parent, args, { viewer, models }) => {
      requireService(viewer);
      return addresses.checkoutAddress(models, args.userId, args.addressId);
    },
  },
  Mutation: {
    register: (_parent, { input }, ctx) => authPayload(() => accounts.register(ctx.accounts, input)),
    login: (_parent, { input }, ctx) => authPayload(() => accounts.login(ctx.accounts, input, ctx.viewer)),
    refreshToken: (_parent, args, ctx) => authPayload(() => accounts.refresh(ctx.accounts, args.refreshToken)),
    logout: async (_parent, args, ctx) => {
      await accounts.logout(ctx.accounts, args.refreshToken);
      return true;
    },
    addAddress: (_parent, args, { viewer, models }) => {
      requireUser(viewer);
      return payload('address', () => addresses.addAddress(models, viewer, args.input, args.setDefault ?? false));
    },
    updateAddress: (_parent, args, { viewer, models }) => {
      requireUser(viewer);
      return payload('address', () => addresses.updateAddress(models, viewer, args.id, args.input));
    },
    removeAddress: (_parent, args, { viewer, models }) => {
      requireUser(viewer);
      return payload('address', () => addresses.removeAddress(models, viewer, args.id));
    },
    setDefaultAddress: (_parent, args, { viewer, models }) => {
      requireUser(viewer);
      return payload('address', () => addresses.setDefaultAddress(models, viewer, args.id));
    },
    setUserRole: (_parent, args, ctx) => {
      requireAdmin(ctx.viewer);
      return payload('user', () => accounts.setUserRole(ctx.accounts, ctx.viewer, args.userId, args.role));
    },
  },
  User: {
    __resolveReference: async (reference, { viewer, loaders }) => {
      const user = await loaders.userById.load(String(reference.id));
      return user && canSee(viewer, user) ? user : null;
    },
    id: (user) => String(user._id),
    addresses: async (user, _args, { loaders }) => {
      const docs = await loaders.addressesByUserId.load(String(user._id));
      for (const doc of docs) doc.isDefault = user.defaultAddressId?.equals(doc._id) ?? false;
      return [...docs].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
    },
    defaultAddress: async (user, _args, { loaders }) => {
      if (!user.defaultAddressId) return null;
      const docs = await loaders.addressesByUserId.load(String(user._id));
      const found = docs.find((doc) => doc._id.equals(user.defaultAddressId!));
      if (found) found.isDefault = true;
      return found ?? null;
    },
    createdAt: (user) => user.createdAt,
  },
  Address: {
    id: (address) => String(address._id),
    isDefault: (address) => address.isDefault ?? false,
  },
};
