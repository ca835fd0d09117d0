import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { connectCanvas, connectWithCanvas, openPanel, screenshotPath, SIM_OAUTH_CLIENT, startPanelStack, type PanelStack } from './panel.harness.js';

const alert = (page: Page, text: RegExp) => page.locator('.alert', { hasText: text }).first();
const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;

describe('Connect with Canvas (OAuth2) in headless Chromium, against the whole stack and the simulated consent page', () => {
  let stack: PanelStack;
  beforeAll(async () => {
    stack = await startPanelStack({ oauth: true });
  }, 180_000);
  afterAll(async () => stack?.close());

  const connectionRow = (userId: string) => stack.pipeline.database.db.selectFrom('connections').selectAll().where('user_id', '=', userId).executeTakeFirst();

  it('approves on Canvas, lands back connected, keeps the connection when a later consent is cancelled, syncs, and disconnects', async () => {
    const page = await openPanel(stack, 'e2e-oauth');
    const simUser = stack.pipeline.sim.users[0]!;
    await connectWithCanvas(stack, page, 'Authorize');
    await alert(page, /^Canvas is connected\./).waitFor();
    await page.locator('#conn-status', { hasText: `Connected as ${simUser.name} (with Canvas sign-in)` }).waitFor();
    // The return is read once and removed from the address bar: a reload does not announce it again.
    expect(new URL(page.url()).search).toBe('');
    await page.screenshot({ path: screenshotPath('panel-oauth-connected.png'), fullPage: true });
    await page.reload();
    await page.locator('#conn-status', { hasText: `Connected as ${simUser.name}` }).waitFor();
    expect(await page.locator('.alert', { hasText: 'Canvas is connected' }).count()).toBe(0);

    // Connecting again and cancelling on Canvas: a clear message, the connection as it was.
    const before = await connectionRow('e2e-oauth');
    await connectWithCanvas(stack, page, 'Cancel');
    await alert(page, /^You cancelled on Canvas; your previous connection is unchanged\./).waitFor();
    expect(await page.locator('#alerts-urgent').getAttribute('aria-live')).toBe('assertive');
    expect(new URL(page.url()).search).toBe('');
    await page.locator('#conn-status', { hasText: `Connected as ${simUser.name} (with Canvas sign-in)` }).waitFor();
    expect(await connectionRow('e2e-oauth')).toEqual(before);

    await page.getByRole('button', { name: 'Start sync' }).click();
    await alert(page, /Sync completed: \d+ courses?, \d+ assignments?/).waitFor({ timeout: 90_000 });

    await page.getByRole('button', { name: 'Disconnect' }).click();
    await alert(page, /^Canvas is disconnected\. Your synced data is kept/).waitFor();
    await page.locator('#conn-status', { hasText: 'Not connected yet.' }).waitFor();
    expect(await page.getByRole('button', { name: 'Connect with Canvas' }).isVisible()).toBe(true);
    const after = await connectionRow('e2e-oauth');
    expect(after?.token_ciphertext ?? null).toBeNull();
    expect(stack.pipeline.sim.oauthStats().byUser[String(simUser.id)]?.revocations).toBe(1);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  }, 240_000);

  it('deletes the synced data only after the inline confirmation, and says so when a sync is running', async () => {
    const page = await openPanel(stack, 'e2e-erase');
    await connectCanvas(stack, page);
    await page.getByRole('button', { name: 'Start sync' }).click();
    await alert(page, /Sync completed: \d+ courses?/).waitFor({ timeout: 90_000 });
    const courses = () => stack.pipeline.database.db.selectFrom('canvas.courses').select((eb) => eb.fn.countAll<string>().as('n')).where('user_id', '=', 'e2e-erase').executeTakeFirstOrThrow();
    expect(Number((await courses()).n)).toBeGreaterThan(0);

    // "Keep my data" closes the confirmation and deletes nothing.
    await page.getByRole('button', { name: 'Delete my synced data', exact: true }).click();
    await page.getByRole('button', { name: 'Keep my data' }).click();
    expect(await page.locator('#data-confirm').isHidden()).toBe(true);
    expect(Number((await courses()).n)).toBeGreaterThan(0);

    // While a sync runs the api refuses (409 sync_in_progress), and the panel says why.
    await page.getByRole('button', { name: 'Start sync' }).click();
    await expect.poll(() => page.locator('#cur-status').textContent(), { timeout: 30_000, interval: 100 }).toBe('Running');
    await page.getByRole('button', { name: 'Delete my synced data', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, delete my synced data' }).click();
    await page.locator('#data-status', { hasText: 'A sync is running, so nothing was deleted.' }).waitFor();
    await expect.poll(() => page.locator('#cur-status').textContent(), { timeout: 90_000, interval: 200 }).toBe('Completed');

    await page.getByRole('button', { name: 'Delete my synced data', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, delete my synced data' }).click();
    await page.locator('#data-status', { hasText: 'Your synced data was deleted.' }).waitFor();
    await page.locator('#history-empty').waitFor();
    expect(await page.locator('#history-body tr').count()).toBe(0);
    expect(Number((await courses()).n)).toBe(0);
    await page.screenshot({ path: screenshotPath('panel-data-deleted.png'), fullPage: true });
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  }, 240_000);

  it('shows Reconnect Canvas once Canvas refuses to renew access, and reconnecting brings the connection back', async () => {
    const page = await openPanel(stack, 'e2e-reauth');
    const simUser = stack.pipeline.sim.users[0]!;
    await connectWithCanvas(stack, page, 'Authorize');
    await page.locator('#conn-status', { hasText: `Connected as ${simUser.name} (with Canvas sign-in)` }).waitFor();
    expect(await page.getByRole('button', { name: 'Reconnect Canvas' }).isVisible()).toBe(false);

    // The school (or the user, on Canvas) ends the grant: the next use of it finds out.
    stack.pipeline.sim.revokeOAuthGrants(simUser.id, SIM_OAUTH_CLIENT.clientId);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('#conn-status', { hasText: 'Canvas asks you to sign in again' }).waitFor();
    await alert(page, /^Canvas connection failed: Canvas refused to renew access; reconnect Canvas\./).waitFor();
    expect((await connectionRow('e2e-reauth'))?.status).toBe('reauth_required');

    await page.getByRole('button', { name: 'Reconnect Canvas' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${stack.pipeline.sim.url}/login/oauth2/auth`));
    await page.getByRole('button', { name: 'Authorize', exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(`${stack.baseUrl}/`));
    await page.locator('#conn-status', { hasText: `Connected as ${simUser.name} (with Canvas sign-in)` }).waitFor();
    expect(await page.getByRole('button', { name: 'Reconnect Canvas' }).isVisible()).toBe(false);
    expect((await connectionRow('e2e-reauth'))?.status).toBe('ok');
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  }, 120_000);

  it('offers no token form where pasted tokens are turned off, and says when a Canvas has no developer key', async () => {
    const denyingApi = await stack.startApi({ CANVAS_PERSONAL_TOKENS: 'deny' });
    const page = await openPanel(stack, 'e2e-no-tokens', { baseUrl: denyingApi });
    await page.locator('#conn-status', { hasText: 'Not connected yet.' }).waitFor();
    await page.getByLabel('Canvas URL').fill(stack.pipeline.sim.url);
    expect(await page.getByRole('button', { name: 'Connect with Canvas' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Use a personal access token instead' }).isVisible()).toBe(false);
    expect(await page.getByLabel(/Access token/).isVisible()).toBe(false);

    await page.getByLabel('Canvas URL').fill('https://other.instructure.com');
    await page.locator('#conn-url-hint', { hasText: 'This Canvas is not set up here (no developer key) and pasted tokens are turned off' }).waitFor();
    expect(await page.getByRole('button', { name: 'Connect with Canvas' }).isVisible()).toBe(false);
    expect(await page.getByLabel(/Access token/).isVisible()).toBe(false);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  }, 120_000);
});
