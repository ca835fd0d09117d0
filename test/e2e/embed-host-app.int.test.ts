import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, REPO_ROOT, spawnService, startPipeline, type PipelineHarness, type ServiceProcess } from '@canvas-sync/testkit';
import { createHostApp, type HostApp } from '../../examples/host-app/src/host-app.js';
import { loadHostConfig } from '../../examples/host-app/src/host-config.js';
import { buildPanel, CHROMIUM, DEV_SECRET, userToken } from './panel.harness.js';

const TOKEN_TTL_S = 60;
const USER = 'e2e-embed';
/**
 * docs/embedding.md shows these. Every run takes them; `UPDATE_SCREENSHOTS=1` writes them over the
 * docs' copies, any other run into a temporary directory, so that `npm test` leaves the checkout as it was.
 */
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const SCREENSHOTS = UPDATE_SCREENSHOTS ? `${REPO_ROOT}docs/images` : mkdtempSync(join(tmpdir(), 'canvas-sync-screenshots-'));
const AXE_SOURCE = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

interface AxeViolation {
  id: string;
  impact: string;
  nodes: Array<{ target: unknown[] }>;
}
/** axe-core in the page (evaluated over DevTools, so the page's CSP stays as strict as it is); violations of `selector`'s subtree. */
async function axeViolations(page: Page, selector: string | null): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(`axe.run(${selector ? `document.querySelector(${JSON.stringify(selector)})` : 'document'}).then((r) => r.violations)`)) as AxeViolation[];
  return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
}

const percentOf = async (page: Page) => Number((await page.locator('#cur-percent').textContent())?.replace(/[^\d.]/g, '') ?? 'NaN');
const statusOf = (page: Page) => page.locator('#cur-status').textContent();
const liveMode = (page: Page) => page.locator('#live-mode').textContent();

describe('the embedded panel in a host app on another origin, in headless Chromium, against the whole stack', () => {
  let pipeline: PipelineHarness;
  let api: ServiceProcess;
  let notifier: ServiceProcess;
  let host: HostApp;
  let browser: Browser;
  let apiUrl: string;
  let hostUrl: string;
  let env: Record<string, string>;
  let notifierPort: number;

  beforeAll(async () => {
    buildPanel();
    const [apiPort, hostPort] = [await freePort(), await freePort()];
    notifierPort = await freePort();
    // Two origins: the host app on 127.0.0.1, canvas-sync on localhost (another host and port).
    apiUrl = `http://localhost:${apiPort}`;
    hostUrl = `http://127.0.0.1:${hostPort}`;
    // Canvas answers at a watchable pace; the test slows it further while it waits for the token to expire.
    // 3 requests in flight, so that 15 courses at 20 s a page outlive the user's 60 s token.
    pipeline = await startPipeline({ sim: { users: [{ profile: 'student', courses: 15 }], latency: { baseMs: 200, perItemMs: 1, jitterMs: 0 } }, env: { CANVAS_MAX_IN_FLIGHT: '3', FETCHER_COURSE_CONCURRENCY: '3' } });
    env = {
      ...pipeline.env,
      API_PORT: String(apiPort),
      NOTIFIER_PORT: String(notifierPort),
      AUTH_JWT_SECRET: DEV_SECRET,
      // The settings docs/embedding.md documents for a host app on another origin.
      CORS_ORIGINS: hostUrl,
      WS_ALLOWED_ORIGINS: `${hostUrl},${apiUrl}`,
    };
    api = spawnService('api', env);
    notifier = spawnService('notifier', env);
    host = createHostApp(loadHostConfig({ CANVAS_SYNC_URL: apiUrl, CANVAS_SYNC_NOTIFIER_URL: `ws://localhost:${notifierPort}/ws`, AUTH_JWT_SECRET: DEV_SECRET, TOKEN_TTL_SECONDS: String(TOKEN_TTL_S) }));
    await new Promise<void>((resolve) => host.server.listen(hostPort, '127.0.0.1', resolve));
    expect((host.server.address() as AddressInfo).port).toBe(hostPort);
    await Promise.all([api.waitReady(apiPort), notifier.waitReady(notifierPort)]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => host?.server.close(resolve));
    await Promise.all([api, notifier].filter(Boolean).map((p) => p.kill('SIGTERM')));
    await pipeline?.close();
    if (!UPDATE_SCREENSHOTS) rmSync(SCREENSHOTS, { recursive: true, force: true });
  });

  it('signs in on the host, connects Canvas, syncs live, cancels, resumes; the token expires and the notifier restarts mid-sync unnoticed', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const pageErrors: string[] = [];
    const cspViolations: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => msg.text().includes('Content Security Policy') && cspViolations.push(msg.text()));

    // The host app's own sign-in; its dashboard embeds the element from the api's origin.
    await page.goto(hostUrl);
    await page.getByLabel('Your user name').fill(USER);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#conn-status', { hasText: 'Not connected yet.' }).waitFor({ timeout: 30_000 });
    const firstToken = host.tokensMinted()[0]!;
    expect(host.tokensMinted()).toHaveLength(1);
    expect(await axeViolations(page, 'canvas-sync-panel')).toEqual([]);

    const simUser = pipeline.sim.users[0]!;
    await page.getByLabel('Canvas URL').fill(pipeline.sim.url);
    await page.getByLabel(/Access token/).fill(simUser.token);
    await page.getByRole('button', { name: 'Save and test' }).click();
    await page.locator('#conn-status', { hasText: `Connected as ${simUser.name}` }).waitFor({ timeout: 30_000 });
    await expect.poll(() => liveMode(page), { timeout: 15_000 }).toContain('● Live updates');

    // A full sync, watched live; the message names the course being synced. Canvas takes 1.5 s a page: time to cancel.
    pipeline.sim.setFaults({ slowRate: 1, slowMs: 1_500 });
    await page.getByLabel('Mode').selectOption('full');
    await page.getByRole('button', { name: 'Start sync' }).click();
    const courseNames = (pipeline.sim.groundTruth(simUser.id).courses as Array<{ name?: string }>).flatMap((c) => (c.name ? [c.name] : []));
    await expect.poll(() => page.locator('#cur-message').textContent(), { timeout: 60_000, interval: 200 }).toMatch(/^Syncing course: /);
    expect(courseNames).toContain((await page.locator('#cur-message').textContent())!.replace('Syncing course: ', ''));
    await page.locator('canvas-sync-panel').screenshot({ path: `${SCREENSHOTS}/embed-mid-sync.png` });

    // Cancel, then resume from the checkpoint.
    await page.getByRole('button', { name: 'Cancel sync' }).click();
    await page.locator('.alert', { hasText: /^Sync cancelled/ }).first().waitFor({ timeout: 30_000 });
    // 20 s a page from here (below the fetcher's 30 s timeout): the resumed sync outlives the user's first token; undone once it has expired.
    pipeline.sim.setFaults({ slowRate: 1, slowMs: 20_000 });
    await page.getByRole('button', { name: 'Retry (resume)' }).click();
    await expect.poll(() => statusOf(page), { timeout: 30_000, interval: 200 }).toBe('Running');

    // The notifier dies and comes back on the same port; the panel polls meanwhile, then goes live again.
    const before = await percentOf(page);
    await notifier.kill('SIGKILL');
    await expect.poll(() => liveMode(page), { timeout: 15_000, interval: 100 }).toContain('checking for progress');
    notifier = spawnService('notifier', env);
    await notifier.waitReady(notifierPort);
    await expect.poll(() => liveMode(page), { timeout: 30_000, interval: 200 }).toContain('● Live updates');
    expect(await percentOf(page)).toBeGreaterThanOrEqual(before);

    // The sync is still running after the first token's exp: the panel had asked for another one.
    const expiry = firstToken + TOKEN_TTL_S * 1000;
    await expect.poll(() => Date.now() > expiry + 2_000, { timeout: 70_000, interval: 500 }).toBe(true);
    expect(await statusOf(page)).toBe('Running');
    expect(host.tokensMinted().filter((t) => t < expiry).length).toBeGreaterThanOrEqual(2);
    expect(await liveMode(page)).toContain('● Live updates');

    pipeline.sim.clearFaults();
    await expect.poll(() => statusOf(page), { timeout: 120_000, interval: 500 }).toBe('Completed');
    // Caught up: what the panel shows is what the api says.
    const syncId = await page.locator('#history-body tr').first().getAttribute('data-sync-id');
    const res = await fetch(`${apiUrl}/api/v1/syncs/${syncId}`, { headers: { authorization: `Bearer ${await userToken(USER)}` } });
    const final = (await res.json()) as { status: string; progress: { percent: number }; counts: Record<string, { created: number; updated: number; unchanged: number; deleted: number }> };
    expect(final.status).toBe('completed');
    await expect.poll(() => percentOf(page)).toBe(final.progress.percent);
    const shown = await page.locator('#cur-counts tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    const labels: Record<string, string> = { terms: 'Terms', courses: 'Courses', assignment_groups: 'Categories', assignments: 'Assignments', submissions: 'Submissions' };
    const expected = Object.entries(final.counts).map(([k, c]) => [labels[k], String(c.created), String(c.updated), String(c.unchanged), String(c.deleted)]);
    expect(shown.sort()).toEqual(expected.sort());

    // Unnoticed: no error, no sign-in prompt, the host never heard "unauthorized" (it would have left the page).
    expect(await page.locator('#alerts-urgent .alert').count()).toBe(0);
    expect(new URL(page.url()).origin).toBe(hostUrl);
    // The host heard the element's events.
    const events = await page.locator('#activity li').evaluateAll((items) => items.map((i) => i.getAttribute('data-event')));
    expect(new Set(events)).toEqual(new Set(['canvas-sync:started', 'canvas-sync:milestone', 'canvas-sync:finished']));
    expect(await page.locator('#activity li', { hasText: 'Sync cancelled' }).count()).toBe(1);
    expect(await page.locator('#activity li', { hasText: 'Sync completed' }).count()).toBe(1);
    await page.locator('canvas-sync-panel').screenshot({ path: `${SCREENSHOTS}/embed-completed.png` });
    await page.screenshot({ path: `${SCREENSHOTS}/embed-host-app.png`, fullPage: true });
    expect(await axeViolations(page, 'canvas-sync-panel')).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 240_000);

  it('the standalone panel at the api is the same element, and axe finds nothing on it either', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    await page.goto(`${apiUrl}/?token=${await userToken(USER)}`);
    await page.locator('#history-body tr[data-status="completed"]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('canvas-sync-panel').count()).toBe(1);
    expect(await axeViolations(page, null)).toEqual([]);
    await page.close();
  }, 60_000);
});
