import { cleanText, DomainError, parseMinorUnits } from '@shopcart/kit';
import type { ImageInput, ProductInput, ProductUpdateInput, VariantInput } from './__generated__/resolvers-types.js';
import type { ProductStatus } from './model.js';
import { isValidSlug } from './slugs.js';

/**
 * Validation of product input, before anything is written: a rejected input
 * must leave nothing behind, and FerretDB has no transactions to roll back.
 */

export const MAX_VARIANTS = 100;
export const MAX_INITIAL_STOCK = 1_000_000_000;
const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const URL_PATTERN = /^https?:\/\//i;

export interface NewVariant {
  sku: string;
  title: string;
  options: Array<{ name: string; value: string }>;
  priceMinor: number;
  compareAtMinor: number | null;
  initialStock: number | null;
  position: number;
}

export interface NewProduct {
  title: string;
  /** Null: generate one from the title. */
  slug: string | null;
  description: string;
  brand: string | null;
  categoryId: string | null;
  images: Array<{ url: string; altText: string | null }>;
  status: ProductStatus;
  variants: NewVariant[];
}

/** Only the fields an update sets; absent means unchanged, null clears where allowed. */
export interface ProductChanges {
  title?: string;
  slug?: string;
  description?: string;
  brand?: string | null;
  categoryId?: string | null;
  images?: NewProduct['images'];
  status?: ProductStatus;
}

type Path = string[];

function invalid(message: string, field: Path, code = 'INVALID_INPUT'): DomainError {
  return new DomainError(code, message, field);
}

function text(value: string, field: Path, label: string, min: number, max: number, multiline = false): string {
  return cleanText(value, field, { label, min, max, multiline });
}

const title = (value: string, field: Path) => text(value, field, 'Title', 1, 200);
const description = (value: string | null | undefined, field: Path) => (value == null ? '' : text(value, field, 'Description', 0, 10_000, true));
const brand = (value: string | null | undefined, field: Path) => (value == null ? null : text(value, field, 'Brand', 0, 100) || null);

function slug(value: string, field: Path): string {
  if (!isValidSlug(value)) throw invalid('Slug must be lower-case letters and digits separated by single hyphens', field, 'INVALID_SLUG');
  return value;
}

function images(values: ImageInput[] | null | undefined, field: Path): NewProduct['images'] {
  if (!values) return [];
  if (values.length > 20) throw invalid('At most 20 images', field);
  return values.map((image, i) => {
    const url = image.url.trim();
    if (!URL_PATTERN.test(url) || url.length > 2_000 || !URL.canParse(url)) throw invalid('Image URL must be an http(s) URL', [...field, String(i), 'url']);
    const altText = image.altText == null ? null : text(image.altText, [...field, String(i), 'altText'], 'Alt text', 0, 200) || null;
    return { url, altText };
  });
}

function price(value: string, field: Path): number {
  const minor = parseMinorUnits(value);
  if (minor === null) throw new DomainError('INVALID_PRICE', 'Price must be a non-negative decimal with at most two fraction digits, e.g. "19.99"', field);
  return minor;
}

function variant(input: VariantInput, position: number): NewVariant {
  const path = ['input', 'variants', String(position)];
  if (!SKU_PATTERN.test(input.sku)) throw invalid('SKU must be 1 to 64 letters, digits, ".", "_" or "-"', [...path, 'sku'], 'INVALID_SKU');
  const options = (input.options ?? []).map((option, i) => {
    const name = text(option.name, [...path, 'options', String(i), 'name'], 'Option name', 1, 50);
    if (name.includes('=')) throw invalid('Option names cannot contain "="', [...path, 'options', String(i), 'name']);
    return { name, value: text(option.value, [...path, 'options', String(i), 'value'], 'Option value', 1, 100) };
  });
  if (options.length > 10) throw invalid('At most 10 options per variant', [...path, 'options']);
  if (new Set(options.map((o) => o.name.toLowerCase())).size !== options.length) throw invalid('Option names must differ', [...path, 'options']);
  const priceMinor = price(input.price, [...path, 'price']);
  const compareAtMinor = input.compareAtPrice == null ? null : price(input.compareAtPrice, [...path, 'compareAtPrice']);
  const stock = input.initialStock;
  if (stock != null && (!Number.isInteger(stock) || stock < 0 || stock > MAX_INITIAL_STOCK)) {
    throw new DomainError('INVALID_QUANTITY', `Initial stock must be a whole number from 0 to ${MAX_INITIAL_STOCK}`, [...path, 'initialStock']);
  }
  const variantTitle = input.title == null ? options.map((o) => o.value).join(' / ') || 'Default' : text(input.title, [...path, 'title'], 'Variant title', 1, 200);
  return { sku: input.sku, title: variantTitle, options, priceMinor, compareAtMinor, initialStock: stock ?? null, position };
}

export function validateProductInput(input: ProductInput): NewProduct {
  const product: Omit<NewProduct, 'variants'> = {
    title: title(input.title, ['input', 'title']),
    slug: input.slug == null ? null : slug(input.slug, ['input', 'slug']),
    description: description(input.description, ['input', 'description']),
    brand: brand(input.brand, ['input', 'brand']),
    categoryId: input.categoryId ?? null,
    images: images(input.images, ['input', 'images']),
    status: input.status ?? 'ACTIVE',
  };
  if (input.variants.length < 1 || input.variants.length > MAX_VARIANTS) {
    throw invalid(`A product has 1 to ${MAX_VARIANTS} variants`, ['input', 'variants']);
  }
  const variants = input.variants.map(variant);
  const seen = new Set<string>();
  for (const v of variants) {
    if (seen.has(v.sku)) throw new DomainError('DUPLICATE_SKU', `SKU ${v.sku} appears more than once`, ['input', 'variants', String(v.position), 'sku']);
    seen.add(v.sku);
  }
  return { ...product, variants };
}

export function validateProductUpdate(input: ProductUpdateInput): ProductChanges {
  const changes: ProductChanges = {};
  // A null title, slug or status means "unchanged": they cannot be cleared.
  if (input.title != null) changes.title = title(input.title, ['input', 'title']);
  if (input.slug != null) changes.slug = slug(input.slug, ['input', 'slug']);
  if (input.status != null) changes.status = input.status;
  if (input.description !== undefined) changes.description = description(input.description, ['input', 'description']);
  if (input.brand !== undefined) changes.brand = brand(input.brand, ['input', 'brand']);
  if (input.categoryId !== undefined) changes.categoryId = input.categoryId;
  if (input.images !== undefined) changes.images = images(input.images, ['input', 'images']);
  return changes;
}

export interface VariantChanges {
  priceMinor?: number;
  compareAtMinor?: number | null;
  title?: string;
}

/** A variant update: each given field validated, nothing else touched. */
export function validateVariantUpdate(input: { price?: string | null; compareAtPrice?: string | null; title?: string | null }): VariantChanges {
  const path = ['input'];
  const changes: VariantChanges = {};
  if (input.price != null) changes.priceMinor = price(input.price, [...path, 'price']);
  if (input.compareAtPrice !== undefined) changes.compareAtMinor = input.compareAtPrice === null ? null : price(input.compareAtPrice, [...path, 'compareAtPrice']);
  if (input.title != null) changes.title = text(input.title, [...path, 'title'], 'Variant title', 1, 200);
  if (Object.keys(changes).length === 0) throw invalid('Give at least one of price, compareAtPrice, title', path);
  return changes;
}
