import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUERY_LENGTH, MAX_QUERY_TERMS } from '../src/search.js';
import { SEARCH, createCategory, createProduct, startProductsPlatform, type ProductsPlatform } from './support.js';

let p: ProductsPlatform;
/** Products by short name, created in this order (so NEWEST is the reverse). */
const ids: Record<string, string> = {};
const nameOf = (id: string) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? id;

const black = [{ name: 'color', value: 'black' }];

beforeAll(async () => {
  p = await startProductsPlatform();
  const electronics = await createCategory(p, { name: 'Electronics' });
  const audio = await createCategory(p, { name: 'Audio', parentId: electronics.id });
  const headphones = await createCategory(p, { name: 'Headphones', parentId: audio.id });
  const home = await createCategory(p, { name: 'Home' });
  const kitchen = await createCategory(p, { name: 'Kitchen', parentId: home.id });
  const make = async (name: string, overrides: Record<string, unknown>, variants: Array<Record<string, unknown>>) => {
    ids[name] = (await createProduct(p, overrides, variants)).id;
  };
  await make('studio', { title: 'Studio Headphones', brand: 'Sonic', categoryId: headphones.id, description: 'Closed-back monitoring.' }, [
    { price: '199.00', initialStock: 5, options: black },
    { price: '219.00', initialStock: 5, options: [{ name: 'color', value: 'white' }] },
  ]);
  await make('stand', { title: 'Headphone Stand', brand: 'Deskly', categoryId: audio.id, description: 'Aluminium.' }, [{ price: '25', initialStock: 0 }]);
  await make('speaker', { title: 'Bluetooth Speaker', brand: 'Sonic', categoryId: audio.id, description: 'Pairs well with headphones.' }, [
    { price: '49.99', initialStock: 3, options: [{ name: 'color', value: 'red' }] },
  ]);
  await make('mug', { title: 'Coffee Mug', brand: 'Homely', categoryId: kitchen.id, description: 'Stoneware.' }, [
    { price: '8.50', initialStock: 10, options: [{ name: 'color', value: 'red' }] },
    { price: '9.50', initialStock: 10, options: [{ name: 'color', value: 'blue' }] },
  ]);
  await make('travel', { title: 'travel mug', brand: 'homely', categoryId: kitchen.id, description: 'Keeps coffee hot.' }, [
    { price: '12', initialStock: 2, options: [{ name: 'Color', value: 'Blue' }] },
  ]);
  await make('earbuds', { title: 'Noise Cancelling Earbuds', brand: 'Sonic', categoryId: headphones.id, description: 'Small.' }, [{ price: '149', initialStock: 1, options: black }]);
  await make('plush', { title: 'aardvark plush', description: 'Soft toy.' }, [{ price: '250', initialStock: 1 }]);
});
afterAll(async () => p?.platform.stop());

async function search(variables: Record<string, unknown>) {
  const r = await p.anonymous(SEARCH, { first: 50, ...variables });
  expect(r.errors).toBeUndefined();
  return r.data.products as { totalCount: number; nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null }; facets: Array<{ name: string; values: Array<{ value: string; count: number }> }> };
}
const names = async (variables: Record<string, unknown>) => (await search(variables)).nodes.map((n) => nameOf(n.id));
const sortedNames = async (variables: Record<string, unknown>) => (await names(variables)).sort();
const byId = (...list: string[]) => [...list].sort((a, b) => (ids[a]! < ids[b]! ? -1 : 1));

async function errorCode(variables: Record<string, unknown>, direct = false): Promise<unknown> {
  const r = direct ? await p.direct({}, SEARCH, variables) : await p.anonymous(SEARCH, variables);
  return r.errors?.[0]?.extensions?.code;
}

describe('matching and relevance', () => {
  it('ranks a title match above category and fuzzy title matches, and a description match last', async () => {
    expect(await names({ query: 'headphones' })).toEqual(['studio', ...byId('stand', 'earbuds'), 'speaker']);
  });

  it('tolerates a typo: "hedphones" finds the headphones', async () => {
    const found = await names({ query: 'hedphones' });
    expect(found[0]).toBe('studio');
    expect(found).toContain('earbuds');
    expect(found).not.toContain('mug');
  });

  it('matches word prefixes: "head" finds the headphones and the stand', async () => {
    const found = await names({ query: 'head' });
    expect(found.slice(0, 2)).toEqual(byId('studio', 'stand'));
    expect(found).toContain('earbuds');
    expect(await names({ query: 'blue' })).toEqual(['speaker']);
  });

  it('requires every word, and falls back to any word when no product has all', async () => {
    expect(await names({ query: 'sonic headphones' })).toEqual(['studio', 'earbuds', 'speaker']);
    expect(await names({ query: 'sonic mug' })).toEqual([...byId('mug', 'travel'), ...byId('studio', 'speaker', 'earbuds')]);
    expect(await names({ query: 'zebra' })).toEqual([]);
  });

  it('scores the same however many other products match', async () => {
    const before = await search({ query: 'headphones', first: 1 });
    await createProduct(p, { title: 'Headphones Cable', status: 'DRAFT', description: 'headphones headphones headphones' });
    const after = await search({ query: 'headphones', first: 1 });
    expect(after.pageInfo.endCursor).toBe(before.pageInfo.endCursor);
  });
});

describe('filters', () => {
  it.each([
    [{ categorySlug: 'audio' }, ['earbuds', 'speaker', 'stand', 'studio']],
    [{ categorySlug: 'electronics' }, ['earbuds', 'speaker', 'stand', 'studio']],
    [{ categorySlug: 'headphones' }, ['earbuds', 'studio']],
    [{ categorySlug: 'no-such-category' }, []],
    [{ brands: ['SONIC'] }, ['earbuds', 'speaker', 'studio']],
    [{ brands: ['homely', 'Deskly'] }, ['mug', 'stand', 'travel']],
    [{ brands: ['Nobody'] }, []],
    [{ minPrice: '200' }, ['plush', 'studio']],
    [{ minPrice: '219.00', maxPrice: '219' }, ['studio']],
    [{ minPrice: '219.01' }, ['plush']],
    [{ maxPrice: '8.5' }, ['mug']],
    [{ maxPrice: '8.49' }, []],
    [{ inStock: false }, ['stand']],
    [{ inStock: true, categorySlug: 'audio' }, ['earbuds', 'speaker', 'studio']],
    [{ options: [{ name: 'color', values: ['red'] }] }, ['mug', 'speaker']],
    [{ options: [{ name: 'color', values: ['red', 'black'] }] }, ['earbuds', 'mug', 'speaker', 'studio']],
    [{ options: [{ name: 'COLOR', values: ['BLUE'] }] }, ['mug', 'travel']],
    [{ options: [{ name: 'color', values: ['black'] }], brands: ['sonic'] }, ['earbuds', 'studio']],
    [{ options: [{ name: 'size', values: ['XL'] }] }, []],
  ])('%j', async (filter, expected) => {
    const result = await search({ filter });
    expect(result.nodes.map((n) => nameOf(n.id)).sort()).toEqual(expected);
    expect(result.totalCount).toBe(expected.length);
  });

  it('combines a filter with a query', async () => {
    expect(await sortedNames({ query: 'mug', filter: { maxPrice: '10' } })).toEqual(['mug']);
  });
});

describe('sorting', () => {
  it.each([
    ['PRICE_ASC', ['mug', 'travel', 'stand', 'speaker', 'earbuds', 'studio', 'plush']],
    ['PRICE_DESC', ['plush', 'studio', 'earbuds', 'speaker', 'stand', 'travel', 'mug']],
    ['NEWEST', ['plush', 'earbuds', 'travel', 'mug', 'speaker', 'stand', 'studio']],
    ['RELEVANCE', ['plush', 'earbuds', 'travel', 'mug', 'speaker', 'stand', 'studio']],
    ['TITLE_ASC', ['plush', 'speaker', 'mug', 'stand', 'earbuds', 'studio', 'travel']],
  ])('%s', async (sort, expected) => {
    expect(await names({ sort })).toEqual(expected);
  });

  it('breaks ties on the id', async () => {
    // stand and earbuds score the same for "headphones".
    const found = await names({ query: 'headphones' });
    expect(found.slice(1, 3)).toEqual(byId('stand', 'earbuds'));
  });
});

describe('facets', () => {
  it('count the whole filtered result, most common first', async () => {
    const { facets, nodes } = await search({ first: 1 });
    expect(nodes).toHaveLength(1);
    expect(facets).toEqual([
      { name: 'brand', values: [{ value: 'Sonic', count: 3 }, { value: 'Homely', count: 2 }, { value: 'Deskly', count: 1 }] },
      { name: 'category', values: [{ value: 'audio', count: 2 }, { value: 'headphones', count: 2 }, { value: 'kitchen', count: 2 }] },
      { name: 'price', values: [{ value: '0-25', count: 2 }, { value: '100-250', count: 2 }, { value: '25-50', count: 2 }, { value: '250+', count: 1 }] },
      { name: 'color', values: [{ value: 'Blue', count: 2 }, { value: 'black', count: 2 }, { value: 'red', count: 2 }, { value: 'white', count: 1 }] },
    ]);
  });

  it('are counted when asked for through a fragment, and a page without them is the same page', async () => {
    const query = `query ($first: Int) { products(first: $first) { ...Page } }
      fragment Page on ProductConnection { totalCount nodes { id } ... on ProductConnection { facets { name values { value count } } } }`;
    const withFacets = await p.anonymous(query, { first: 3 });
    expect(withFacets.errors).toBeUndefined();
    expect(withFacets.data.products.facets.find((f: { name: string }) => f.name === 'brand').values[0]).toEqual({ value: 'Sonic', count: 3 });
    const plain = await p.anonymous('query ($first: Int) { products(first: $first) { totalCount nodes { id } } }', { first: 3 });
    expect(plain.errors).toBeUndefined();
    expect(plain.data.products).toEqual({ totalCount: withFacets.data.products.totalCount, nodes: withFacets.data.products.nodes });
  });

  it('follow the filter', async () => {
    const { facets } = await search({ filter: { brands: ['sonic'] } });
    expect(facets.find((f) => f.name === 'brand')?.values).toEqual([{ value: 'Sonic', count: 3 }]);
    expect(facets.find((f) => f.name === 'color')?.values).toEqual([{ value: 'black', count: 2 }, { value: 'red', count: 1 }, { value: 'white', count: 1 }]);
  });
});

describe('bad input', () => {
  it('refuses first above 100 or below 0, at the router and in the subgraph', async () => {
    expect(await errorCode({ first: 101 })).toBe('BAD_USER_INPUT');
    expect(await errorCode({ first: 101 }, true)).toBe('BAD_USER_INPUT');
    expect(await errorCode({ first: -1 }, true)).toBe('BAD_USER_INPUT');
  });

  it('refuses malformed cursors and cursors of another sort, query or filter', async () => {
    const { pageInfo } = await search({ sort: 'PRICE_ASC', first: 2, query: 'mug' });
    expect(await errorCode({ sort: 'PRICE_ASC', first: 2, query: 'mug', after: 'garbage' })).toBe('BAD_USER_INPUT');
    expect(await errorCode({ sort: 'PRICE_ASC', first: 2, query: 'mug', after: Buffer.from('{"v":1}').toString('base64url') })).toBe('BAD_USER_INPUT');
    expect(await errorCode({ sort: 'NEWEST', first: 2, query: 'mug', after: pageInfo.endCursor })).toBe('BAD_USER_INPUT');
    expect(await errorCode({ sort: 'PRICE_ASC', first: 2, query: 'lamp', after: pageInfo.endCursor })).toBe('BAD_USER_INPUT');
    expect(await errorCode({ sort: 'PRICE_ASC', first: 2, query: 'mug', filter: { inStock: true }, after: pageInfo.endCursor })).toBe('BAD_USER_INPUT');
    expect(await errorCode({ sort: 'PRICE_ASC', first: 2, query: ' MUG ', after: pageInfo.endCursor })).toBeUndefined();
  });

  it('refuses a query over its length or word cap, naming the argument', async () => {
    const tooManyWords = Array.from({ length: MAX_QUERY_TERMS + 1 }, (_, i) => `word${i}`).join(' ');
    for (const [query, message] of [
      ['a'.repeat(MAX_QUERY_LENGTH + 1), `query must be at most ${MAX_QUERY_LENGTH} characters`],
      [tooManyWords, `query must have at most ${MAX_QUERY_TERMS} different words`],
    ]) {
      const r = await p.anonymous(SEARCH, { query });
      expect(r.status).toBe(200);
      expect(r.data).toBeNull();
      expect(r.errors).toEqual([{ message, path: ['products'], extensions: { code: 'BAD_USER_INPUT', field: ['query'] } }]);
    }
  });

  it('answers a query at its caps, ranking as without the extra words', async () => {
    expect((await search({ query: 'a'.repeat(MAX_QUERY_LENGTH) })).nodes).toEqual([]);
    // Repeated words count once.
    expect(await names({ query: 'mug '.repeat(MAX_QUERY_TERMS + 1) })).toEqual(await names({ query: 'mug' }));
    const words = ['headphones', ...Array.from({ length: MAX_QUERY_TERMS - 1 }, (_, i) => `word${i}`)];
    expect(await names({ query: words.join(' ') })).toEqual(await names({ query: 'headphones' }));
  });

  it.each([
    [{ minPrice: '10', maxPrice: '5' }],
    [{ minPrice: '12.345' }],
    [{ maxPrice: '-5' }],
    [{ maxPrice: 'cheap' }],
  ])('refuses the price filter %j', async (filter) => {
    expect(await errorCode({ filter })).toBe('BAD_USER_INPUT');
  });
});

describe('pagination', () => {
  async function allPages(variables: Record<string, unknown>, between?: (page: number) => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const result = await search({ ...variables, after });
      seen.push(...result.nodes.map((n) => nameOf(n.id)));
      if (!result.pageInfo.hasNextPage) return seen;
      after = result.pageInfo.endCursor;
      await between?.(page);
    }
    throw new Error('too many pages');
  }

  it('walks every sort page by page without gaps or repeats', async () => {
    for (const sort of ['PRICE_ASC', 'PRICE_DESC', 'NEWEST', 'TITLE_ASC']) {
      expect(await allPages({ sort, first: 2 })).toEqual(await names({ sort }));
    }
    expect(await allPages({ query: 'headphones', first: 1 })).toEqual(await names({ query: 'headphones' }));
  });

  it('answers first: 0 with no edges and whether there is more', async () => {
    const result = await search({ first: 0 });
    expect(result.nodes).toEqual([]);
    expect(result.pageInfo.hasNextPage).toBe(true);
    expect(result.totalCount).toBe(7);
  });

  it('neither repeats nor skips when products are added between pages', async () => {
    const expected = await names({ sort: 'PRICE_ASC' });
    const walked = await allPages({ sort: 'PRICE_ASC', first: 3 }, async (page) => {
      if (page !== 0) return;
      // One sorts before the first page's end, one after it.
      ids.sticker = (await createProduct(p, { title: 'Cheap Sticker' }, [{ price: '0.50' }])).id;
      ids.lamp = (await createProduct(p, { title: 'Middle Lamp' }, [{ price: '100' }])).id;
    });
    expect(walked).toEqual([...expected.slice(0, 4), 'lamp', ...expected.slice(4)]);
    expect(new Set(walked).size).toBe(walked.length);
  });
});
