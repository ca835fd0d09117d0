/**
 * Preloaded (`--import`) into each service `npm start` runs. The services sit in their own process group, so a
 * terminal's Ctrl-C reaches only `npm start`, which stops them once; should `npm start` die without stopping them
 * (SIGKILL), its end of their stdin pipe closes and this stops the service gracefully instead of leaving it behind.
 */
const stop = (): void => {
  process.kill(process.pid, 'SIGTERM');
};
process.stdin.once('end', stop);
process.stdin.once('error', stop);
process.stdin.resume();
// Watching stdin must not keep a service alive once its own shutdown is done.
process.stdin.unref();
