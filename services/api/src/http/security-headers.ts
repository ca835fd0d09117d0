import type { IncomingMessage } from 'node:http';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { PanelOptions } from '../panel/panel.config.js';
import { notifierUrlFor } from '../panel/panel.plugin.js';

/** A host name or IP literal, nothing that could end a CSP directive (`;`, `,`, quotes, spaces). */
const SAFE_HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])$/i;

/**
 * The notifier's origin as the panel on this request will reach it (`ws://host:3001`,
 * `wss://sync.example.edu`), for `connect-src`. The page's host comes from the Host header, so
 * anything that is not a plain host name yields no extra source rather than a CSP injection.
 */
export function notifierOriginFor(request: { protocol: 'http' | 'https'; hostname: string }, panel: PanelOptions): string | undefined {
  if (!panel.notifierUrl && !SAFE_HOST.test(request.hostname)) return undefined;
  try {
    const url = new URL(notifierUrlFor(request, panel));
    return `${url.protocol}//${url.host}`;
  } catch {
    return undefined;
  }
}

/**
 * Security headers on every answer of the api and the panel (`@fastify/helmet`). The CSP is the
 * panel's, strict: its own script and style bundle only (no inline code, no eval), images from
 * itself, fetches to the api (same origin) and the notifier's WebSocket, no plugins, no framing,
 * no `<base>` tricks. JSON answers carry it too, which costs nothing and keeps a mis-sniffed answer
 * inert. HSTS only matters behind TLS; browsers ignore it over plain http.
 */
export async function installSecurityHeaders(app: FastifyInstance, panel: PanelOptions): Promise<void> {
  // Helmet's directive functions get the raw request; the origin is worked out from fastify's
  // parsed request (protocol, hostname) first.
  const wsOrigins = new WeakMap<IncomingMessage, string>();
  app.addHook('onRequest', async (request) => {
    const origin = notifierOriginFor(request, panel);
    if (origin) wsOrigins.set(request.raw, origin);
  });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", (req) => wsOrigins.get(req) ?? "'self'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
  });
}
