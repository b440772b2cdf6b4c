import { badUserInput, DateTime, pageSize, payload, requireAdmin, selects, type Viewer, toMoney } from '@shopcart/kit';
import * as catalog from './catalog.js';
import * as categories from './categories.js';
import type { ProductsContext } from './context.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { CategoryDoc, ProductDoc, ProductParent, VariantDoc } from './model.js';
import { searchProducts } from './search.js';
import { isVisible } from './visibility.js';

const visible = (viewer: Viewer, product: ProductDoc | null): ProductDoc | null => (product && isVisible(viewer, product) ? product : null);

const isDoc = (product: ProductParent): product is ProductDoc => '_id' in product;
const idOf = (product: ProductParent) => (isDoc(product) ? String(product._id) : product.id);

/** The stored document behind a search index entry, for the fields the index does not hold (one batched read per page). */
const docOf = async (product: ProductParent, ctx: ProductsContext): Promise<ProductDoc | null> => (isDoc(product) ? product : ctx.loaders.productById.load(product.id));

// Stored documents are shared and never changed in place (a write brings a new one), so
// each one's ordered variants are built once rather than copied for every page that shows them.
const variantLists = new WeakMap<ProductDoc, VariantDoc[]>();
const variantsOf = (product: ProductDoc): VariantDoc[] => {
  let variants = variantLists.get(product);
  if (!variants) {
    variants = [...product.variants].sort((a, b) => a.position - b.position).map((v) => ({ ...v, product }));
    variantLists.set(product, variants);
  }
  return variants;
};

/** A variant by id or SKU, with its product; null when missing or its product is hidden from the viewer. */
async function findVariant(ctx: ProductsContext, key: { id?: string | null; sku?: string | null }): Promise<VariantDoc | null> {
  let productId: string | undefined;
  if (key.id != null) {
    // Variant ids live in their product's document; the index knows which.
    await ctx.indexLoaded;
    productId = ctx.index.productIdForVariant(key.id);
  } else if (key.sku != null) {
    productId = (await ctx.loaders.productIdBySku.load(key.sku)) ?? undefined;
  }
  const product = productId ? visible(ctx.viewer, await ctx.loaders.productById.load(productId)) : null;
  const variant = product?.variants.find((v) => (key.id != null ? String(v._id) === key.id : v.sku === key.sku));
  return product && variant ? { ...variant, product } : null;
}

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    product: async (_parent, args, ctx) => {
      if (args.id == null && args.slug == null) throw badUserInput('Give an id or a slug', ['id']);
      let id = args.id;
      if (id == null) {
        // Slugs resolve through the index (current on the replica that wrote them, within CATALOG_SYNC_MS elsewhere).
        await ctx.indexLoaded;
        id = ctx.index.productIdForSlug(args.slug!);
      }
      const product = id ? await ctx.loaders.productById.load(id) : null;
      if (product && args.slug != null && product.slug !== args.slug) return null;
      return visible(ctx.viewer, product);
    },
    products: async (_parent, args, ctx, info) => {
      const first = pageSize(args.first);
      await ctx.indexLoaded;
      const page = searchProducts(ctx.index, { query: args.query, filter: args.filter, sort: args.sort ?? 'RELEVANCE', first, after: args.after, viewer: ctx.viewer, facets: selects(info, 'facets') });
      // Nodes are index entries: MongoDB is read only for fields they lack, one query for the page.
      const edges = page.items.map((item) => ({
        get cursor() {
          return item.cursor;
        },
        node: item.entry,
      }));
      return {
        edges,
        nodes: edges.map((edge) => edge.node),
        totalCount: page.totalCount,
        facets: page.facets,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          get endCursor() {
            return page.items.at(-1)?.cursor ?? null;
          },
        },
      };
    },
    categories: async (_parent, _args, { models }) => (await models.Category.find({ parentId: null }).comment('scan: categories are few (hundreds); the roots are read with the rest').lean<CategoryDoc[]>()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    category: (_parent, args, { loaders }) => loaders.categoryBySlug.load(args.slug),
  },
  Mutation: {
    createCategory: (_parent, args, ctx) => {
      requireAdmin(ctx.viewer);
      return payload('category', () => categories.createCategory(ctx.catalog, args.input));
    },
    createProduct: (_parent, args, ctx) => {
      requireAdmin(ctx.viewer);
      return payload('product', () => catalog.createProduct(ctx.catalog, args.input));
    },
    updateProduct: (_parent, args, ctx) => {
      requireAdmin(ctx.viewer);
      return payload('product', () => catalog.updateProduct(ctx.catalog, args.id, args.input));
    },
    archiveProduct: (_parent, args, ctx) => {
      requireAdmin(ctx.viewer);
      return payload('product', () => catalog.archiveProduct(ctx.catalog, args.id));
    },
    updateVariant: async (_parent, args, ctx) => {
      requireAdmin(ctx.viewer);
      // Variants are found through the index (they live inside their product's document).
      await ctx.indexLoaded;
      return payload('product', () => catalog.updateVariant(ctx.catalog, args.id, args.input));
    },
  },
  Product: {
    __resolveReference: async (reference, ctx) => {
      const product = visible(ctx.viewer, await ctx.loaders.productById.load(String(reference.id)));
      // A copy: federation tags what this returns with its __typename, and the document is shared by every request.
      return product && { ...product };
    },
    id: idOf,
    description: async (product, _args, ctx) => (await docOf(product, ctx))?.description ?? '',
    category: (product, _args, { loaders }) => (product.categoryId ? loaders.categoryById.load(String(product.categoryId)) : null),
    images: async (product, _args, ctx) => (await docOf(product, ctx))?.images ?? [],
    variants: async (product, _args, ctx) => {
      const doc = await docOf(product, ctx);
      return doc ? variantsOf(doc) : [];
    },
    priceRange: (product) => ({ min: toMoney(product.priceMin, product.currency), max: toMoney(product.priceMax, product.currency) }),
    createdAt: (product) => (isDoc(product) ? product.createdAt : new Date(product.createdAt)),
    revision: async (product, _args, ctx) => (await docOf(product, ctx))?.revision ?? 0,
  },
  ProductVariant: {
    __resolveReference: (reference, ctx) => findVariant(ctx, reference as { id?: string; sku?: string }),
    id: (variant) => String(variant._id),
    price: (variant) => toMoney(variant.priceMinor, variant.product.currency),
    compareAtPrice: (variant) => (variant.compareAtMinor == null ? null : toMoney(variant.compareAtMinor, variant.product.currency)),
    product: (variant) => variant.product,
  },
  Category: {
    id: (category) => String(category._id),
    parent: (category, _args, { loaders }) => (category.parentId ? loaders.categoryById.load(String(category.parentId)) : null),
    children: (category, _args, { loaders }) => loaders.childrenByParentId.load(String(category._id)),
  },
};
