import { findIn, isDuplicateKey } from '@shopcart/kit';
import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { IndexedProduct } from './searchIndex.js';

export const PRODUCT_STATUSES = ['ACTIVE', 'DRAFT', 'ARCHIVED'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

/*
 * Shaped for FerretDB v1 (SQLite) as much as for MongoDB. Measured on
 * FerretDB v1.24: no query uses an index, `_id` equality included; every
 * find reads the whole collection (about 17 µs a product document, so 1.7 s
 * at 100k products) and a `$in` of 20 ids takes several times that. So what
 * search pages show comes from memory (searchIndex.ts) and products are read
 * only for fields the index lacks, SKUs live in a collection of small
 * documents, and replicas follow a short change log instead of querying
 * products by revision. On MongoDB the same queries use their indexes.
 */

const categorySchema = new Schema<CategoryDoc>(
  {
    name: { type: String, required: true },
    slug: { type: String, required: true, unique: true },
    parentId: { type: Schema.Types.ObjectId, default: null, index: true },
    /** Root first; products store their category's ancestors too, so a filter includes descendants. */
    ancestorIds: { type: [Schema.Types.ObjectId], default: [] },
    revision: { type: Number, required: true },
  },
  { timestamps: true, collection: 'categories' },
);

const imageSchema = new Schema({ url: { type: String, required: true }, altText: { type: String, default: null } }, { _id: false });
const selectedOptionSchema = new Schema({ name: { type: String, required: true }, value: { type: String, required: true } }, { _id: false });

// Variants are embedded: they are written with their product (updateVariant
// rewrites the product document), so a page of products is one read with its variants.
const variantSchema = new Schema<VariantRecord>({
  sku: { type: String, required: true },
  title: { type: String, required: true },
  options: { type: [selectedOptionSchema], default: [] },
  priceMinor: { type: Number, required: true },
  compareAtMinor: { type: Number, default: null },
  position: { type: Number, required: true },
});

const productSchema = new Schema<ProductDoc>(
  {
    title: { type: String, required: true },
    slug: { type: String, required: true, unique: true },
    description: { type: String, default: '' },
    brand: { type: String, default: null },
    categoryId: { type: Schema.Types.ObjectId, default: null },
    /** The category and its ancestors. */
    categoryIds: { type: [Schema.Types.ObjectId], default: [] },
    images: { type: [imageSchema], default: [] },
    status: { type: String, enum: PRODUCT_STATUSES, required: true, default: 'ACTIVE' },
    currency: { type: String, required: true },
    variants: { type: [variantSchema], required: true },
    /** Integer minor units over the variants, denormalised for search. */
    priceMin: { type: Number, required: true },
    priceMax: { type: Number, required: true },
    /** "name=value" of every variant option, for option filters and facets. */
    optionPairs: { type: [String], default: [] },
    /** Any variant available, from inventory's stock-level events (availability.ts). */
    inStock: { type: Boolean, required: true, default: false },
    /** Bumped by every stock event for this product; availability.ts compares-and-sets on it. */
    stockSeq: { type: Number, required: true, default: 0 },
    /** The catalog-wide counter value of the last write (see nextRevision). */
    revision: { type: Number, required: true },
  },
  { timestamps: true, collection: 'products' },
);

// One document per SKU: its `_id` makes SKUs unique across the catalog, and
// it keeps the last level inventory published with its per-SKU version, so a
// late or repeated event never overwrites a newer one.
const skuSchema = new Schema<SkuDoc>(
  {
    _id: { type: String, required: true },
    productId: { type: Schema.Types.ObjectId, required: true },
    available: { type: Number, required: true, default: 0 },
    availableVersion: { type: Number, required: true, default: 0 },
  },
  { timestamps: true, collection: 'skus' },
);

// Initial stock inventory has not confirmed yet, written before the product
// so that a crash between the two loses nothing (initialStock.ts).
const pendingStockSchema = new Schema<PendingStockDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    levels: { type: [new Schema({ sku: { type: String, required: true }, available: { type: Number, required: true } }, { _id: false })], required: true },
  },
  { timestamps: true, collection: 'pending_stock' },
);

// Every write appends (revision, what changed); replicas poll this short,
// trimmed log rather than the products collection (catalogSync.ts).
const changeSchema = new Schema<ChangeDoc>(
  {
    _id: { type: Number, required: true },
    kind: { type: String, enum: ['product', 'category', 'reload'], required: true },
    ref: { type: Schema.Types.ObjectId, default: null },
    at: { type: Date, required: true },
  },
  { collection: 'catalog_changes', versionKey: false },
);

const counterSchema = new Schema({ _id: { type: String, required: true }, seq: { type: Number, required: true, default: 0 } }, { collection: 'counters', versionKey: false });

export interface CategoryDoc {
  _id: Types.ObjectId;
  name: string;
  slug: string;
  parentId: Types.ObjectId | null;
  ancestorIds: Types.ObjectId[];
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SelectedOption {
  name: string;
  value: string;
}

export interface VariantRecord {
  _id: Types.ObjectId;
  sku: string;
  title: string;
  options: SelectedOption[];
  priceMinor: number;
  compareAtMinor: number | null;
  position: number;
}

export interface ProductDoc {
  _id: Types.ObjectId;
  title: string;
  slug: string;
  description: string;
  brand: string | null;
  categoryId: Types.ObjectId | null;
  categoryIds: Types.ObjectId[];
  images: Array<{ url: string; altText: string | null }>;
  status: ProductStatus;
  currency: string;
  variants: VariantRecord[];
  priceMin: number;
  priceMax: number;
  optionPairs: string[];
  inStock: boolean;
  stockSeq: number;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What Product resolvers receive: a stored document, or a search index entry
 * (search pages), whose missing fields are loaded only when asked for.
 */
export type ProductParent = ProductDoc | IndexedProduct;

/** A variant as resolvers see it: with the product it belongs to. */
export type VariantDoc = VariantRecord & { product: ProductDoc };

export interface SkuDoc {
  _id: string;
  productId: Types.ObjectId;
  available: number;
  availableVersion: number;
}

export interface PendingStockDoc {
  _id: Types.ObjectId;
  levels: Array<{ sku: string; available: number }>;
  createdAt: Date;
}

export type ChangeKind = 'product' | 'category' | 'reload';

export interface ChangeDoc {
  _id: number;
  kind: ChangeKind;
  ref: Types.ObjectId | null;
  at: Date;
}

export interface ProductsModels {
  Category: Model<CategoryDoc>;
  Product: Model<ProductDoc>;
  Sku: Model<SkuDoc>;
  PendingStock: Model<PendingStockDoc>;
  Change: Model<ChangeDoc>;
  Counter: Model<{ _id: string; seq: number }>;
}

export function createModels(connection: Connection): ProductsModels {
  return {
    Category: connection.model('Category', categorySchema),
    Product: connection.model('Product', productSchema),
    Sku: connection.model('Sku', skuSchema),
    PendingStock: connection.model('PendingStock', pendingStockSchema),
    Change: connection.model('Change', changeSchema),
    Counter: connection.model('Counter', counterSchema),
  };
}

/** Documents for `ids` in one query (missing ones left out). */
export async function fetchByIds<T>(model: Model<T>, ids: readonly unknown[], projection?: Record<string, 0 | 1>): Promise<Array<T & { _id: unknown }>> {
  if (ids.length === 0) return [];
  return findIn<T & { _id: unknown }>(model, '_id', ids, { projection });
}

/**
 * Reserves a new revision and announces the change in the log before the
 * write itself, so a crash after this point can only leave a log entry that
 * pollers drop, never a write they miss. An atomic $inc on one document:
 * no transactions needed, and it works on FerretDB.
 */
export async function nextRevision(models: ProductsModels, kind: ChangeKind, ref: Types.ObjectId | null): Promise<number> {
  // FerretDB v1 can hand two concurrent $inc callers the same value; the log's
  // unique _id catches that, and the loser simply takes the next number.
  for (let attempt = 0; ; attempt += 1) {
    const counter = await models.Counter.findOneAndUpdate({ _id: 'catalog' }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' }).lean();
    const revision = counter!.seq;
    try {
      await models.Change.create({ _id: revision, kind, ref, at: new Date() });
      return revision;
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 50) throw err;
    }
  }
}

/** Reserves `count` revisions at once (bulk import) and returns the first. */
export async function reserveRevisions(models: ProductsModels, count: number): Promise<number> {
  const counter = await models.Counter.findOneAndUpdate({ _id: 'catalog' }, { $inc: { seq: count } }, { upsert: true, returnDocument: 'after' }).lean();
  return counter!.seq - count + 1;
}

/** A valid ObjectId from client input, or null (never throws). */
export function objectIdOrNull(id: string | null | undefined): Types.ObjectId | null {
  return id && /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : null;
}
