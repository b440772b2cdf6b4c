import { createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

const gzipAsync = promisify(gzip);

const ASSET_PREFIX = '/playground/assets/';

// Everything the page loads comes from this origin: the IDE must work offline and
// must not hand an admin's token-bearing session to any other host. Monaco and
// React set inline styles, hence 'unsafe-inline' for styles only; fonts and
// icons are data: URIs inside the bundled stylesheet.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

// Asset names carry a hash of their content, so a cached copy can never be stale.
const IMMUTABLE = 'public, max-age=31536000, immutable';

const DEFAULT_QUERY = `# Shopcart GraphQL playground
#
# Anyone may browse the catalog. To act as an admin,
# sign in with
#
#   mutation {
#     login(input: { email: "...", password: "..." }) {
#       accessToken
#       userErrors { code message }
#     }
#   }
#
# open the Headers tab below and paste the token as
#
#   { "Authorization": "Bearer <accessToken>" }
#
# then re-fetch the schema (Shift-Ctrl-R, or the
# circular arrow on the left) to browse the Docs.
# The token stays in this browser tab only.

query Overview {
  me { email role }
  products(first: 2) { totalCount }
}
`;

// Runs before the IDE bundle, so Monaco finds its workers when it first needs one,
// and renders once the (deferred) bundle has run. It is a file, not an inline
// script, so the page's policy needs no 'unsafe-inline' for scripts.
const BOOT_SCRIPT = `(function () {
  var config = JSON.parse(document.getElementById('playground-config').textContent);
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) { return config.workers[label] || config.workers.editorWorkerService; },
  };
  document.addEventListener('DOMContentLoaded', function () {
    self.YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), config.graphiql);
  });
})();
`;

interface Asset {
  path: string;
  contentType: string;
  body: Buffer;
  gzipped?: Promise<Buffer>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Playground {
  /** Apollo's landing page: GET /graphql from a browser (Accept: text/html) gets the IDE. */
  plugin: ApolloServerPlugin<BaseContext>;
  /** The IDE's scripts, styles, workers and icon, by exact path, for the HTTP server's routes. */
  routes: Record<string, RouteHandler>;
  /** The page itself, as served. */
  html: string;
  /**
   * Puts the page's security headers on its responses. Apollo's landing-page API
   * returns only the HTML, so this listener runs ahead of the server's own
   * handler and sets them on the response that handler is about to write.
   */
  secure(server: Server): void;
}

export interface PlaygroundOptions {
  graphqlPath: string;
  title?: string;
}

function asset(name: string, extension: string, contentType: string, body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { path: `${ASSET_PREFIX}${name}.${hash}.${extension}`, contentType, body };
}

function fromDataUri(uri: string): Buffer {
  const comma = uri.indexOf(',');
  return Buffer.from(uri.slice(comma + 1), 'base64');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function serveAsset(entry: Asset): RouteHandler {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed');
      return;
    }
    const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    // Compressed once, on first demand: most processes never serve the IDE.
    const body = acceptsGzip ? await (entry.gzipped ??= gzipAsync(entry.body)) : entry.body;
    res.writeHead(200, {
      'content-type': entry.contentType,
      'content-length': body.length,
      'cache-control': IMMUTABLE,
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
      ...(acceptsGzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

function wantsPage(req: IncomingMessage, graphqlPath: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const accept = req.headers.accept;
  if (typeof accept !== 'string' || !accept.includes('text/html')) return false;
  return new URL(req.url ?? '/', 'http://localhost').pathname === graphqlPath;
}

/**
 * A GraphiQL IDE served entirely by the router from an installed package
 * (@graphql-yoga/render-graphiql ships GraphiQL, React, Monaco, the explorer
 * plugin and Monaco's workers as prebuilt strings), so it needs no CDN and no
 * build step. The page holds no secret and grants nothing: every request it
 * makes carries the token the admin pasted, and the router authorises it like
 * any other client's.
 */
export async function createPlayground(options: PlaygroundOptions): Promise<Playground> {
  const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
  const js = 'text/javascript; charset=utf-8';
  const assets = {
    script: asset('graphiql', 'js', js, Buffer.from(bundle.js)),
    style: asset('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(bundle.css)),
    boot: asset('boot', 'js', js, Buffer.from(BOOT_SCRIPT)),
    icon: asset('favicon', 'ico', 'image/x-icon', fromDataUri(bundle.favicon)),
    editorWorker: asset('editor.worker', 'js', js, Buffer.from(bundle.editorWorkerService)),
    jsonWorker: asset('json.worker', 'js', js, Buffer.from(bundle.jsonWorker)),
    graphqlWorker: asset('graphql.worker', 'js', js, Buffer.from(bundle.graphqlWorker)),
  };
  const title = options.title ?? 'Shopcart';
  const config = {
    workers: { editorWorkerService: assets.editorWorker.path, json: assets.jsonWorker.path, graphql: assets.graphqlWorker.path },
    graphiql: {
      endpoint: options.graphqlPath,
      title: escapeHtml(title),
      logo: '',
      defaultQuery: DEFAULT_QUERY,
      // A pasted token stays in this tab's memory, never in localStorage.
      shouldPersistHeaders: false,
    },
  };
  // JSON inside <script> must not be able to close the element.
  const configJson = JSON.stringify(config).replace(/</g, '\\u003c');
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(title)} GraphQL playground</title>
    <link rel="icon" href="${assets.icon.path}">
    <link rel="stylesheet" href="${assets.style.path}">
    <script type="application/json" id="playground-config">${configJson}</script>
    <script defer src="${assets.boot.path}"></script>
    <script defer src="${assets.script.path}"></script>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>The GraphQL playground needs JavaScript.</noscript>
    <div id="root"></div>
  </body>
</html>
`;

  return {
    html,
    routes: Object.fromEntries(Object.values(assets).map((entry) => [entry.path, serveAsset(entry)])),
    plugin: {
      async serverWillStart() {
        return {
          async renderLandingPage() {
            return { html };
          },
        };
      },
    },
    secure(server) {
      server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
        if (!wantsPage(req, options.graphqlPath)) return;
        for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
      });
    },
  };
}
