import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { installSecurityHeaders } from '../http/security-headers.js';
import { loadPanelOptions } from './panel.config.js';
import { panelPlugin } from './panel.plugin.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function appWith(root: string, env: Record<string, string> = {}) {
  const app = Fastify();
  const options = { ...loadPanelOptions({ NOTIFIER_PORT: '4555', ...env }), root };
  // As app.ts wires it: the CSP comes from the security headers, not from the panel plugin.
  await installSecurityHeaders(app, options);
  await app.register(panelPlugin, options);
  return app;
}

describe('panel plugin', () => {
  it('serves the built panel with a CSP, and its assets', async () => {
    const root = mkdtempSync(join(tmpdir(), 'panel-'));
    dirs.push(root);
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Canvas sync</title>');
    writeFileSync(join(root, 'assets', 'app-1.js'), 'export {};');
    const app = await appWith(root);
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Canvas sync');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const asset = await app.inject({ url: '/assets/app-1.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/nothing-here' })).statusCode).toBe(404);
  });

  it('answers 503 with how to build when the build is missing', async () => {
    const app = await appWith(join(tmpdir(), 'no-such-panel-dir'));
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('npm run build:web');
    const embed = await app.inject({ url: '/embed/canvas-sync.js' });
    expect(embed.statusCode).toBe(503);
    expect(embed.headers['content-type']).toContain('text/javascript');
    expect(embed.body).toContain('npm run build:web');
  });

  it('serves the element to any origin as a module script: CORS *, cross-origin CORP, revalidated after 5 min', async () => {
    const root = mkdtempSync(join(tmpdir(), 'panel-'));
    dirs.push(root);
    mkdirSync(join(root, 'embed'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Canvas sync</title>');
    writeFileSync(join(root, 'embed', 'canvas-sync.js'), 'export {};');
    const app = await appWith(root);
    const res = await app.inject({ url: '/embed/canvas-sync.js', headers: { origin: 'https://lms.example.edu' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers.etag).toBeTruthy();
    const again = await app.inject({ url: '/embed/canvas-sync.js', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
    // Only the element: the page and its assets stay same-origin.
    expect((await app.inject({ url: '/' })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('tells the panel where the notifier is: same host on NOTIFIER_PORT, or NOTIFIER_PUBLIC_URL', async () => {
    const app = await appWith(join(tmpdir(), 'no-such-panel-dir'));
    const config = await app.inject({ url: '/api/v1/config', headers: { host: 'sync.example.edu:3000' } });
    expect(config.json()).toEqual({ notifierUrl: 'ws://sync.example.edu:4555/ws', pollIntervalMs: 2000 });
    const behindIngress = await appWith(join(tmpdir(), 'no-such-panel-dir'), { NOTIFIER_PUBLIC_URL: 'wss://sync.example.edu/ws' });
    expect((await behindIngress.inject({ url: '/api/v1/config' })).json().notifierUrl).toBe('wss://sync.example.edu/ws');
  });
});
