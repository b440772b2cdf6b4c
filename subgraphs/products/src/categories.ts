import { cleanText, DomainError, isDuplicateKey } from '@shopcart/kit';
import { Types } from 'mongoose';
import type { CategoryInput } from './__generated__/resolvers-types.js';
import type { CatalogDeps } from './deps.js';
import { nextRevision, objectIdOrNull, type CategoryDoc, type ProductsModels } from './model.js';
import { isValidSlug, slugFrom } from './slugs.js';

/** Root categories are depth 1; deeper trees make navigation and filters unwieldy. */
export const MAX_CATEGORY_DEPTH = 5;

export async function createCategory(deps: CatalogDeps, input: CategoryInput): Promise<CategoryDoc> {
  const { models, index } = deps;
  const name = cleanText(input.name, ['input', 'name'], { label: 'Name', min: 1, max: 100 });
  if (input.slug != null && !isValidSlug(input.slug)) {
    throw new DomainError('INVALID_SLUG', 'Slug must be lower-case letters and digits separated by single hyphens', ['input', 'slug']);
  }
  const slug = input.slug ?? slugFrom(name, 'category');

  let ancestorIds: Types.ObjectId[] = [];
  let parentId: Types.ObjectId | null = null;
  if (input.parentId != null) {
    const parent = await findCategory(models, input.parentId);
    if (!parent) throw new DomainError('NOT_FOUND', 'No such parent category', ['input', 'parentId']);
    if (parent.ancestorIds.length + 2 > MAX_CATEGORY_DEPTH) {
      throw new DomainError('CATEGORY_TOO_DEEP', `Categories nest at most ${MAX_CATEGORY_DEPTH} levels deep`, ['input', 'parentId']);
    }
    parentId = parent._id;
    ancestorIds = [...parent.ancestorIds, parent._id];
  }

  const _id = new Types.ObjectId();
  const revision = await nextRevision(models, 'category', _id);
  let category: CategoryDoc;
  try {
    category = (await models.Category.create({ _id, name, slug, parentId, ancestorIds, revision })).toObject();
  } catch (err) {
    if (isDuplicateKey(err)) throw new DomainError('DUPLICATE_SLUG', `The slug "${slug}" is taken`, ['input', 'slug']);
    throw err;
  }
  index.upsertCategory(category);
  return category;
}

export async function findCategory(models: ProductsModels, id: string): Promise<CategoryDoc | null> {
  const _id = objectIdOrNull(id);
  return _id ? models.Category.findById(_id).lean<CategoryDoc>() : null;
}

/** A product's category and its ancestors, or NOT_FOUND at `field`; null clears the category. */
export async function categoryPath(models: ProductsModels, categoryId: string | null, field: string[]): Promise<{ categoryId: Types.ObjectId | null; categoryIds: Types.ObjectId[] }> {
  if (categoryId === null) return { categoryId: null, categoryIds: [] };
  const category = await findCategory(models, categoryId);
  if (!category) throw new DomainError('NOT_FOUND', 'No such category', field);
  return { categoryId: category._id, categoryIds: [...category.ancestorIds, category._id] };
}
