import { addressSchemaFields } from '@shopcart/kit';
import { Schema, type Connection, type HydratedDocument, type InferSchemaType, type Model } from 'mongoose';

const userSchema = new Schema(
  {
    email: { type: String, required: true },
    /** Uniqueness is case-insensitive: the index is on the lower-cased form. */
    emailLower: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    role: { type: String, enum: ['CUSTOMER', 'ADMIN'], required: true, default: 'CUSTOMER' },
    passwordHash: { type: String, required: true },
    defaultAddressId: { type: Schema.Types.ObjectId, default: null },
    /** Raised by a role change: access tokens issued before it stop working (kit sessions.ts). */
    sessionVersion: { type: Number, default: 0 },
  },
  { timestamps: true, collection: 'users' },
);

// Addresses live in their own collection: FerretDB v1 lacks positional array
// updates, and one document per address keeps every change a single write.
const addressSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true, index: true },
    ...addressSchemaFields,
  },
  { timestamps: true, collection: 'addresses' },
);

const refreshTokenSchema = new Schema(
  {
    /** sha256 of the token; the token itself is never stored. */
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true, index: true },
    /** Every rotation of one login shares a family; reuse revokes the family. */
    familyId: { type: String, required: true, index: true },
    expiresAt: { type: Date, required: true, index: true },
    rotatedAt: { type: Date, default: null },
    /** sha256 of the token this one was rotated to: the reuse grace window answers with it. */
    successorId: { type: String, default: null },
    revokedAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'refresh_tokens' },
);

export type User = InferSchemaType<typeof userSchema>;
export type UserDoc = HydratedDocument<User>;
export type Address = InferSchemaType<typeof addressSchema>;
export type AddressDoc = HydratedDocument<Address> & { isDefault?: boolean };
export type RefreshToken = InferSchemaType<typeof refreshTokenSchema>;

export interface UsersModels {
  User: Model<User>;
  Address: Model<Address>;
  RefreshToken: Model<RefreshToken>;
}

export function createModels(connection: Connection): UsersModels {
  return {
    User: connection.model('User', userSchema),
    Address: connection.model('Address', addressSchema),
    RefreshToken: connection.model('RefreshToken', refreshTokenSchema),
  };
}
