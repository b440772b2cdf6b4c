import slugify from 'slugify';

/** Lower-case words of a-z and 0-9 joined by single hyphens. */
export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const MAX_SLUG_LENGTH = 100;

export function isValidSlug(slug: string): boolean {
  return slug.length <= MAX_SLUG_LENGTH && SLUG_PATTERN.test(slug);
}

/**
 * A URL slug from a title or name ("Bang & Olufsen H9" -> "bang-and-olufsen-h9"),
 * cut at a word boundary so that suffixes such as "-2" still fit.
 */
export function slugFrom(text: string, fallback: string): string {
  const slug = slugify(text, { lower: true, strict: true, trim: true }).replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (!slug) return fallback;
  if (slug.length <= MAX_SLUG_LENGTH - 10) return slug;
  const cut = slug.slice(0, MAX_SLUG_LENGTH - 10);
  return cut.includes('-') ? cut.slice(0, cut.lastIndexOf('-')) : cut;
}
