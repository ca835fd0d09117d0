import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { PanelOptions } from './panel.config.js';

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Panel not built</title>
<body style="font-family:system-ui;max-width:40rem;margin:3rem auto">
<h1>The sync panel is not built</h1>
<p>Build it with <code>npm run build:web</code> (or <code>npm run build</code>, or just <code>npm start</code>) and restart the api.</p>
<p>The HTTP API under <code>/api/v1</code> works without it.</p></body></html>`;

/** The notifier URL a browser on this page should use (its origin is also the CSP's connect-src, see http/security-headers.ts). */
export function notifierUrlFor(request: Pick<FastifyRequest, 'protocol' | 'hostname'>, options: PanelOptions): string {
  if (options.notifierUrl) return options.notifierUrl;
  const scheme = request.protocol === 'https' ? 'wss' : 'ws';
  const host = request.hostname.includes(':') && !request.hostname.startsWith('[') ? `[${request.hostname}]` : request.hostname;
  return `${scheme}://${host}:${options.notifierPort}/ws`;
}

/** Where the embeddable element is served (DESIGN.md "Embedding"); its file in the build. */
export const EMBED_PATH = '/embed/canvas-sync.js';
/** Not content-hashed (host apps link this one URL): caches revalidate (ETag) after five minutes. */
export const EMBED_CACHE_CONTROL = 'public, max-age=300';

const EMBED_NOT_BUILT = `throw new Error('canvas-sync: the embeddable panel is not built on this server (npm run build:web).');\n`;

/**
 * Headers that let any page load the element with `<script type="module" src=…>`: module scripts
 * are fetched in CORS mode, and the file holds no secret and sends no credentials, so any origin may
 * read it (the api's own CORS_ORIGINS still guards every call the element then makes).
 */
function embedHeaders(reply: FastifyReply): void {
  reply.header('access-control-allow-origin', '*');
  reply.header('cross-origin-resource-policy', 'cross-origin');
  reply.header('cache-control', EMBED_CACHE_CONTROL);
}

/**
 * The web sync panel at `/`, the embeddable element at `/embed/canvas-sync.js`, and
 * `GET /api/v1/config` (no auth: it holds no secret). When the build is missing the panel answers
 * 503 with how to build it, and the api goes on serving.
 */
export const panelPlugin: FastifyPluginAsync<PanelOptions> = async (app, options) => {
  app.get('/api/v1/config', { schema: { hide: true } }, async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    return { notifierUrl: notifierUrlFor(request, options), pollIntervalMs: options.pollIntervalMs };
  });

  if (!existsSync(join(options.root, 'index.html'))) {
    app.log.warn({ root: options.root }, 'web panel not built; run npm run build:web');
    const notBuilt = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
    app.get('/', { schema: { hide: true } }, notBuilt);
    app.get('/index.html', { schema: { hide: true } }, notBuilt);
    app.get(EMBED_PATH, { schema: { hide: true } }, async (_request, reply) => {
      embedHeaders(reply);
      return reply.code(503).header('cache-control', 'no-store').type('text/javascript; charset=utf-8').send(EMBED_NOT_BUILT);
    });
    return;
  }

  await app.register(fastifyStatic, {
    root: options.root,
    prefix: '/',
    // Routes for the files that exist at start-up only: unknown paths stay the api's JSON 404s.
    wildcard: false,
    index: ['index.html'],
    // CSP, nosniff and the other security headers come from helmet (http/security-headers.ts).
    setHeaders: (reply, path) => {
      if (path.endsWith('.html')) {
        reply.header('cache-control', 'no-cache');
      } else if (path.includes('/embed/')) {
        embedHeaders(reply);
      } else if (path.includes('/assets/')) {
        // File names carry a content hash.
        reply.header('cache-control', 'public, max-age=31536000, immutable');
      }
    },
  });
};
