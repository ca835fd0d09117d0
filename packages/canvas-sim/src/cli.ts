import { parseCliArgs, USAGE } from './cli-args.js';
import { startCanvasSim } from './sim.js';

/**
 * `canvas-sim` entry point. Scripts read the first stdout line (one JSON object) to learn the port
 * and tokens, so nothing else may reach stdout before it; human-readable logs go to stderr.
 */
async function main(): Promise<void> {
  let request;
  try {
    request = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`canvas-sim: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (request.help) {
    process.stdout.write(USAGE);
    return;
  }
  const sim = await startCanvasSim(request.options);
  if (request.faults) sim.setFaults(request.faults);
  process.stdout.write(`${JSON.stringify({ port: sim.port, users: sim.users.map(({ id, name, token }) => ({ id, name, token })) })}\n`);
  process.stderr.write(`canvas-sim listening on ${sim.url} (control API at ${sim.url}/__sim)\n`);
  let stopping = false;
  const stop = (reason: string): void => {
    // A second signal means "now": skip the graceful close.
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`canvas-sim: ${reason}, closing\n`);
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`canvas-sim: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (request.exitWithStdin) {
    process.stdin.on('end', () => stop('stdin ended'));
    process.stdin.resume();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`canvas-sim: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
