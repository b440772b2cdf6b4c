import { DomainError, validateAddress as validateSharedAddress, type AddressInput, type AddressSnapshot, type Viewer } from '@shopcart/kit';
import { Types } from 'mongoose';
import type { AddressDoc, UsersModels } from './model.js';

export const MAX_ADDRESSES = 20;

export type { AddressInput } from '@shopcart/kit';

/** Normalises and validates an address; countryCode must be ISO 3166-1 alpha-2 (the kit's rules, shared with checkout). */
export const validateAddress = (input: AddressInput) => validateSharedAddress(input);

function ownerId(viewer: Viewer): Types.ObjectId {
  if (!viewer.userId) throw new DomainError('UNAUTHENTICATED', 'Sign in first');
  return new Types.ObjectId(viewer.userId);
}

async function ownedAddress(models: UsersModels, viewer: Viewer, id: string): Promise<AddressDoc> {
  const userId = ownerId(viewer);
  // Someone else's address answers exactly like a missing one.
  const address = Types.ObjectId.isValid(id) ? await models.Address.findOne({ _id: id, userId }) : null;
  if (!address) throw new DomainError('NOT_FOUND', 'No such address', ['id']);
  return address;
}

async function withDefaultFlag(models: UsersModels, address: AddressDoc): Promise<AddressDoc> {
  const user = await models.User.findById(address.userId, { defaultAddressId: 1 }).lean();
  address.isDefault = user?.defaultAddressId?.equals(address._id) ?? false;
  return address;
}

export async function addAddress(models: UsersModels, viewer: Viewer, input: AddressInput, setDefault: boolean): Promise<AddressDoc> {
  const userId = ownerId(viewer);
  const fields = validateAddress(input);
  const count = await models.Address.countDocuments({ userId });
  if (count >= MAX_ADDRESSES) throw new DomainError('INVALID_ADDRESS', `At most ${MAX_ADDRESSES} addresses can be saved`);
  const address = await models.Address.create({ ...fields, userId });
  if (setDefault) {
    await models.User.updateOne({ _id: userId }, { $set: { defaultAddressId: address._id } });
  } else {
    // The first address becomes the default; a conditional update keeps a racing add from overwriting it.
    await models.User.updateOne({ _id: userId, defaultAddressId: null }, { $set: { defaultAddressId: address._id } });
  }
  return withDefaultFlag(models, address);
}

export async function updateAddress(models: UsersModels, viewer: Viewer, id: string, input: AddressInput): Promise<AddressDoc> {
  const fields = validateAddress(input);
  const address = await ownedAddress(models, viewer, id);
  address.set(fields);
  await address.save();
  return withDefaultFlag(models, address);
}

export async function removeAddress(models: UsersModels, viewer: Viewer, id: string): Promise<AddressDoc> {
  const address = await ownedAddress(models, viewer, id);
  await models.Address.deleteOne({ _id: address._id });
  const user = await models.User.findOneAndUpdate({ _id: address.userId, defaultAddressId: address._id }, { $set: { defaultAddressId: null } });
  if (user) {
    // The removed address was the default: the newest remaining one takes over.
    const next = await models.Address.findOne({ userId: address.userId }).sort({ createdAt: -1, _id: -1 });
    if (next) await models.User.updateOne({ _id: address.userId, defaultAddressId: null }, { $set: { defaultAddressId: next._id } });
  }
  address.isDefault = false;
  return address;
}

export async function setDefaultAddress(models: UsersModels, viewer: Viewer, id: string): Promise<AddressDoc> {
  const address = await ownedAddress(models, viewer, id);
  await models.User.updateOne({ _id: address.userId }, { $set: { defaultAddressId: address._id } });
  address.isDefault = true;
  return address;
}


/** For orders at checkout: the address only if it belongs to this user, as a plain copy. */
export async function checkoutAddress(models: UsersModels, userId: string, addressId: string): Promise<AddressSnapshot | null> {
  if (!Types.ObjectId.isValid(userId) || !Types.ObjectId.isValid(addressId)) return null;
  const address = await models.Address.findOne({ _id: addressId, userId }).lean();
  if (!address) return null;
  const { fullName, line1, line2, city, region, postalCode, countryCode, phone } = address;
  return { id: String(address._id), fullName, line1, line2: line2 ?? null, city, region: region ?? null, postalCode, countryCode, phone: phone ?? null };
}
