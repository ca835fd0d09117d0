import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

/** The dev secret of the api and notifier (their config falls back to it outside production). */
export const DEV_JWT_SECRET = 'dev-only-canvas-sync-jwt-secret';

/** A user token for the demo user, as a host app would sign it. */
export async function demoToken(secret: string, userId = 'demo', hours = 12): Promise<string> {
  return new SignJWT({ name: 'Demo user' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(`${hours}h`)
    .sign(new TextEncoder().encode(secret));
}

/** The simulator the demo runs, as `startCanvasSim` answers. */
export interface DemoCanvas {
  url: string;
  users: Array<{ id: number | string; name: string; token: string }>;
  close(): Promise<void>;
}

/** The developer key the demo registers with its simulator, so "Connect with Canvas" works (a fresh secret each run). */
export function demoOAuthClient(): { clientId: string; clientSecret: string } {
  return { clientId: '10000000000001', clientSecret: randomBytes(24).toString('base64url') };
}

/** Per-request latency of the demo's simulator when `DEMO_CANVAS_LATENCY_MS` is unset: about what real Canvas answers in. */
export const DEMO_CANVAS_LATENCY_MS = 600;

/**
 * The demo simulator's per-request latency from `DEMO_CANVAS_LATENCY_MS` (milliseconds, 0 = as fast as it goes). At the
 * simulator's test speed a demo sync is over in half a second, so nobody could watch its progress or try Cancel.
 */
export function demoCanvasLatencyMs(env: NodeJS.ProcessEnv): number {
  const raw = env.DEMO_CANVAS_LATENCY_MS?.trim();
  if (!raw) return DEMO_CANVAS_LATENCY_MS;
  const ms = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(ms) || ms > 60_000) throw new Error(`DEMO_CANVAS_LATENCY_MS must be a whole number of milliseconds from 0 to 60000, got "${raw}"`);
  return ms;
}

/** Starts the Canvas simulator in this process with one student's seeded data and the demo's developer key. */
export async function startDemoCanvas(port: number, oauthClient?: { clientId: string; clientSecret: string }, latencyMs = DEMO_CANVAS_LATENCY_MS): Promise<DemoCanvas> {
  const { startCanvasSim } = await import('@canvas-sync/canvas-sim');
  const sim = await startCanvasSim({
    profile: 'student',
    port,
    host: '127.0.0.1',
    // A row served adds a twelfth (big pages are slower, as on Canvas) and jitter of a third keeps the pace uneven; 0 = no delay.
    latency: { baseMs: latencyMs, perItemMs: latencyMs / 12, jitterMs: Math.round(latencyMs / 3) },
    ...(oauthClient ? { oauthClients: [{ ...oauthClient, name: 'canvas-sync demo' }] } : {}),
  });
  return { url: sim.url, users: sim.users.map((u) => ({ id: u.id, name: u.name, token: u.token })), close: () => sim.close() };
}

/**
 * The services' OAuth variables for the demo: the simulator's developer key as
 * `CANVAS_OAUTH_CLIENTS`, pasted tokens still allowed (the personal-token path stays), and
 * `PUBLIC_URL` on the api's port. Anything the user set wins.
 */
export function demoOAuthEnv(env: NodeJS.ProcessEnv, canvasUrl: string, client: { clientId: string; clientSecret: string }, apiPort: number): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  if (!env.CANVAS_OAUTH_CLIENTS && !env.CANVAS_OAUTH_CLIENTS_FILE) out.CANVAS_OAUTH_CLIENTS = JSON.stringify([{ host: new URL(canvasUrl).host, ...client }]);
  if (!env.CANVAS_PERSONAL_TOKENS) out.CANVAS_PERSONAL_TOKENS = 'allow';
  if (!env.PUBLIC_URL) out.PUBLIC_URL = `http://localhost:${apiPort}`;
  return out;
}

/** What `npm start` prints once everything is up. */
export function banner(lines: { panelUrl: string; userId?: string; canvas?: DemoCanvas; started: string[]; logDir: string; ports: Record<string, number> }): string {
  const out: string[] = ['', '━━━ canvas-sync is running ━━━', ''];
  out.push(`  Panel:          ${lines.panelUrl}`);
  out.push(lines.userId ? `                  (signs you in as "${lines.userId}"; the link is valid for 12 hours)` : '                  (sign in with a user token from your host app, signed with AUTH_JWT_SECRET)');
  if (lines.canvas) {
    const user = lines.canvas.users[0];
    out.push('', '  Demo Canvas (simulator) — in "1. Connect Canvas" enter this URL and click "Connect with Canvas"');
    out.push('  (the simulator shows its consent page), or paste the access token:');
    out.push(`    Canvas URL:   ${lines.canvas.url}`);
    if (user) out.push(`    Access token: ${user.token}   (student "${user.name}")`);
  }
  out.push('', `  Services:       ${Object.entries(lines.ports).map(([n, p]) => `${n} :${p}`).join(', ')}`);
  out.push(`  Logs:           ${lines.logDir}/<service>.log (warnings and errors also show here)`);
  if (lines.started.length > 0) {
    out.push('', '  Started for this run (Ctrl-C stops and removes them):');
    for (const s of lines.started) out.push(`    - ${s}`);
  }
  out.push('', '  Ctrl-C stops everything this command started.', '');
  return out.join('\n');
}
