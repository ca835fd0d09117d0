import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { connectCanvas, openPanel, screenshotPath, startPanelStack, type PanelStack } from './panel.harness.js';

const percentOf = async (page: Page) => Number((await page.locator('#cur-percent').textContent())?.replace(/[^\d.]/g, '') ?? 'NaN');
const alert = (page: Page, text: RegExp) => page.locator('.alert', { hasText: text }).first();
/** Alerts dismiss themselves and push each other out, so the ones shown on the way are recorded as they appear. */
const recordAlerts = (page: Page) =>
  page.evaluate(`(() => {
    window.shownAlerts = [];
    const record = (records) => { for (const r of records) for (const n of r.addedNodes) window.shownAlerts.push(n.textContent); };
    const root = document.querySelector('canvas-sync-panel').shadowRoot;
    for (const id of ['alerts-polite', 'alerts-urgent']) new MutationObserver(record).observe(root.getElementById(id), { childList: true });
  })()`);
const shownAlerts = (page: Page) => page.evaluate('window.shownAlerts') as Promise<string[]>;

describe('the web sync panel in headless Chromium, against the whole stack', () => {
  let stack: PanelStack;
  beforeAll(async () => {
    stack = await startPanelStack();
  }, 180_000);
  afterAll(async () => stack?.close());

  it('connects, previews, syncs to 100 % live, then cancels and resumes another sync', async () => {
    const page = await openPanel(stack, 'e2e-live');
    await connectCanvas(stack, page);
    await expect.poll(() => page.locator('#live-mode').textContent(), { timeout: 15_000 }).toContain('Live updates');

    // Preview: a dry run whose diff the panel shows.
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await alert(page, /Preview completed/).waitFor({ timeout: 90_000 });
    await page.locator('#diff', { hasText: 'Would create' }).waitFor();
    expect(await page.locator('#diff tbody tr').count()).toBeGreaterThan(0);

    // The real sync, watched live to the end.
    await recordAlerts(page);
    await page.getByLabel('Mode').selectOption('full');
    await page.getByRole('button', { name: 'Start sync' }).click();
    await alert(page, /^Sync started/).waitFor();
    await expect.poll(() => percentOf(page), { timeout: 60_000, interval: 100 }).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('panel-mid-sync.png'), fullPage: true });
    const done = alert(page, /Sync completed: \d+ courses?, \d+ assignments?, \d+ categor/);
    await done.waitFor({ timeout: 90_000 });
    expect(await percentOf(page)).toBe(100);
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    const finished = page.locator('#history-body tr[data-status="completed"]', { hasText: 'full' }).first();
    await finished.waitFor();
    expect(await finished.textContent()).toMatch(/\d+ courses/);
    await page.screenshot({ path: screenshotPath('panel-completed.png'), fullPage: true });
    // Milestones were announced on the way (frames can skip a threshold, never go back).
    expect((await shownAlerts(page)).filter((text) => /Sync \d+ % done/.test(text))).not.toEqual([]);
    // At most three stand at once, whatever was shown on the way.
    expect(await page.locator('.alert').count()).toBeLessThanOrEqual(3);

    // Another sync: cancel it while it runs, then Retry resumes it from its checkpoint.
    await page.getByRole('button', { name: 'Start sync' }).click();
    await expect.poll(() => page.locator('#cur-status').textContent(), { timeout: 30_000, interval: 100 }).toBe('Running');
    await page.getByRole('button', { name: 'Cancel sync' }).click();
    await alert(page, /Sync cancelled/).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Retry (resume)' }).click();
    await alert(page, /Resuming from the checkpoint/).waitFor();
    await expect.poll(() => page.locator('#cur-status').textContent(), { timeout: 90_000, interval: 200 }).toBe('Completed');
    expect(await page.locator('#alerts-polite .alert').first().textContent()).toMatch(/Sync completed: \d+ courses?/);
    await expect.poll(() => page.locator('#history-body tr[data-status="completed"]').count()).toBe(3);
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('sets an automatic sync schedule, shows it after a reload, and turns it off', async () => {
    const page = await openPanel(stack, 'e2e-schedule');
    const state = page.locator('#schedule-state');
    await expect.poll(() => state.textContent(), { timeout: 15_000 }).toContain('Off');
    await page.getByLabel('Sync automatically').selectOption('360');
    await page.getByLabel('Each run').selectOption('full');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expect.poll(() => state.textContent()).toMatch(/^Every 6 hours, full syncs\. Next run .+\./);
    await page.reload();
    await expect.poll(() => state.textContent(), { timeout: 15_000 }).toMatch(/^Every 6 hours, full syncs\. Next run/);
    await page.getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(() => state.textContent()).toContain('Off');
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('falls back to polling when the WebSocket is blocked, says so, and still finishes the sync', async () => {
    const page = await openPanel(stack, 'e2e-polling', { blockWebSocket: true });
    await connectCanvas(stack, page);
    await page.getByRole('button', { name: 'Start sync' }).click();
    await page.locator('#live-mode', { hasText: 'Live updates unavailable — checking for progress every 2 s' }).waitFor({ timeout: 15_000 });
    await alert(page, /Sync completed: \d+ courses?/).waitFor({ timeout: 90_000 });
    expect(await percentOf(page)).toBe(100);
    await page.locator('#history-body tr[data-status="completed"]').first().waitFor();
    await page.screenshot({ path: screenshotPath('panel-polling.png'), fullPage: true });
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  }, 180_000);
});
