import { createRequire } from 'node:module';

/**
 * The federation packages are CommonJS compiled by TypeScript, whose package
 * index re-exports every member through a getter (`__exportStar`). The
 * gateway reads those members in its innermost loops (result shaping calls
 * `federation_internals_1.isNonNullType` and the like per field of every
 * response), and the getter calls were ~6% of the router's CPU on a catalog
 * page. Loaded first, this module replaces each package's cached exports with
 * a plain copy of the same values, which the gateway then requires instead.
 * The copies hold the same functions and objects; the packages assign their
 * exports once, when they load, so no later value is missed.
 */
const require = createRequire(import.meta.url);

for (const name of ['@apollo/federation-internals', '@apollo/query-graphs', '@apollo/query-planner']) {
  const path = require.resolve(name);
  const exports = require(name) as Record<string, unknown>;
  const cached = require.cache[path];
  if (!cached) continue;
  const flat: Record<string, unknown> = {};
  for (const key of Object.keys(exports)) flat[key] = exports[key];
  Object.defineProperty(flat, '__esModule', { value: true });
  cached.exports = flat;
}
