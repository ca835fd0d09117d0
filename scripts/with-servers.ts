/**
 * `node --conditions=source --import tsx scripts/with-servers.ts <command> [args…]`: runs the command
 * with `DATABASE_URL` and `NATS_URL` set to the servers the test kit would use — the local ones
 * when they answer, else its own, started for the command and stopped after it (same rules and
 * knobs as `npm test`: README "Tests"). CI runs its migration check this way, so a bare machine
 * needs no Postgres installed. `WITH_SERVERS_DATABASE` names the database (default canvas_sync_ci).
 */
import { spawn } from 'node:child_process';
import { provideRunServers } from '@canvas-sync/testkit/servers';

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('usage: scripts/with-servers.ts <command> [args…]');
    return 2;
  }
  const servers = await provideRunServers();
  try {
    const url = new URL(servers.postgresUrl);
    url.pathname = `/${process.env.WITH_SERVERS_DATABASE || 'canvas_sync_ci'}`;
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, DATABASE_URL: url.toString(), NATS_URL: servers.natsUrl } });
    return await new Promise<number>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      child.once('error', (err) => {
        console.error(`[with-servers] ${command}: ${err.message}`);
        resolve(127);
      });
    });
  } finally {
    await servers.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[with-servers] ${(err as Error).message}`);
    process.exit(1);
  },
);
