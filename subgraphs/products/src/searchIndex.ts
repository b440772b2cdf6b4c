import { createHash } from 'node:crypto';
import MiniSearch from 'minisearch';
import { priceBucketOf } from './facets.js';
import type { CategoryDoc, ProductDoc, ProductStatus } from './model.js';
import { Vocabulary } from './vocabulary.js';

/**
 * The catalog as each products replica holds it in memory: one small entry
 * per product (no description, no images) for filters, facets and sorting
 * over plain arrays, a MiniSearch index for matching text, and the stored
 * documents themselves, so pages and entity references are answered
 * without a database round trip (on FerretDB v1 an `_id $in` lookup reads
 * the whole collection: 8 s at 100k products). Built from
 * MongoDB at start and kept current by catalogSync.ts; every update carries
 * the document's revision, so applying changes twice or out of order is safe.
 */

export interface IndexedCategory {
  id: string;
  slug: string;
  name: string;
  parentId: string | null;
  ancestorIds: string[];
  revision: number;
}

export interface IndexedProduct {
  id: string;
  revision: number;
  status: ProductStatus;
  slug: string;
  title: string;
  /** Lower-cased title: TITLE_ASC compares these. */
  titleKey: string;
  brand: string | null;
  brandId: number;
  categoryId: string | null;
  categoryIds: string[];
  priceMin: number;
  priceMax: number;
  currency: string;
  priceBucket: number;
  createdAt: number;
  inStock: boolean;
  /** Interned "name=value" keys of the variants' options, one per distinct key. */
  optionIds: number[];
  optionSpellings: string[];
  variantIds: string[];
  textHash: string;
}

// Relevance must not depend on corpus statistics (BM25's IDF shifts as
// products are added, reordering pages and breaking cursors), so only which
// field matched and how well count: per query term the best field weight x
// match quality, summed over terms.
const FIELD_WEIGHTS: Record<string, number> = { title: 4, brand: 3, category: 2, description: 1 };
const EXACT = 1;
const PREFIX = 0.8;
const FUZZY = 0.5;
// MiniSearch's fuzzy walk allocates its Levenshtein matrix up front, (length + 1) x
// (length + 1 + distance) bytes, so one 30 KB word took a gigabyte. No typo worth finding
// is that long: longer terms match exactly or by prefix only, which keeps the matrix under
// 1.3 KB and the edits allowed (0.2 per character) at 6, the band computed per letter at 13.
const MAX_FUZZY_TERM_LENGTH = 32;

function normalizeTerm(term: string): string | null {
  const normalized = term.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  return normalized.length > 0 ? normalized : null;
}

const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];

function createTextIndex(): MiniSearch {
  return new MiniSearch({ idField: 'id', fields: ['title', 'brand', 'category', 'description'], storeFields: [], processTerm: normalizeTerm });
}

/** What resolvers read of a product: everything but bookkeeping only writers use. */
function slim(doc: ProductDoc): ProductDoc {
  const { __v: _version, ...kept } = doc as ProductDoc & { __v?: number };
  return kept;
}

class IndexState {
  products = new Map<string, IndexedProduct>();
  /** The stored documents behind `products`, at the same revision; shared by every request, so read-only. */
  documents = new Map<string, ProductDoc>();
  productBySku = new Map<string, string>();
  categories = new Map<string, IndexedCategory>();
  categoryDocuments = new Map<string, CategoryDoc>();
  categoryBySlug = new Map<string, string>();
  productBySlug = new Map<string, string>();
  productByVariant = new Map<string, string>();
  /** Category id -> the products filed under it or a descendant: a category page scans these, not the catalog. */
  byCategory = new Map<string, Map<string, IndexedProduct>>();
  brands = new Vocabulary();
  optionNames = new Vocabulary();
  optionPairs = new Vocabulary();
  /** Option pair id -> option name id. */
  pairName: number[] = [];
  text = createTextIndex();
  /** Products indexed before one of their categories was known: their category text is incomplete. */
  unresolved = new Set<string>();
}

export class SearchIndex {
  private state = new IndexState();

  /** Query text as the index sees it: normalized, distinct words. */
  static terms(query: string | null | undefined): string[] {
    if (!query) return [];
    const terms = tokenize(query).map(normalizeTerm).filter((t): t is string => t !== null);
    return [...new Set(terms)];
  }

  get size(): number {
    return this.state.products.size;
  }

  /** Takes over everything another index holds (a full reload built beside this one). */
  replaceWith(other: SearchIndex): void {
    this.state = other.state;
  }

  entries(): IterableIterator<IndexedProduct> {
    return this.state.products.values();
  }

  /** The products filed under a category or any of its descendants. */
  inCategory(categoryId: string): IterableIterator<IndexedProduct> {
    return (this.state.byCategory.get(categoryId) ?? new Map<string, IndexedProduct>()).values();
  }

  product(id: string): IndexedProduct | undefined {
    return this.state.products.get(id);
  }

  productIdForSlug(slug: string): string | undefined {
    return this.state.productBySlug.get(slug);
  }

  productIdForVariant(variantId: string): string | undefined {
    return this.state.productByVariant.get(variantId);
  }

  productIdForSku(sku: string): string | undefined {
    return this.state.productBySku.get(sku);
  }

  /** The stored product at the revision the index holds; undefined until this replica has it. */
  document(id: string): ProductDoc | undefined {
    return this.state.documents.get(id);
  }

  categoryDocument(id: string): CategoryDoc | undefined {
    return this.state.categoryDocuments.get(id);
  }

  category(id: string): IndexedCategory | undefined {
    return this.state.categories.get(id);
  }

  categoryBySlug(slug: string): IndexedCategory | undefined {
    const id = this.state.categoryBySlug.get(slug);
    return id === undefined ? undefined : this.state.categories.get(id);
  }

  get brands(): Vocabulary {
    return this.state.brands;
  }

  get optionNames(): Vocabulary {
    return this.state.optionNames;
  }

  get optionPairs(): Vocabulary {
    return this.state.optionPairs;
  }

  optionNameOfPair(pairId: number): number {
    return this.state.pairName[pairId] ?? -1;
  }

  revisionOf(id: string): number {
    return this.state.products.get(id)?.revision ?? 0;
  }

  categoryRevisionOf(id: string): number {
    return this.state.categories.get(id)?.revision ?? 0;
  }

  upsertCategory(doc: CategoryDoc): boolean {
    const id = String(doc._id);
    const { categories, categoryBySlug } = this.state;
    const old = categories.get(id);
    if (old && old.revision >= doc.revision) return false;
    if (old) categoryBySlug.delete(old.slug);
    categories.set(id, {
      id,
      slug: doc.slug,
      name: doc.name,
      parentId: doc.parentId ? String(doc.parentId) : null,
      ancestorIds: doc.ancestorIds.map(String),
      revision: doc.revision,
    });
    categoryBySlug.set(doc.slug, id);
    this.state.categoryDocuments.set(id, doc);
    return true;
  }

  /** Products whose category text can now be completed; the caller re-reads and re-upserts them with `force`. */
  resolvableProducts(): string[] {
    const ready: string[] = [];
    for (const id of this.state.unresolved) {
      const entry = this.state.products.get(id);
      if (!entry || entry.categoryIds.every((c) => this.state.categories.has(c))) ready.push(id);
    }
    return ready;
  }

  /** Applies a product document unless the index already holds this revision or a newer one. */
  upsertProduct(doc: ProductDoc, options: { force?: boolean } = {}): boolean {
    const id = String(doc._id);
    const state = this.state;
    const old = state.products.get(id);
    if (old && (old.revision > doc.revision || (old.revision === doc.revision && !options.force))) return false;

    const categoryIds = doc.categoryIds.map(String);
    const categoryNames = categoryIds.map((c) => state.categories.get(c)?.name);
    const categoryText = categoryNames.filter(Boolean).join(' ');
    if (categoryNames.includes(undefined)) state.unresolved.add(id);
    else state.unresolved.delete(id);
    const textHash = createHash('sha1').update(JSON.stringify([doc.title, doc.brand, categoryText, doc.description])).digest('base64');

    const optionSpellings = [...new Map(doc.optionPairs.map((pair) => [Vocabulary.keyOf(pair), pair])).values()];
    const entry: IndexedProduct = {
      id,
      revision: doc.revision,
      status: doc.status,
      slug: doc.slug,
      title: doc.title,
      titleKey: doc.title.toLowerCase(),
      brand: doc.brand,
      brandId: doc.brand ? state.brands.add(doc.brand) : -1,
      categoryId: doc.categoryId ? String(doc.categoryId) : null,
      categoryIds,
      priceMin: doc.priceMin,
      priceMax: doc.priceMax,
      currency: doc.currency,
      priceBucket: priceBucketOf(doc.priceMin),
      createdAt: new Date(doc.createdAt).getTime(),
      inStock: doc.inStock,
      optionIds: optionSpellings.map((pair) => {
        const pairId = state.optionPairs.add(pair);
        state.pairName[pairId] = state.optionNames.add(pair.slice(0, pair.indexOf('=')));
        return pairId;
      }),
      optionSpellings,
      variantIds: doc.variants.map((v) => String(v._id)),
      textHash,
    };

    if (old) {
      if (old.brand) state.brands.remove(old.brand);
      for (const pair of old.optionSpellings) {
        state.optionPairs.remove(pair);
        state.optionNames.remove(pair.slice(0, pair.indexOf('=')));
      }
      if (state.productBySlug.get(old.slug) === id) state.productBySlug.delete(old.slug);
      for (const variantId of old.variantIds) state.productByVariant.delete(variantId);
      for (const variant of state.documents.get(id)?.variants ?? []) if (state.productBySku.get(variant.sku) === id) state.productBySku.delete(variant.sku);
      for (const categoryId of old.categoryIds) state.byCategory.get(categoryId)?.delete(id);
    }
    for (const categoryId of categoryIds) {
      let members = state.byCategory.get(categoryId);
      if (!members) state.byCategory.set(categoryId, (members = new Map()));
      members.set(id, entry);
    }
    state.productBySlug.set(entry.slug, id);
    for (const variantId of entry.variantIds) state.productByVariant.set(variantId, id);
    for (const variant of doc.variants) state.productBySku.set(variant.sku, id);
    state.products.set(id, entry);
    state.documents.set(id, slim(doc));

    // Stock and status changes leave the text alone: skip re-indexing it.
    if (!old || old.textHash !== textHash) {
      const text = { id, title: doc.title, brand: doc.brand ?? '', category: categoryText, description: doc.description ?? '' };
      if (old) state.text.replace(text);
      else state.text.add(text);
    }
    return true;
  }

  /**
   * Products matching every term (or, when no product matches all of them,
   * any term), with a score that depends only on the product and the query.
   */
  match(terms: string[]): Map<string, number> {
    const perTerm = terms.map((term) => this.matchTerm(term));
    if (perTerm.length === 0) return new Map();
    const [smallest, ...rest] = [...perTerm].sort((a, b) => a.size - b.size);
    const all = new Map<string, number>();
    for (const [id, score] of smallest!) {
      let total = score;
      let everywhere = true;
      for (const other of rest) {
        const s = other.get(id);
        if (s === undefined) {
          everywhere = false;
          break;
        }
        total += s;
      }
      if (everywhere) all.set(id, total);
    }
    if (all.size > 0 || perTerm.length === 1) return all;
    const any = new Map<string, number>();
    for (const scores of perTerm) for (const [id, s] of scores) any.set(id, (any.get(id) ?? 0) + s);
    return any;
  }

  private matchTerm(term: string): Map<string, number> {
    const scores = new Map<string, number>();
    // A one-letter prefix expands to most of the vocabulary (0.4 s at 100k products): exact only.
    const fuzzy = term.length >= 4 && term.length <= MAX_FUZZY_TERM_LENGTH ? 0.2 : false;
    const results = this.state.text.search(term, { prefix: term.length >= 2, fuzzy, combineWith: 'OR' });
    for (const result of results) {
      let best = 0;
      for (const [docTerm, fields] of Object.entries(result.match)) {
        const quality = docTerm === term ? EXACT : docTerm.startsWith(term) ? PREFIX : FUZZY;
        for (const field of fields) best = Math.max(best, (FIELD_WEIGHTS[field] ?? 0) * quality);
      }
      scores.set(String(result.id), best);
    }
    return scores;
  }
}
