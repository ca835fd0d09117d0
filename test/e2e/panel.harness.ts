import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, REPO_ROOT, spawnService, startPipeline, type PipelineHarness, type ServiceProcess } from '@canvas-sync/testkit';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const DEV_SECRET = 'dev-only-canvas-sync-jwt-secret';

/** The whole stack as processes (api, notifier, fetcher, writer), the simulator, and a browser. */
export interface PanelStack {
  pipeline: PipelineHarness;
  api: ServiceProcess;
  notifier: ServiceProcess;
  baseUrl: string;
  browser: Browser;
  /** Another api process on the same database and NATS, with `extraEnv` on top; its base URL. */
  startApi(extraEnv: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

/** Newest modification time under a directory. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Builds the panel the way `npm run build` does, so the test runs against what users get; skipped
 * when the build is newer than every source (other test files' apis may be serving it meanwhile).
 */
export function buildPanel(): void {
  const built = join(REPO_ROOT, 'services/api/web-dist/index.html');
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(REPO_ROOT, 'services/api/web'))) return;
  execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

/** The simulator's developer key when the stack runs with `oauth` (test-only values). */
export const SIM_OAUTH_CLIENT = { clientId: 'canvas-sync-e2e', clientSecret: 'e2e-client-secret-never-shown', name: 'Canvas Sync (e2e)' };

export interface PanelStackOptions {
  /** The simulator issues a developer key and the api and fetchers hold it for the simulator's host. */
  oauth?: boolean;
}

export async function startPanelStack(options: PanelStackOptions = {}): Promise<PanelStack> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_BIN).`);
  buildPanel();
  const [apiPort, notifierPort, simPort] = [await freePort(), await freePort(), await freePort()];
  // The developer key is per Canvas host, so the simulator's port is chosen before it starts.
  const oauthEnv: Record<string, string> = options.oauth
    ? { CANVAS_OAUTH_CLIENTS: JSON.stringify([{ host: `127.0.0.1:${simPort}`, clientId: SIM_OAUTH_CLIENT.clientId, clientSecret: SIM_OAUTH_CLIENT.clientSecret }]) }
    : {};
  // Canvas answers slowly enough that a sync takes several seconds: progress is visible mid-way
  // and there is time to cancel.
  const pipeline = await startPipeline({
    sim: { profile: 'student', latency: { baseMs: 150, perItemMs: 0.5, jitterMs: 0 }, ...(options.oauth ? { port: simPort, oauthClients: [SIM_OAUTH_CLIENT] } : {}) },
    env: oauthEnv,
  });
  const baseUrl = `http://localhost:${apiPort}`;
  const env = {
    ...pipeline.env,
    CANVAS_ALLOW_PRIVATE_NETWORK: 'true',
    API_PORT: String(apiPort),
    NOTIFIER_PORT: String(notifierPort),
    // Canvas sends the browser back to PUBLIC_URL: the origin the browser has the panel on.
    ...(options.oauth ? { PUBLIC_URL: baseUrl, CANVAS_PERSONAL_TOKENS: 'allow' } : {}),
  };
  const api = spawnService('api', env);
  const notifier = spawnService('notifier', env);
  await Promise.all([api.waitReady(apiPort), notifier.waitReady(notifierPort)]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const moreApis: ServiceProcess[] = [];
  return {
    pipeline,
    api,
    notifier,
    baseUrl,
    browser,
    startApi: async (extraEnv) => {
      const port = await freePort();
      const url = `http://localhost:${port}`;
      const more = spawnService('api', { ...env, API_PORT: String(port), ...(options.oauth ? { PUBLIC_URL: url } : {}), ...extraEnv });
      moreApis.push(more);
      await more.waitReady(port);
      return url;
    },
    close: async () => {
      await browser.close();
      await Promise.all([api, notifier, ...moreApis].map((p) => p.kill('SIGTERM')));
      await pipeline.close();
    },
  };
}

/** A user token as the host app signs it. */
export function userToken(userId: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(DEV_SECRET));
}

/** Opens the panel signed in as `userId`, with a phone-or-desktop viewport. */
export async function openPanel(stack: PanelStack, userId: string, options: { blockWebSocket?: boolean; baseUrl?: string } = {}): Promise<Page> {
  const page = await stack.browser.newPage({ viewport: { width: 1100, height: 1300 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  if (options.blockWebSocket) {
    // The notifier is unreachable from this page: every socket is closed before it opens.
    await page.routeWebSocket(/\/ws$/, (ws) => void ws.close());
  }
  await page.goto(`${options.baseUrl ?? stack.baseUrl}/?token=${await userToken(userId)}`);
  (page as Page & { errors: string[] }).errors = errors;
  return page;
}

/** Connects the page's user to the simulator through the panel and checks the test answer. */
export async function connectCanvas(stack: PanelStack, page: Page, simUser = 0): Promise<string> {
  const user = stack.pipeline.sim.users[simUser]!;
  await page.getByLabel('Canvas URL').fill(stack.pipeline.sim.url);
  // Where the host has a developer key, the token form is the second choice behind a toggle.
  const toggle = page.getByRole('button', { name: 'Use a personal access token instead' });
  if (await toggle.isVisible()) await toggle.click();
  await page.getByLabel(/Access token/).fill(user.token);
  await page.getByRole('button', { name: 'Save and test' }).click();
  await page.locator('#conn-status', { hasText: `Connected as ${user.name}` }).waitFor();
  return user.name;
}

/**
 * Clicks "Connect with Canvas" for the simulator, then `answer` on the simulator's consent page, and
 * waits until the browser is back on the panel.
 */
export async function connectWithCanvas(stack: PanelStack, page: Page, answer: 'Authorize' | 'Cancel'): Promise<void> {
  await page.getByLabel('Canvas URL').fill(stack.pipeline.sim.url);
  await page.getByRole('button', { name: 'Connect with Canvas' }).click();
  await page.waitForURL((url) => url.href.startsWith(`${stack.pipeline.sim.url}/login/oauth2/auth`));
  await page.getByRole('button', { name: answer, exact: true }).click();
  await page.waitForURL((url) => url.href.startsWith(`${stack.baseUrl}/`));
  await page.locator('#conn-status:not(:empty)').waitFor();
}

/** Where screenshots go: docs/images when regenerating the README's, else test-results. */
export function screenshotPath(name: string): string {
  const dir = process.env.PANEL_SCREENSHOTS_DIR ?? join(REPO_ROOT, 'test-results', 'panel');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
