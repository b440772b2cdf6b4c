import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, PRODUCT_FIELDS, SEARCH, startProductsPlatform, type ProductsPlatform } from './support.js';

let p: ProductsPlatform;
beforeAll(async () => {
  p = await startProductsPlatform();
});
afterAll(async () => {
  await p?.platform.stop();
});

const UPDATE_VARIANT = `mutation U($id: ID!, $input: VariantUpdateInput!) {
  updateVariant(id: $id, input: $input) { product { ${PRODUCT_FIELDS} } userErrors { code field message } }
}`;

describe('updateVariant (admin)', () => {
  it('changes a price, the price range and search at once', async () => {
    const product = await createProduct(p, { title: 'Repriced Lamp' }, [{ price: '20.00' }, { price: '30.00' }]);
    const [cheap] = product.variants;
    const r = await p.admin(UPDATE_VARIANT, { id: cheap.id, input: { price: '35.50', compareAtPrice: '40.00', title: 'Brass' } });
    expect(r.data.updateVariant.userErrors).toEqual([]);
    const updated = r.data.updateVariant.product;
    expect(updated.variants[0]).toMatchObject({ id: cheap.id, title: 'Brass', price: { amount: '35.50' }, compareAtPrice: { amount: '40.00' } });
    expect(updated.priceRange).toMatchObject({ min: { amount: '30.00' }, max: { amount: '35.50' } });
    const search = await p.anonymous(SEARCH, { query: 'Repriced Lamp', first: 5 });
    expect(search.data.products.nodes[0].priceRange).toEqual({ min: { amount: '30.00' }, max: { amount: '35.50' } });
    const cleared = await p.admin(UPDATE_VARIANT, { id: cheap.id, input: { compareAtPrice: null } });
    expect(cleared.data.updateVariant.product.variants[0].compareAtPrice).toBeNull();
  });

  it('rejects bad input with a clear code and changes nothing', async () => {
    const product = await createProduct(p, { title: 'Steady Lamp' }, [{ price: '20.00' }]);
    const id = product.variants[0].id;
    for (const [input, code, field] of [
      [{ price: '-1.00' }, 'INVALID_PRICE', ['input', 'price']],
      [{ price: '1.999' }, 'INVALID_PRICE', ['input', 'price']],
      [{ compareAtPrice: 'free' }, 'INVALID_PRICE', ['input', 'compareAtPrice']],
      [{}, 'INVALID_INPUT', ['input']],
    ] as const) {
      const r = await p.admin(UPDATE_VARIANT, { id, input });
      expect(r.data.updateVariant).toEqual({ product: null, userErrors: [expect.objectContaining({ code, field })] });
    }
    const missing = await p.admin(UPDATE_VARIANT, { id: '000000000000000000000000', input: { price: '1.00' } });
    expect(missing.data.updateVariant.userErrors[0].code).toBe('NOT_FOUND');
    const read = await p.anonymous(`query($id: ID) { product(id: $id) { variants { price { amount } compareAtPrice { amount } title } } }`, { id: product.id });
    expect(read.data.product.variants).toEqual([{ price: { amount: '20.00' }, compareAtPrice: null, title: product.variants[0].title }]);
  });

  it('is for admins only', async () => {
    const product = await createProduct(p, { title: 'Guarded Lamp' }, [{ price: '20.00' }]);
    const r = await p.customer(UPDATE_VARIANT, { id: product.variants[0].id, input: { price: '1.00' } });
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anon = await p.anonymous(UPDATE_VARIANT, { id: product.variants[0].id, input: { price: '1.00' } });
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
