import type { Viewer } from '@shopcart/kit';
import type { ProductStatus } from './model.js';

/** Admins and services see every status; everyone else only ACTIVE products, everywhere. */
export function seesEveryStatus(viewer: Viewer): boolean {
  return viewer.role === 'ADMIN' || viewer.role === 'SERVICE';
}

export function isVisible(viewer: Viewer, product: { status: ProductStatus }): boolean {
  return product.status === 'ACTIVE' || seesEveryStatus(viewer);
}
