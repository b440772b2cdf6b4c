import { findIn } from '@shopcart/kit';
import DataLoader from 'dataloader';
import { Types } from 'mongoose';
import type { AddressDoc, UserDoc, UsersModels } from './model.js';

/** Fresh per request: nothing cached here outlives the request or crosses users. */
export function createLoaders(models: UsersModels) {
  return {
    userById: new DataLoader<string, UserDoc | null>(async (ids) => {
      const valid = ids.filter((id) => Types.ObjectId.isValid(id));
      const docs = (await findIn<UserDoc>(models.User, '_id', valid.map((id) => new Types.ObjectId(id)))).map((doc) => models.User.hydrate(doc));
      const byId = new Map(docs.map((doc) => [String(doc._id), doc]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    addressesByUserId: new DataLoader<string, AddressDoc[]>(async (userIds) => {
      const docs = (await findIn<AddressDoc>(models.Address, 'userId', userIds.map((id) => new Types.ObjectId(id))))
        .map((doc) => models.Address.hydrate(doc) as AddressDoc)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || String(b._id).localeCompare(String(a._id)));
      const byUser = new Map<string, AddressDoc[]>();
      for (const doc of docs) {
        const key = String(doc.userId);
        byUser.set(key, [...(byUser.get(key) ?? []), doc]);
      }
      return userIds.map((id) => byUser.get(id) ?? []);
    }),
  };
}

export type UsersLoaders = ReturnType<typeof createLoaders>;
