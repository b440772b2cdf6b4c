import { Faker, en } from '@faker-js/faker';

/**
 * A deterministic demo catalog: the same seed and size always give the same
 * categories, products, variants, prices and stock, so demos, tests and
 * benchmarks are reproducible.
 */

export interface SeedCategory {
  slug: string;
  name: string;
  parentSlug: string | null;
}

export interface SeedVariant {
  sku: string;
  title: string;
  options: Array<{ name: string; value: string }>;
  priceMinor: number;
  compareAtMinor: number | null;
  stock: number;
}

export interface SeedProduct {
  title: string;
  slug: string;
  description: string;
  brand: string;
  categorySlug: string;
  images: Array<{ url: string; altText: string }>;
  status: 'ACTIVE' | 'DRAFT' | 'ARCHIVED';
  createdAt: Date;
  variants: SeedVariant[];
}

interface Department {
  name: string;
  options: Record<string, string[]>;
  /** Price range in whole currency units. */
  price: [number, number];
  children: Record<string, string[]>;
}

const SIZES = ['XS', 'S', 'M', 'L', 'XL'];
const COLORS = ['black', 'white', 'red', 'blue', 'green', 'grey', 'navy', 'beige'];

// Three levels: department > category > leaf.
const DEPARTMENTS: Department[] = [
  { name: 'Electronics', options: { color: ['black', 'white', 'silver', 'blue'], storage: ['64GB', '128GB', '256GB', '512GB'] }, price: [20, 1500], children: { 'Audio': ['Headphones', 'Speakers', 'Earbuds'], 'Computers': ['Laptops', 'Monitors', 'Keyboards'], 'Phones': ['Smartphones', 'Cases', 'Chargers'] } },
  { name: 'Fashion', options: { color: COLORS, size: SIZES }, price: [10, 300], children: { 'Men': ['Shirts', 'Jackets', 'Trousers'], 'Women': ['Dresses', 'Tops', 'Skirts'], 'Shoes': ['Sneakers', 'Boots', 'Sandals'] } },
  { name: 'Home & Kitchen', options: { color: COLORS, material: ['steel', 'wood', 'ceramic', 'glass'] }, price: [5, 600], children: { 'Kitchen': ['Cookware', 'Knives', 'Small Appliances'], 'Furniture': ['Chairs', 'Tables', 'Shelves'], 'Decor': ['Lamps', 'Rugs', 'Cushions'] } },
  { name: 'Sports & Outdoors', options: { color: COLORS, size: SIZES }, price: [8, 900], children: { 'Fitness': ['Yoga', 'Weights', 'Cardio'], 'Camping': ['Tents', 'Sleeping Bags', 'Backpacks'], 'Cycling': ['Bikes', 'Helmets', 'Bike Lights'] } },
  { name: 'Beauty', options: { size: ['30ml', '50ml', '100ml', '200ml'], scent: ['unscented', 'citrus', 'lavender', 'rose'] }, price: [4, 150], children: { 'Skincare': ['Moisturisers', 'Cleansers', 'Serums'], 'Hair': ['Shampoo', 'Conditioner', 'Styling'], 'Fragrance': ['Perfume', 'Cologne', 'Body Mist'] } },
  { name: 'Toys & Games', options: { color: COLORS, age: ['3+', '6+', '8+', '12+'] }, price: [5, 250], children: { 'Board Games': ['Strategy', 'Family', 'Party'], 'Building': ['Blocks', 'Models', 'Robotics'], 'Outdoor Play': ['Balls', 'Scooters', 'Water Toys'] } },
];

export function slugOf(text: string): string {
  return text.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function generateCategories(): SeedCategory[] {
  const categories: SeedCategory[] = [];
  for (const dept of DEPARTMENTS) {
    const deptSlug = slugOf(dept.name);
    categories.push({ slug: deptSlug, name: dept.name, parentSlug: null });
    for (const [child, leaves] of Object.entries(dept.children)) {
      const childSlug = `${deptSlug}-${slugOf(child)}`;
      categories.push({ slug: childSlug, name: child, parentSlug: deptSlug });
      for (const leaf of leaves) categories.push({ slug: `${childSlug}-${slugOf(leaf)}`, name: leaf, parentSlug: childSlug });
    }
  }
  return categories;
}

/** Generates products in order; index i is always the same product for a given seed. */
export function* generateProducts(size: number, seed = 42, now = new Date('2026-11-01T00:00:00Z')): Generator<SeedProduct> {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  const brands = Array.from({ length: 80 }, () => faker.company.name().split(/[ ,-]/)[0]!).filter((b, i, all) => b.length > 2 && all.indexOf(b) === i);
  const leaves = DEPARTMENTS.flatMap((dept) =>
    Object.entries(dept.children).flatMap(([child, names]) => names.map((leaf) => ({ dept, name: leaf, slug: `${slugOf(dept.name)}-${slugOf(child)}-${slugOf(leaf)}` }))),
  );
  for (let i = 0; i < size; i += 1) {
    const leaf = leaves[faker.number.int({ min: 0, max: leaves.length - 1 })]!;
    const brand = faker.helpers.arrayElement(brands);
    const title = `${brand} ${faker.commerce.productAdjective()} ${leaf.name.replace(/s$/, '')} ${faker.commerce.productMaterial()}`;
    const [optionA, optionB] = Object.keys(leaf.dept.options) as [string, string];
    const valuesA = faker.helpers.arrayElements(leaf.dept.options[optionA]!, { min: 2, max: 3 });
    const valuesB = faker.helpers.arrayElements(leaf.dept.options[optionB]!, { min: 1, max: 2 });
    const combos = valuesA.flatMap((a) => valuesB.map((b) => [a, b] as const)).slice(0, faker.number.int({ min: 2, max: 5 }));
    const base = faker.number.int({ min: leaf.dept.price[0] * 100, max: leaf.dept.price[1] * 100 });
    const soldOut = faker.number.int({ min: 1, max: 10 }) === 1;
    const code = `SC${String(i + 1).padStart(6, '0')}`;
    const status = faker.number.int({ min: 1, max: 100 });
    yield {
      title,
      slug: `${slugOf(title)}-${i + 1}`,
      description: faker.commerce.productDescription(),
      brand,
      categorySlug: leaf.slug,
      images: [{ url: `https://images.shopcart.dev/products/${code.toLowerCase()}.jpg`, altText: title }],
      status: status <= 95 ? 'ACTIVE' : status <= 98 ? 'DRAFT' : 'ARCHIVED',
      createdAt: new Date(now.getTime() - faker.number.int({ min: 0, max: 365 * 86_400 }) * 1000),
      variants: combos.map(([a, b], v) => {
        // Prices end in .99 or .00 like a real shop; larger options cost a little more.
        const priceMinor = Math.max(99, Math.round((base * (1 + v * 0.05)) / 100) * 100 - (faker.datatype.boolean() ? 1 : 0));
        return {
          sku: `${code}-${v + 1}`,
          title: `${a} / ${b}`,
          options: [{ name: optionA, value: a }, { name: optionB, value: b }],
          priceMinor,
          compareAtMinor: faker.number.int({ min: 1, max: 5 }) === 1 ? Math.round(priceMinor * 1.25) : null,
          stock: soldOut ? 0 : faker.number.int({ min: 0, max: 200 }),
        };
      }),
    };
  }
}
