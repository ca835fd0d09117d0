import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPanelOptions } from '../panel/panel.config.js';
import { panelPlugin } from '../panel/panel.plugin.js';
import { installSecurityHeaders, notifierOriginFor } from './security-headers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function appWith(env: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'panel-sec-'));
  dirs.push(root);
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Canvas sync</title><script type="module" src="./assets/app-1.js"></script>');
  writeFileSync(join(root, 'assets', 'app-1.js'), 'export {};');
  const options = { ...loadPanelOptions({ NOTIFIER_PORT: '4555', ...env }), root };
  const app = Fastify();
  await installSecurityHeaders(app, options);
  app.get('/api/v1/ping', async () => ({ ok: true }));
  await app.register(panelPlugin, options);
  return app;
}

/** `content-security-policy` as a map of directive → sources. */
function csp(header: unknown): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of String(header).split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) map.set(name, sources);
  }
  return map;
}

describe('security headers (helmet) on the panel and the api', () => {
  it('gives the panel a strict CSP that allows its own bundle and the notifier WebSocket only', async () => {
    const app = await appWith();
    const page = await app.inject({ url: '/', headers: { host: 'sync.example.edu:3000' } });
    expect(page.statusCode).toBe(200);
    const policy = csp(page.headers['content-security-policy']);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'", 'ws://sync.example.edu:4555']);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(String(page.headers['content-security-policy'])).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(page.headers['x-powered-by']).toBeUndefined();
  });

  it('names the public notifier URL when one is configured', async () => {
    const app = await appWith({ NOTIFIER_PUBLIC_URL: 'wss://live.example.edu/ws' });
    const page = await app.inject({ url: '/' });
    expect(csp(page.headers['content-security-policy']).get('connect-src')).toEqual(["'self'", 'wss://live.example.edu']);
  });

  it('puts the same headers on JSON answers and 404s', async () => {
    const app = await appWith();
    for (const url of ['/api/v1/ping', '/no-such-route']) {
      const res = await app.inject({ url });
      expect(csp(res.headers['content-security-policy']).get('default-src'), url).toEqual(["'none'"]);
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('DENY');
    }
  });

  it('does not let a forged Host header inject CSP directives', async () => {
    const app = await appWith();
    for (const host of ["evil.example;script-src *", "evil.example,'unsafe-inline'", 'a b']) {
      const res = await app.inject({ url: '/', headers: { host } });
      const policy = csp(res.headers['content-security-policy']);
      expect(policy.get('script-src'), host).toEqual(["'self'"]);
      expect(policy.get('connect-src'), host).toEqual(["'self'", "'self'"]);
      expect(String(res.headers['content-security-policy'])).not.toContain('evil');
    }
    expect(notifierOriginFor({ protocol: 'https', hostname: '[::1]' }, { ...loadPanelOptions({}), notifierPort: 3001 })).toBe('wss://[::1]:3001');
  });

  it('the panel needs nothing the CSP forbids: no inline script or style, no eval', () => {
    const web = fileURLToPath(new URL('../../web', import.meta.url));
    const html = readFileSync(join(web, 'index.html'), 'utf8');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc=/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    const files = readdirSync(web, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const text = readFileSync(join(web, file), 'utf8');
      expect(text, file).not.toMatch(/\beval\(|new Function\(|setAttribute\(\s*['"]style|\.cssText|setAttribute\(\s*['"]on[a-z]+/);
    }
  });
});
