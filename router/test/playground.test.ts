import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listen, type Runnable } from '@shopcart/kit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';
import { loadRouterEnv } from '../src/env.js';
import { createRouter } from '../src/server.js';
import { launchChromium } from './browser.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const QUERY_EDITOR = '.graphiql-query-editor .monaco-editor';
const RESULT_EDITOR = '.graphiql-response .monaco-editor';
const HEADERS_EDITOR = '.graphiql-editor-tool .monaco-editor[data-uri$="headers.json"]';
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

let platform: Platform;
let browser: Promise<Browser> | undefined;
let origin: string;

beforeAll(async () => {
  // As in production for anonymous callers: introspection only with an admin token.
  platform = await startPlatform({
    mongoUrl: inject('mongoUrl'),
    redisUrl: inject('redisUrl'),
    subgraphs: ['users', 'inventory', 'products'],
    env: { INTROSPECTION: 'false' },
  });
  origin = new URL(platform.routerUrl).origin;
});
afterAll(async () => {
  await (await browser?.catch(() => undefined))?.close();
  await platform?.stop();
});

// Launched by the first browser test, so a missing chromium fails those tests
// (with launchChromium's message) rather than skipping them.
const chromium = () => (browser ??= launchChromium());

async function adminToken(): Promise<string> {
  const r = await platform.gql(`mutation { login(input: {email: "admin@shopcart.dev", password: "shopcart-admin"}) { accessToken userErrors { code } } }`);
  expect(r.data.login.userErrors).toEqual([]);
  return r.data.login.accessToken as string;
}

function assetPaths(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
}

describe('the page and its assets', () => {
  it('answers a browser on GET /graphql with the IDE under a strict policy', async () => {
    const r = await fetch(platform.routerUrl, { headers: HTML });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe|https?:|\*)/);
    expect(csp).not.toMatch(/https?:/);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    const html = await r.text();
    // No executable inline script: only external files and a JSON data block.
    for (const [tag] of html.matchAll(/<script[^>]*>/g)) expect(tag).toMatch(/src="\/playground\/assets\/|type="application\/json"/);
    const paths = assetPaths(html);
    expect(paths.length).toBeGreaterThanOrEqual(4);
    for (const path of paths) expect(path).toMatch(/^\/playground\/assets\/[\w.-]+$/);
  });

  it('serves every asset named by the page and its config, compressed and cached for a year', async () => {
    const html = await (await fetch(platform.routerUrl, { headers: HTML })).text();
    const config = JSON.parse(/<script type="application\/json" id="playground-config">(.*?)<\/script>/s.exec(html)![1]!);
    const paths = [...assetPaths(html), ...(Object.values(config.workers) as string[])];
    expect(new Set(paths).size).toBe(7);
    for (const path of paths) {
      const r = await fetch(origin + path, { headers: { 'accept-encoding': 'gzip' } });
      expect(r.status, path).toBe(200);
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(r.headers.get('content-encoding')).toBe('gzip');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const script = paths.find((p) => /graphiql\.\w+\.js$/.test(p))!;
    const plain = await fetch(origin + script, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await plain.text()).toContain('renderYogaGraphiQL');
  });

  it('refuses writes to an asset and unknown asset names', async () => {
    const html = await (await fetch(platform.routerUrl, { headers: HTML })).text();
    const [path] = assetPaths(html);
    const post = await fetch(origin + path, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.text()).toBe('Method not allowed');
    expect((await fetch(origin + path, { headers: { 'accept-encoding': 'identity' } })).status).toBe(200);
    expect((await fetch(`${origin}/playground/assets/graphiql.0000000000000000.js`)).status).toBe(404);
  });

  it('leaves API clients on GET and POST /graphql untouched', async () => {
    const get = await fetch(`${platform.routerUrl}?query=${encodeURIComponent('{ products(first: 1) { totalCount } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-security-policy')).toBeNull();
    const body = (await get.json()) as { data: { products: { totalCount: number } } };
    expect(body.data.products.totalCount).toEqual(expect.any(Number));
    const post = await platform.gql('{ __typename }');
    expect(post.data).toEqual({ __typename: 'Query' });
  });

  it('is off with PLAYGROUND=false: no page, no assets', async () => {
    const html = await (await fetch(platform.routerUrl, { headers: HTML })).text();
    const [path] = assetPaths(html);
    const router: Runnable = await createRouter(loadRouterEnv({ ...platform.env, PLAYGROUND: 'false' }));
    const port = await listen(router.http.server, 0, '127.0.0.1');
    try {
      const page = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: HTML });
      expect(page.headers.get('content-type')).not.toMatch(/text\/html/);
      expect(page.headers.get('content-security-policy')).toBeNull();
      expect((await page.text()).toLowerCase()).not.toContain('<html');
      expect((await fetch(`http://127.0.0.1:${port}${path}`)).status).toBe(404);
    } finally {
      await router.http.shutdown(1_000);
      await router.close();
    }
  });

  it('refuses an invalid PLAYGROUND value, naming the variable', () => {
    expect(() => loadRouterEnv({ ...platform.env, PLAYGROUND: 'maybe' })).toThrow(/PLAYGROUND/);
  });
});

interface Session {
  context: BrowserContext;
  page: Page;
  /** Every URL the page, its workers and its subresources asked for. */
  requests: string[];
  /** Uncaught exceptions and Content-Security-Policy violations. */
  problems: string[];
}

async function openPlayground(): Promise<Session> {
  const context = await (await chromium()).newContext({ viewport: { width: 1440, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  // Below the test's own timeout, so a stuck step fails with playwright's description of it.
  context.setDefaultTimeout(8_000);
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  const response = await page.goto(platform.routerUrl);
  expect(response?.status()).toBe(200);
  await page.locator(QUERY_EDITOR).waitFor();
  return { context, page, requests, problems };
}

/** Monaco renders lines as positioned divs, not necessarily in document order. */
async function editorText(page: Page, editor: string): Promise<string> {
  return page.locator(`${editor} .view-lines`).evaluate((root) =>
    [...(root.querySelectorAll('.view-line') as Iterable<{ style: { top: string }; textContent: string | null }>)]
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((line) => line.textContent ?? '')
      .join('\n')
      .replace(/\u00a0/g, ' '),
  );
}

// The router's tsconfig has no DOM library; this is the little that runs in the page.
interface BrowserGlobals {
  navigator: { clipboard: { writeText(text: string): Promise<void> } };
  localStorage: Record<string, string>;
}

/** Replaces an editor's text the way a person pastes it (typing would trigger Monaco's auto-closing). */
async function pasteInto(page: Page, editor: string, text: string): Promise<void> {
  await page.evaluate((value) => (globalThis as unknown as BrowserGlobals).navigator.clipboard.writeText(value), text);
  await page.locator(editor).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
  await expect.poll(async () => (await editorText(page, editor)).trimEnd()).toBe(text.trimEnd());
}

/**
 * GraphiQL takes the operation to run from its tab state, which follows the
 * editor after a short debounce; the tab's title shows when it has caught up.
 */
async function setOperation(page: Page, text: string, operationName: string): Promise<void> {
  await pasteInto(page, QUERY_EDITOR, text);
  await expect.poll(() => page.locator('.graphiql-tab-active').innerText()).toBe(operationName);
}

async function run(page: Page): Promise<Record<string, any>> {
  const before = await editorText(page, RESULT_EDITOR);
  await page.getByRole('button', { name: /Execute query/ }).click();
  let text = '';
  await expect.poll(async () => ((text = await editorText(page, RESULT_EDITOR)) !== before ? text : ''), { timeout: 15_000 }).not.toBe('');
  await expect.poll(async () => isJson((text = await editorText(page, RESULT_EDITOR))), { timeout: 5_000 }).toBe(true);
  return JSON.parse(text);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function expectOnlyOrigin(requests: string[]): void {
  expect(requests.length).toBeGreaterThan(5);
  // data: URIs (fonts inside the stylesheet) never reach a network.
  const elsewhere = requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
  expect(elsewhere).toEqual([]);
}

describe('the IDE in a browser', () => {
  it('tells an anonymous visitor why there is no schema, without breaking', async () => {
    const { context, page, requests, problems } = await openPlayground();
    try {
      await expect.poll(() => editorText(page, RESULT_EDITOR), { timeout: 15_000 }).toContain('Introspection is disabled');
      // The welcome text in the editor says how to get the schema.
      expect(await editorText(page, QUERY_EDITOR)).toContain('"Authorization": "Bearer <accessToken>"');
      const result = await run(page);
      expect(result.data.me).toBeNull();
      expect(result.data.products.totalCount).toEqual(expect.any(Number));
      expect(problems).toEqual([]);
      expectOnlyOrigin(requests);
    } finally {
      await context.close();
    }
  });

  it('lets an admin paste a token, run a query and a mutation, and read the docs', { timeout: 45_000 }, async () => {
    const token = await adminToken();
    const { context, page, requests, problems } = await openPlayground();
    try {
      await expect.poll(() => editorText(page, RESULT_EDITOR), { timeout: 15_000 }).toContain('Introspection is disabled');

      await page.getByRole('button', { name: 'Headers' }).click();
      await pasteInto(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2));

      const name = `Playground ${Date.now()}`;
      await setOperation(page, `mutation CreateCategory { createCategory(input: { name: "${name}" }) { category { slug name } userErrors { code } } }`, 'CreateCategory');
      const created = (await run(page)).data.createCategory;
      expect(created.userErrors).toEqual([]);
      expect(created.category.name).toBe(name);
      const stored = await platform.gql('query($slug: String!) { category(slug: $slug) { name } }', { slug: created.category.slug });
      expect(stored.data.category).toEqual({ name });

      await setOperation(page, 'query Overview {\n  me { email role }\n  products(first: 2) { totalCount }\n}\n', 'Overview');
      const result = await run(page);
      expect(result).toEqual({ data: { me: { email: 'admin@shopcart.dev', role: 'ADMIN' }, products: { totalCount: expect.any(Number) } } });
      expect(result).toEqual((await platform.gql('{ me { email role } products(first: 2) { totalCount } }', {}, { token })).body);

      // Introspection as the admin: the schema loads and the docs show admin-only fields.
      await page.getByRole('button', { name: /Re-fetch GraphQL schema/ }).click();
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      const docs = page.locator('.graphiql-doc-explorer');
      await docs.getByText('Query', { exact: true }).first().click({ timeout: 15_000 });
      await expect.poll(() => docs.innerText()).toMatch(/\busers\b/);
      expect(await docs.innerText()).toMatch(/\bproducts\b/);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}playground.png` });

      // The token is not written to the browser's storage, where it would outlive the tab.
      const storage = await page.evaluate(() => JSON.stringify((globalThis as unknown as BrowserGlobals).localStorage));
      expect(storage).toContain('Overview');
      expect(storage).not.toContain(token);

      expect(problems).toEqual([]);
      expectOnlyOrigin(requests);
      expect(requests.filter((url) => url === platform.routerUrl).length).toBeGreaterThanOrEqual(4);
    } catch (error) {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}playground-failure.png` }).catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  });
});
