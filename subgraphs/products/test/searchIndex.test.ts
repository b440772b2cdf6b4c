import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import type { ProductDoc } from '../src/model.js';
import { SearchIndex } from '../src/searchIndex.js';
import { Vocabulary } from '../src/vocabulary.js';

let revision = 0;
function doc(fields: Partial<ProductDoc>): ProductDoc {
  return {
    _id: new Types.ObjectId(),
    title: 'Thing',
    slug: `thing-${++revision}`,
    description: '',
    brand: null,
    categoryId: null,
    categoryIds: [],
    images: [],
    status: 'ACTIVE',
    currency: 'USD',
    variants: [],
    priceMin: 100,
    priceMax: 100,
    optionPairs: [],
    inStock: true,
    stockSeq: 0,
    revision,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...fields,
  };
}

describe('SearchIndex scoring', () => {
  it('weighs the field and the quality of the match, nothing else', () => {
    const index = new SearchIndex();
    const title = doc({ title: 'Headphones' });
    const brand = doc({ brand: 'Headphones' });
    const description = doc({ description: 'headphones' });
    const prefix = doc({ title: 'Headphonesque' });
    const fuzzy = doc({ title: 'Headphomes' });
    for (const d of [title, brand, description, prefix, fuzzy]) index.upsertProduct(d);
    const scores = index.match(['headphones']);
    expect(scores.get(String(title._id))).toBe(4);
    expect(scores.get(String(brand._id))).toBe(3);
    expect(scores.get(String(description._id))).toBe(1);
    expect(scores.get(String(prefix._id))).toBeCloseTo(3.2);
    expect(scores.get(String(fuzzy._id))).toBe(2);
  });

  it('gives a product the same score however large the catalog grows', () => {
    const index = new SearchIndex();
    const target = doc({ title: 'Red Kettle', description: 'kettle for tea' });
    index.upsertProduct(target);
    const before = index.match(['red', 'kettle']).get(String(target._id));
    for (let i = 0; i < 500; i += 1) index.upsertProduct(doc({ title: `Kettle ${i}`, description: 'red red red kettle' }));
    expect(index.match(['red', 'kettle']).get(String(target._id))).toBe(before);
    expect(before).toBe(8);
  });

  it('ignores documents older than what it holds, and re-indexes text that changed', () => {
    const index = new SearchIndex();
    const v1 = doc({ title: 'Walnut Desk', revision: 10 });
    index.upsertProduct(v1);
    expect(index.upsertProduct({ ...v1, title: 'Oak Desk', revision: 9 })).toBe(false);
    expect(index.upsertProduct({ ...v1, title: 'Oak Desk', revision: 11 })).toBe(true);
    expect(index.match(['oak']).has(String(v1._id))).toBe(true);
    expect(index.match(['walnut']).size).toBe(0);
    expect(index.productIdForSlug(v1.slug)).toBe(String(v1._id));
  });

  it('tokenizes queries the way it indexes text', () => {
    expect(SearchIndex.terms('  Café-Crème  CAFÉ ')).toEqual(['cafe', 'creme']);
    expect(SearchIndex.terms('')).toEqual([]);
  });
});

describe('SearchIndex fuzzy matching', () => {
  /** An index holding one product titled with a made-up word of `length` letters, and that word with a typo in it. */
  function longWord(length: number) {
    const word = 'abcdefghijklmnopqrstuvwxyz'.repeat(4).slice(0, length);
    const product = doc({ title: `The ${word}` });
    const index = new SearchIndex();
    index.upsertProduct(product);
    return { index, id: String(product._id), word, typo: `${word.slice(0, 10)}q${word.slice(11)}` };
  }

  it('forgives a typo in a word of up to 32 characters', () => {
    const { index, id, typo } = longWord(32);
    expect(index.match([typo]).get(id)).toBe(2);
  });

  it('matches a longer word exactly or by prefix, never fuzzily', () => {
    const { index, id, word, typo } = longWord(40);
    expect(index.match([typo]).size).toBe(0);
    expect(index.match([word]).get(id)).toBe(4);
    expect(index.match([word.slice(0, 36)]).get(id)).toBeCloseTo(3.2);
  });

  it('spends next to nothing on a word of any length', () => {
    // Fuzzy matching used to allocate (length + 1) x (length + 7) bytes for it: 10 GB at 100 KB.
    const { index, word } = longWord(40);
    const started = performance.now();
    expect(index.match([word.repeat(2_500)]).size).toBe(0);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('Vocabulary', () => {
  it('groups values case-insensitively and shows the most common spelling, then the smallest', () => {
    const words = new Vocabulary();
    const id = words.add('sony');
    expect(words.add('Sony')).toBe(id);
    expect(words.display(id)).toBe('Sony');
    words.add('sony');
    expect(words.display(id)).toBe('sony');
    words.remove('sony');
    words.remove('sony');
    expect(words.display(id)).toBe('Sony');
    expect(words.idOf('SONY')).toBe(id);
    expect(words.idOf('acme')).toBe(-1);
  });
});
