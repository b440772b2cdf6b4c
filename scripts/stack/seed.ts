import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectMongo, createLogger, type Logger } from '@shopcart/kit';
import { createModels as createInventoryModels } from '@shopcart/inventory/model';
import { importCatalog } from '@shopcart/products/importCatalog';
import { createModels as createProductsModels } from '@shopcart/products/model';
import { generateCategories, generateProducts } from './catalog-generator.js';

/**
 * Seeds the demo catalog on an empty database: categories and products in
 * the products database (products' own bulk import), stock in the inventory
 * database (inventory's model). Products' copy of each stock level is the
 * level inventory holds, marked as published, so both sides agree without
 * replaying a stream of events.
 */
export interface SeedOptions {
  mongoUrl: string;
  productsDb?: string;
  inventoryDb?: string;
  size: number;
  seed?: number;
  currency?: string;
  logger?: Logger;
}

export interface SeedResult {
  seeded: boolean;
  products: number;
  variants: number;
  ms: number;
}

const BATCH = 1_000;

export async function seedCatalog(options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const logger = options.logger ?? createLogger('seed', 'error');
  const productsConnection = await connectMongo({ url: options.mongoUrl, dbName: options.productsDb ?? 'shopcart_products', logger });
  const inventoryConnection = await connectMongo({ url: options.mongoUrl, dbName: options.inventoryDb ?? 'shopcart_inventory', logger });
  try {
    const catalog = createProductsModels(productsConnection);
    const inventory = createInventoryModels(inventoryConnection);
    await Promise.all([...Object.values(catalog), ...Object.values(inventory)].map((model) => model.init()));
    if ((await catalog.Product.estimatedDocumentCount()) > 0 || (await catalog.Category.estimatedDocumentCount()) > 0) {
      return { seeded: false, products: 0, variants: 0, ms: Date.now() - started };
    }

    // Inventory's stock is written alongside, batch by batch, as already
    // published at version 1: products starts from the same levels.
    let stockBatch: Record<string, unknown>[] = [];
    const flushStock = async () => {
      if (stockBatch.length > 0) await inventory.Stock.collection.insertMany(stockBatch, { ordered: false });
      stockBatch = [];
    };
    async function* productsWithStock() {
      for (const product of generateProducts(options.size, options.seed ?? 42)) {
        for (const variant of product.variants) {
          stockBatch.push({ sku: variant.sku, available: variant.stock, holdIds: [], version: 1, publishedVersion: 1, needsPublish: false });
        }
        if (stockBatch.length >= BATCH) await flushStock();
        yield product;
      }
      await flushStock();
    }
    const result = await importCatalog(catalog, { categories: generateCategories(), products: productsWithStock() }, { currency: options.currency ?? 'USD' });
    return { seeded: true, products: result.products, variants: result.skus, ms: Date.now() - started };
  } finally {
    await Promise.all([productsConnection.close(), inventoryConnection.close()]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: process.env.SEED_PRODUCTS ?? '2000' },
      seed: { type: 'string', default: '42' },
      'mongo-url': { type: 'string', default: process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27018' },
    },
  });
  const size = Number(values.size);
  if (!Number.isInteger(size) || size < 0) throw new Error('--size must be a whole number');
  const result = await seedCatalog({ mongoUrl: values['mongo-url']!, size, seed: Number(values.seed) });
  process.stdout.write(
    result.seeded
      ? `seeded ${result.products} products (${result.variants} variants) in ${(result.ms / 1000).toFixed(1)}s\n`
      : 'catalog not empty: nothing seeded\n',
  );
}
