/**
 * `npm start`: applies migrations, then runs the four services, each as its own process, against
 * NATS_URL and DATABASE_URL. Ctrl-C stops them all (SIGTERM, then SIGKILL after the grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVICES = ['api', 'fetcher', 'writer', 'notifier'] as const;
const children: ChildProcess[] = [];
let stopping = false;

function run(args: string[], name: string): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', ...args], { cwd: ROOT, stdio: 'inherit', env: process.env });
  child.once('exit', (code, signal) => {
    if (!stopping && name !== 'migrate') {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping everything`);
      void stop(1);
    }
  });
  return child;
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  const force = setTimeout(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')), 25_000);
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  clearTimeout(force);
  process.exit(code);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const migrate = run(['packages/shared/src/db/migrate.cli.ts'], 'migrate');
  const migrated = await new Promise<number | null>((r) => migrate.once('exit', r));
  if (migrated !== 0) {
    console.error('[start] migrations failed; is Postgres reachable at DATABASE_URL?');
    process.exit(1);
  }
  for (const name of SERVICES) children.push(run([`services/${name}/src/main.ts`], name));
}

void main();
