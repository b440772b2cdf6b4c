import DataLoader from 'dataloader';
import { Types } from 'mongoose';
import type { AddressDoc, UserDoc, UsersModels } from './model.js';

/** Fresh per request: nothing cached here outlives the request or crosses users. */
export function createLoaders(models: UsersModels) {
  return {
    userById: new DataLoader<string, UserDoc | null>(async (ids) => {
      const valid = ids.filter((id) => Types.ObjectId.isValid(id));
      const docs = await models.User.find({ _id: { $in: valid } });
      const byId = new Map(docs.map((doc) => [String(doc._id), doc]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    addressesByUserId: new DataLoader<string, AddressDoc[]>(async (userIds) => {
      const docs: AddressDoc[] = await models.Address.find({ userId: { $in: userIds.map((id) => new Types.ObjectId(id)) } }).sort({ createdAt: -1, _id: -1 });
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
